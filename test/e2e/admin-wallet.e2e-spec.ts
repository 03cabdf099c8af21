import { accountId } from '../../libs/wallet/src';
import { usageRow } from '../factories/usage-row.factory';
import { holdContext, newGeneration } from '../factories/wallet-request.factory';
import { createApiKey } from '../factories/api-key.factory';
import { AdminApi, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { closeTestDb, testDb } from '../support/test-db';
import { walletBooksViolations } from '../support/wallet-books';
import { WalletHarness } from '../support/wallet-harness';
import { waitFor } from '../support/wait-for';

/**
 * The admin API with the Redis wallet: an account loaded into the wallet shows the wallet's money (spendable and
 * held), and top-ups and adjustments reach the wallet as soon as they commit.
 */
describe('admin API: accounts and credits with the wallet', () => {
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
    await closeTestDb();
  });

  const account = async (id: string) => (await api.get(`/admin/v1/accounts/${id}`)).body;

  it('shows an account from PostgreSQL until it is loaded, then the wallet\'s spendable balance and open holds', async () => {
    const { id } = await api.createAccount({ balanceUsd: '10.00' });
    expect(await account(id)).toMatchObject({ balanceUsd: '10.000000', reservedUsd: '0.000000' });
    const key = await createApiKey(id);
    const customer = { accountId: accountId(id), keyId: key.id };
    const generation = newGeneration();
    await wallet.wallet.hold({ accountId: customer.accountId, generationId: generation, amountMicros: 2_000_000n, context: holdContext(customer) });
    expect(await account(id)).toMatchObject({ balanceUsd: '8.000000', reservedUsd: '2.000000' });
    const listed = await api.listAll('/admin/v1/accounts');
    expect(listed.find((a: { id: string }) => a.id === id)).toMatchObject({ balanceUsd: '8.000000', reservedUsd: '2.000000' });
    // Every answer that shows the account shows the wallet's money, the rate-limit PUT's too.
    const limits = await api.put(`/admin/v1/accounts/${id}/rpm-limit`, { rpm: 100 });
    expect(limits).toMatchObject({ status: 200, body: { rpmLimit: 100, balanceUsd: '8.000000', reservedUsd: '2.000000' } });

    // A top-up reaches the wallet at once (answer included), exactly once.
    const topUp = await api.post(`/admin/v1/accounts/${id}/top-ups`, { amountUsd: '5.00' }, { 'idempotency-key': `w-${id}` });
    expect(topUp).toMatchObject({ status: 201, body: { balanceUsd: '13.000000' } });
    expect(await account(id)).toMatchObject({ balanceUsd: '13.000000', reservedUsd: '2.000000' });
    const replay = await api.post(`/admin/v1/accounts/${id}/top-ups`, { amountUsd: '5.00' }, { 'idempotency-key': `w-${id}` });
    expect(replay.body).toEqual(topUp.body);
    expect(await account(id)).toMatchObject({ balanceUsd: '13.000000' });
    const db = await testDb();
    expect(await db.walletCredit.count({ where: { accountId: id, appliedAt: null } })).toBe(0);

    // A debit may not take the spendable balance (13, not the stored 15) below zero.
    expectError(
      await api.post(`/admin/v1/accounts/${id}/adjustments`, { amountUsd: '-14.00', reason: 'too much' }),
      400,
      'invalid_request_error',
      /below zero \(from 13\.000000 to -1\.000000 USD\)/,
    );
    const adjusted = await api.post(`/admin/v1/accounts/${id}/adjustments`, { amountUsd: '-3.00', reason: 'refund' });
    expect(adjusted).toMatchObject({ status: 201, body: { balanceUsd: '10.000000', reservedUsd: '2.000000', previousBalanceUsd: '13.000000' } });
    expect(await account(id)).toMatchObject({ balanceUsd: '10.000000', reservedUsd: '2.000000' });

    // The request settles ($1.25); once written, the ledger sums to the balance plus the holds (none left).
    await wallet.wallet.settle({ accountId: customer.accountId, generationId: generation, costMicros: 1_250_000n, usage: usageRow(id, key.id, generation, { reservedMicros: 2_000_000n, costMicros: 1_250_000n }) });
    // Found by its id at once, before the ledger writer has written it: the record the wallet's settlement kept.
    expect(await db.usageRecord.count({ where: { generationId: generation } })).toBe(0);
    const early = await api.get(`/admin/v1/generations/${generation}`);
    expect(early).toMatchObject({
      status: 200,
      body: { generationId: generation, accountId: id, keyId: key.id, outcome: 'completed', reservedUsd: '2.000000', costUsd: '1.250000' },
    });
    await wallet.flush();
    await waitFor(async () => (await db.usageRecord.count({ where: { generationId: generation } })) === 1);
    expect(await account(id)).toMatchObject({ balanceUsd: '10.750000', reservedUsd: '0.000000' });
    const ledger = await api.listAll(`/admin/v1/accounts/${id}/ledger`);
    const sum = ledger.reduce((total: bigint, entry: { amountUsd: string }) => total + BigInt(entry.amountUsd.replace('.', '')), 0n);
    expect(sum).toBe(10_750_000n);
    expect(await walletBooksViolations(id)).toEqual([]);
    // Written: PostgreSQL's record, the same as the wallet's was.
    expect((await api.get(`/admin/v1/generations/${generation}`)).body).toEqual(early.body);
  });

  it('answers 404 for a generation neither PostgreSQL nor the wallet knows', async () => {
    expectError(await api.get('/admin/v1/generations/gen-01J0000000000000000000000'), 404, 'not_found', /not found/);
  });
});
