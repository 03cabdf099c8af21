import { setTimeout as sleep } from 'node:timers/promises';
import { LedgerRepository } from '../../libs/db/src';
import { usageRow } from '../factories/usage-row.factory';
import { holdContext, newGeneration, walletCustomer } from '../factories/wallet-request.factory';
import { AdminApi, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { closedPortUrl } from '../support/closed-port';
import { accountBooks, testDb } from '../support/test-db';
import { useWalletHarness, WalletHarness } from '../support/wallet-harness';

/**
 * Money moves once, whatever dies in between: a credit committed in PostgreSQL but not yet in the wallet (its admin
 * API died between the two) is money the next debit may not spend again, and a request settled after the sweep closed
 * its hold is charged on its key's day as well as on its account.
 */
describe('wallet: money moves exactly once across crashes and sweeps', () => {
  describe('credits committed before they reach the wallet', () => {
    let admin: AppProcess;
    let api: AdminApi;
    let wallet: WalletHarness;

    beforeAll(async () => {
      admin = await AppProcess.start('admin');
      api = new AdminApi(admin.url);
      wallet = WalletHarness.shared();
    });

    afterAll(async () => {
      await admin?.stop();
      await wallet?.close();
    });

    it('a debit whose admin died before the wallet counts for the next debit (a hold open), and a top-up applies both once', async () => {
      const customer = await walletCustomer('10.00');
      const id = customer.accountId;
      const held = await wallet.wallet.hold({ accountId: id, generationId: newGeneration(), amountMicros: 5_000_000n, context: holdContext(customer) });
      expect(held).toMatchObject({ status: 'held', spendableMicros: 5_000_000n });
      // What an admin API SIGKILLed between its commit and its wallet call leaves: the debit in PostgreSQL only.
      await new LedgerRepository(await testDb()).post(id, 'adjustment', -3_000_000n, 'admin died', null, undefined, {
        walletPendingMicros: 5_000_000n,
      });
      expect((await wallet.inspector.balances([id]))[0]).toMatchObject({ balanceMicros: 10_000_000n, heldMicros: 5_000_000n });

      // Spendable is 10 - 3 - 5 = 2: a second debit of 3 would overdraw it (it used to pass, checked against 5).
      expectError(
        await api.post(`/admin/v1/accounts/${id}/adjustments`, { amountUsd: '-3.00', reason: 'second debit' }),
        400,
        'invalid_request_error',
        /below zero \(from 2\.000000 to -1\.000000 USD\)/,
      );
      // A top-up's answer counts the pending debit too, and its wallet call applies both credits, in order, once.
      const topUp = await api.post(`/admin/v1/accounts/${id}/top-ups`, { amountUsd: '1.00' }, { 'idempotency-key': `h4-${id}` });
      expect(topUp).toMatchObject({ status: 201, body: { balanceUsd: '3.000000' } });
      const replay = await api.post(`/admin/v1/accounts/${id}/top-ups`, { amountUsd: '1.00' }, { 'idempotency-key': `h4-${id}` });
      expect(replay.body).toEqual(topUp.body);
      expect((await wallet.inspector.balances([id]))[0]).toMatchObject({ balanceMicros: 8_000_000n, heldMicros: 5_000_000n });
      expect((await api.get(`/admin/v1/accounts/${id}`)).body).toMatchObject({ balanceUsd: '3.000000', reservedUsd: '5.000000' });
      expect(await accountBooks(id)).toMatchObject({ balance: 8_000_000n, ledgerSum: 8_000_000n });
      expect(await (await testDb()).walletCredit.count({ where: { accountId: id, appliedAt: null } })).toBe(0);
    });
  });

  describe('an admin API whose wallet does not answer', () => {
    let admin: AppProcess;
    let api: AdminApi;
    let wallet: WalletHarness;

    beforeAll(async () => {
      admin = await AppProcess.start('admin', { WALLET_REDIS_URL: (await closedPortUrl()).replace(/^http:/, 'redis:') });
      api = new AdminApi(admin.url);
      wallet = WalletHarness.shared();
    });

    afterAll(async () => {
      await admin?.stop();
      await wallet?.close();
    });

    it('refuses a debit it cannot check against the spendable balance (503), unless it may go negative; credits still post', async () => {
      const customer = await walletCustomer('10.00');
      const id = customer.accountId;
      await wallet.wallet.hold({ accountId: id, generationId: newGeneration(), amountMicros: 5_000_000n, context: holdContext(customer) });
      // PostgreSQL says 10, the wallet 5 spendable: a debit of 8 checked against PostgreSQL alone used to pass.
      expectError(
        await api.post(`/admin/v1/accounts/${id}/adjustments`, { amountUsd: '-8.00', reason: 'blind debit' }),
        503,
        'service_unavailable',
        /wallet is unavailable/,
      );
      expect(await accountBooks(id)).toMatchObject({ balance: 10_000_000n, ledgerSum: 10_000_000n });
      expect((await api.post(`/admin/v1/accounts/${id}/top-ups`, { amountUsd: '1.00' })).status).toBe(201);
      const allowed = await api.post(`/admin/v1/accounts/${id}/adjustments`, {
        amountUsd: '-8.00',
        reason: 'known overdraft',
        allowNegativeBalance: true,
      });
      expect(allowed.status).toBe(201);
      expect(await accountBooks(id)).toMatchObject({ balance: 3_000_000n, ledgerSum: 3_000_000n });
    });
  });

  describe("a key's day through the sweep", () => {
    const h = useWalletHarness('moneyonce');

    it("a settlement after the sweep closed its hold moves the key's day to its cost, and the daily limit counts it", async () => {
      const customer = await walletCustomer('10.00');
      const id = customer.accountId;
      await h.loader.ensureLoaded(id);
      const keyDay = { keyId: customer.keyId, limitMicros: 5_000_000n };
      const generation = newGeneration();
      const context = JSON.stringify({ ...holdContext(customer), createdAt: new Date().toISOString() });
      // A proxy that holds and then stops beating (it died, or missed its beats): a hold that expires at once.
      expect(await h.store.hold(id, generation, 2_000_000n, 1, 'stalled-proxy', context, keyDay)).toMatchObject({ kind: 'HELD' });
      expect(await h.store.keySpentToday(id, customer.keyId)).toBe(2_000_000n);
      await sleep(20);
      expect(await h.store.sweep(h.store.keys.shardOf(id), 1_000)).toMatchObject({ closed: 1 });
      expect(await h.store.keySpentToday(id, customer.keyId)).toBe(0n);

      // Its request finishes after all: charged $3 in full, on the account and on the key's day.
      const settled = await h.wallet.settle({
        accountId: id,
        generationId: generation,
        costMicros: 3_000_000n,
        usage: usageRow(id, customer.keyId, generation, { reservedMicros: 2_000_000n, costMicros: 3_000_000n }),
      });
      expect(settled).toMatchObject({ status: 'late', chargedMicros: 3_000_000n, spendableMicros: 7_000_000n });
      expect(await h.store.keySpentToday(id, customer.keyId)).toBe(3_000_000n);
      const next = await h.wallet.hold({
        accountId: id,
        generationId: newGeneration(),
        amountMicros: 2_500_000n,
        context: holdContext(customer),
        dailyLimitMicros: keyDay.limitMicros,
      });
      expect(next).toMatchObject({ status: 'daily_limit', dailyLeftMicros: 2_000_000n });
    });
  });
});
