import { newGenerationId } from '../../libs/common/src';
import { loadConfig } from '../../libs/config/src';
import { BillingLedgerRepository, KeyInfoRepository, PrismaService } from '../../libs/db/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { usageRow } from '../factories/usage-row.factory';
import { closeTestDb } from '../support/test-db';
import { testEnv } from '../support/test-env';

const MODEL_ID = 'openai/gpt-4.1-mini';

/**
 * The daily limit on the PostgreSQL store: gw_reserve checks the key's day under the account lock, the trigger on
 * reservations keeps api_key_daily_spend at "open holds plus settled charges" through every way a hold closes.
 */
describe('per-key daily spending on PostgreSQL (gw_reserve, api_key_daily_spend)', () => {
  let prisma: PrismaService;
  let other: PrismaService;
  let billing: BillingLedgerRepository;
  let keys: KeyInfoRepository;

  beforeAll(() => {
    prisma = new PrismaService(loadConfig(testEnv({ DB_POOL_MAX: '8' })));
    other = new PrismaService(loadConfig(testEnv({ DB_POOL_MAX: '8' })));
    billing = new BillingLedgerRepository(prisma);
    keys = new KeyInfoRepository(prisma);
  });

  afterAll(async () => {
    await Promise.all([prisma.onModuleDestroy(), other.onModuleDestroy()]);
    await closeTestDb();
  });

  async function customer(balanceUsd = '1.00') {
    const account = await createAccount({ balanceUsd });
    const { id: keyId } = await createApiKey(account.id);
    return { accountId: account.id, keyId };
  }

  const spentToday = async (accountId: string, keyId: string) => (await keys.find(accountId, keyId))!.spentTodayMicros;
  const hold = (keyId: string, amountMicros: bigint, dailyLimitMicros: bigint | null = null) => ({
    generationId: newGenerationId(),
    keyId,
    modelId: MODEL_ID,
    amountMicros,
    dailyLimitMicros,
  });

  it("refuses the hold that would cross the key's limit (nothing held), accepts up to it exactly, says what is left", async () => {
    const { accountId, keyId } = await customer();
    const results = await billing.reserve(
      accountId,
      [hold(keyId, 6_000n, 10_000n), hold(keyId, 4_001n, 10_000n), hold(keyId, 4_000n, 10_000n), hold(keyId, 1n, 10_000n)],
      'int',
    );
    expect(results.map(({ accepted, refusal, dailyLeftMicros }) => ({ accepted, refusal, dailyLeftMicros }))).toEqual([
      { accepted: true, refusal: null, dailyLeftMicros: 4_000n },
      { accepted: false, refusal: 'daily_limit', dailyLeftMicros: 4_000n },
      { accepted: true, refusal: null, dailyLeftMicros: 0n },
      { accepted: false, refusal: 'daily_limit', dailyLeftMicros: 0n },
    ]);
    expect(results[3].balanceMicros).toBe(1_000_000n - 10_000n);
    expect(await spentToday(accountId, keyId)).toBe(10_000n);
    // The balance still refuses as before, and says so.
    const [short] = await billing.reserve(accountId, [hold(keyId, 2_000_000n, null)], 'int');
    expect(short).toMatchObject({ accepted: false, refusal: 'balance', dailyLeftMicros: null });
  });

  it('never lets concurrent holds of one key from two proxies (two pools) pass the limit together', async () => {
    const { accountId, keyId } = await customer('10.00');
    const second = new BillingLedgerRepository(other);
    const attempts = Array.from({ length: 40 }, (_, i) =>
      (i % 2 === 0 ? billing : second).reserveMany([{ accountId, item: hold(keyId, 1_000n, 7_500n) }], `int-${i % 2}`),
    );
    const accepted = (await Promise.all(attempts)).flat().filter((result) => result.accepted);
    expect(accepted).toHaveLength(7);
    expect(await spentToday(accountId, keyId)).toBe(7_000n);
  });

  it('moves the day from the hold to the charge: settled at its cost, released to nothing, swept at the delivered cost, late-settled', async () => {
    const { accountId, keyId } = await customer();
    const [settled, released, swept] = [hold(keyId, 5_000n), hold(keyId, 3_000n), hold(keyId, 7_000n)];
    await billing.reserve(accountId, [settled, released, swept], 'int');
    expect(await spentToday(accountId, keyId)).toBe(15_000n);
    const usage = (generationId: string, costMicros: bigint) => usageRow(accountId, keyId, generationId, { costMicros });
    await billing.close(accountId, [
      { generationId: settled.generationId, costMicros: 1_200n, closedBy: 'settlement', usage: usage(settled.generationId, 1_200n) },
      { generationId: released.generationId, costMicros: 0n, closedBy: 'release', usage: usage(released.generationId, 0n) },
    ]);
    expect(await spentToday(accountId, keyId)).toBe(8_200n);
    // A duplicate settlement moves nothing.
    await billing.close(accountId, [
      { generationId: settled.generationId, costMicros: 1_200n, closedBy: 'settlement', usage: usage(settled.generationId, 1_200n) },
    ]);
    expect(await spentToday(accountId, keyId)).toBe(8_200n);

    // Its proxy died having delivered $0.002: the sweep charges that, and the request's own late settlement stands.
    await prisma.pool.query(
      `UPDATE reservations SET delivered_cost_micros = 2000, heartbeat_at = now() - interval '1 hour' WHERE generation_id = $1`,
      [swept.generationId],
    );
    const staleBefore = new Date(Date.now() + 1_000).toISOString();
    const [sweep] = await billing.settle(accountId, [
      { generation_id: swept.generationId, cost_micros: '0', closed_by: 'sweep', stale_before: staleBefore, usage: null } as never,
    ]);
    expect(sweep.outcome).toBe('abandoned');
    expect(await spentToday(accountId, keyId)).toBe(3_200n);
    // The request's own settlement arriving late: the sweep's charge stands (one settlement entry per request).
    const [late] = await billing.close(accountId, [
      { generationId: swept.generationId, costMicros: 2_500n, closedBy: 'settlement', usage: usage(swept.generationId, 2_500n) },
    ]);
    expect(late.outcome).toBe('late_settled');
    expect(await spentToday(accountId, keyId)).toBe(3_200n);
  });

  it('counts nothing for a key that held nothing today', async () => {
    const { accountId, keyId } = await customer();
    expect(await spentToday(accountId, keyId)).toBe(0n);
  });
});
