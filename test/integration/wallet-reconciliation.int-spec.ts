import { setTimeout as sleep } from 'node:timers/promises';
import { ReconciliationService, WalletBooksCheck } from '../../libs/billing/src';
import { LedgerRepository, ReconciliationChecksRepository, ReconciliationsRepository } from '../../libs/db/src';
import { usageRow } from '../factories/usage-row.factory';
import { holdContext, newGeneration, walletCustomer, walletRequest } from '../factories/wallet-request.factory';
import { closedPortUrl } from '../support/closed-port';
import { testDb } from '../support/test-db';
import { useWalletHarness, WalletHarness } from '../support/wallet-harness';

/** Reconciliation covers the Redis wallet: each loaded account against PostgreSQL and against its hold records. */
describe('reconciliation of the wallet', () => {
  const NAME = 'wrecon';
  const h = useWalletHarness(NAME, { WALLET_SWEEP_EVERY_S: '1', RECONCILE_BATCH_SIZE: '50' });
  const testStart = new Date(Date.now() - 1_000);

  function reconciliation(harness: WalletHarness): ReconciliationService {
    return new ReconciliationService(
      new ReconciliationsRepository(harness.prisma),
      new ReconciliationChecksRepository(harness.prisma),
      harness.config,
      new WalletBooksCheck(harness.inspector, harness.accounts, harness.config),
    );
  }

  const range = () => ({ from: testStart, to: new Date(Date.now() + 1_000) });

  it('finds nothing wrong with accounts whose wallet is in flight (open holds, unwritten settlements, a pending credit)', async () => {
    const busy = await walletCustomer('10.00');
    for (let i = 0; i < 3; i++) await walletRequest(h.wallet, busy, 20_000n, 5_000n);
    await h.flush();
    await walletRequest(h.wallet, busy, 20_000n, 7_000n); // not written yet
    await walletRequest(h.wallet, busy, 20_000n, 0n); // released, not written yet
    await h.wallet.hold({ accountId: busy.accountId, generationId: newGeneration(), amountMicros: 30_000n, context: holdContext(busy) });
    await new LedgerRepository(await testDb()).post(busy.accountId, 'top_up', 1_000_000n, 'pending credit', null);

    const report = await reconciliation(h).check(range());
    expect(report.walletDrift.filter((item) => item.accountId === busy.accountId)).toEqual([]);
    expect(report.wallet).toMatchObject({ checked: true });
    expect(report.wallet!.accountsLoaded).toBeGreaterThanOrEqual(1);
    expect(report.wallet!.unflushed.count).toBeGreaterThanOrEqual(2);
    expect(report.wallet!.pendingCredits.count).toBeGreaterThanOrEqual(1);
    expect(report.wallet!.openHolds.count).toBeGreaterThanOrEqual(1);
    // Wallet-held requests are no PostgreSQL finding either (no reservation row, released ones without an entry).
    const mine = (item: { accountId: string }) => item.accountId === busy.accountId;
    expect(report.usageWithoutLedger.filter(mine)).toEqual([]);
    expect(report.usageLedgerMismatches.filter(mine)).toEqual([]);
    expect(report.ledgerWithoutUsage.filter(mine)).toEqual([]);
    expect(report.drift.filter(mine)).toEqual([]);
  });

  it('reports a wallet whose balance or held amount drifted, with the books it was compared with', async () => {
    const [moneyFromNowhere, strayHold] = [await walletCustomer('1.00'), await walletCustomer('1.00')];
    for (const customer of [moneyFromNowhere, strayHold]) await walletRequest(h.wallet, customer, 20_000n, 5_000n);
    await h.flush();
    await h.redis.call('tamper', (c) => c.hincrby(h.store.keys.account(moneyFromNowhere.accountId), 'bal', 2_500_000));
    await h.redis.call('tamper', (c) => c.hincrby(h.store.keys.account(strayHold.accountId), 'held', 10_000));

    const report = await reconciliation(h).check(range());
    const drift = new Map(report.walletDrift.map((item) => [item.accountId, item]));
    expect(drift.get(moneyFromNowhere.accountId)).toMatchObject({
      walletBalanceUsd: '3.495000',
      expectedBalanceUsd: '0.995000',
      differenceUsd: '2.500000',
      problems: ['wallet_balance_differs_from_books'],
    });
    expect(drift.get(strayHold.accountId)).toMatchObject({
      walletHeldUsd: '0.010000',
      openHoldsUsd: '0.000000',
      problems: ['wallet_held_differs_from_holds'],
    });
    expect(report.clean).toBe(false);

    // A rebuild puts both right.
    await h.rebuild.account(moneyFromNowhere.accountId);
    await h.rebuild.account(strayHold.accountId);
    const after = await reconciliation(h).check(range());
    const repaired: string[] = [moneyFromNowhere.accountId, strayHold.accountId];
    expect(after.walletDrift.filter((item) => repaired.includes(item.accountId))).toEqual([]);
  });

  it('reports holds the sweep should have closed, and a wallet it could not read, without failing the run', async () => {
    const customer = await walletCustomer('1.00');
    await h.loader.ensureLoaded(customer.accountId);
    const generation = newGeneration();
    await h.store.hold(customer.accountId, generation, 40_000n, 1, 'dead', JSON.stringify(holdContext(customer)));
    await sleep(3_500); // three sweep intervals (WALLET_SWEEP_EVERY_S=1) past its expiry, and no sweep ran
    const report = await reconciliation(h).check(range());
    expect(report.wallet!.expiredHolds.count).toBeGreaterThanOrEqual(1);
    expect(report.clean).toBe(false);
    await h.sweeper.sweep();
    await h.flush();
    const db = await testDb();
    expect(await db.usageRecord.findUnique({ where: { generationId: generation } })).toMatchObject({ outcome: 'abandoned' });

    const unreachable = WalletHarness.create(NAME, { WALLET_REDIS_URL: (await closedPortUrl()).replace('http', 'redis') });
    try {
      const blind = await reconciliation(unreachable).check(range());
      expect(blind.wallet).toMatchObject({ checked: false });
      expect(blind.wallet!.error).toMatch(/.+/);
      expect(blind.accountsChecked).toBeGreaterThan(0);
      expect(blind.clean).toBe(false);
    } finally {
      await unreachable.close();
    }
  });

  it('counts the holds the wallet\'s sweep closed among the stale reservations of the range', async () => {
    const customer = await walletCustomer('1.00');
    await h.loader.ensureLoaded(customer.accountId);
    const before = (await reconciliation(h).check(range())).staleReservations;
    const generation = newGeneration();
    await h.store.hold(customer.accountId, generation, 40_000n, 1, 'dead', JSON.stringify(holdContext(customer, new Date())));
    await sleep(20);
    await h.sweeper.sweep();
    await h.flush();
    const after = (await reconciliation(h).check(range())).staleReservations;
    expect(after.count).toBe(before.count + 1);
    // Its late settlement replaces the abandoned record: the request is no longer counted as swept.
    await h.wallet.settle({ accountId: customer.accountId, generationId: generation, costMicros: 100n, usage: usageRow(customer.accountId, customer.keyId, generation) });
    await h.flush();
    expect((await reconciliation(h).check(range())).staleReservations.count).toBe(before.count);
  });
});
