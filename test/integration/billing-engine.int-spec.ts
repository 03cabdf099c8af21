import { Queue } from 'bullmq';
import { BillingClosedError, BillingService, StaleReservationSweeper } from '../../libs/billing/src';
import { newGenerationId } from '../../libs/common/src';
import { AppConfig, loadConfig } from '../../libs/config/src';
import { BillingLedgerRepository, CloseRequest, HoldLivenessRepository, PrismaService } from '../../libs/db/src';
import { GATEWAY_QUEUE, JobName, jobOptions, JobQueue, SettleJobData } from '../../libs/jobs/src';
import { RedisService } from '../../libs/redis/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { generationEntries, postgresBillingViolations } from '../support/billing-invariants';
import { failSettlements } from '../support/failing-pool';
import { accountBooks, closeTestDb, testDb } from '../support/test-db';
import { testEnv } from '../support/test-env';
import { usageRow } from '../factories/usage-row.factory';

const MODEL_ID = 'openai/gpt-4.1-mini';

/** One proxy instance's billing stack: its own pg pool, Redis connection and queue producer. */
class BillingStack {
  readonly config: AppConfig;
  readonly prisma: PrismaService;
  readonly redis: RedisService;
  readonly jobs: JobQueue;
  readonly ledger: BillingLedgerRepository;
  readonly liveness: HoldLivenessRepository;
  readonly billing: BillingService;

  constructor(env: Record<string, string> = {}) {
    this.config = loadConfig(testEnv({ BILLING_STORE: 'postgres', DB_POOL_MAX: '4', SHUTDOWN_GRACE_MS: '1000', INSTANCE_ID: `int-${Math.random()}`, ...env }));
    this.prisma = new PrismaService(this.config);
    this.redis = new RedisService(this.config);
    this.jobs = new JobQueue(this.redis);
    this.ledger = new BillingLedgerRepository(this.prisma);
    this.liveness = new HoldLivenessRepository(this.prisma);
    this.billing = new BillingService(this.ledger, this.liveness, this.jobs, this.config);
  }

  sweeper(staleAfterS = 900): StaleReservationSweeper {
    return new StaleReservationSweeper(this.liveness, { ...this.config, billing: { ...this.config.billing, reservationStaleAfterS: staleAfterS } });
  }

  async close(): Promise<void> {
    // What the proxy does at shutdown (drain, then stop the heartbeat), so no timer outlives the pool closed below.
    await this.billing.onModuleDestroy();
    await this.jobs.onModuleDestroy();
    await this.redis.onModuleDestroy();
    await this.prisma.onModuleDestroy();
  }
}

function settlement(accountId: string, keyId: string, generationId: string, cost: bigint): CloseRequest {
  return {
    generationId,
    costMicros: cost,
    closedBy: cost > 0n ? 'settlement' : 'release',
    usage: usageRow(accountId, keyId, generationId, { costMicros: cost }),
  };
}

async function reservationOf(generationId: string) {
  return (await testDb()).reservation.findUnique({ where: { generationId } });
}

async function usageOf(generationId: string) {
  return (await testDb()).usageRecord.findUnique({ where: { generationId } });
}

describe('billing engine on PostgreSQL (reserve, settle, sweep, hand-over)', () => {
  const stacks: BillingStack[] = [];
  const stack = (...args: ConstructorParameters<typeof BillingStack>) => {
    const created = new BillingStack(...args);
    stacks.push(created);
    return created;
  };
  let proxyA: BillingStack;
  let proxyB: BillingStack;

  beforeAll(() => {
    proxyA = stack();
    proxyB = stack();
  });

  afterAll(async () => {
    await Promise.all(stacks.map((s) => s.close()));
    await closeTestDb();
  }, 30_000);

  describe('reservation', () => {
    it('never overdraws: concurrent holds from several instances and keys on one account accept exactly what the balance covers', async () => {
      const account = await createAccount({ balanceUsd: '1.00' });
      const keys = await Promise.all([createApiKey(account.id), createApiKey(account.id), createApiKey(account.id)]);
      const instances = [proxyA, proxyB, stack()];
      // 1.00 USD covers exactly 100 holds of 10,000 micro-dollars; 300 race for it.
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          instances[i % 3].billing.reserve(account.id, {
            generationId: newGenerationId(),
            keyId: keys[i % 3].id,
            modelId: MODEL_ID,
            amountMicros: 10_000n,
          }),
        ),
      );
      expect(results.filter((r) => r.accepted)).toHaveLength(100);
      expect(results.every((r) => r.balanceMicros >= 0n)).toBe(true);
      const books = await accountBooks(account.id);
      expect(books).toEqual({ balance: 0n, reserved: 1_000_000n, ledgerSum: 0n, openHolds: 1_000_000n });
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });

    it('reports the spendable balance net of open holds when it refuses', async () => {
      const account = await createAccount({ balanceUsd: '0.50' });
      const { id: keyId } = await createApiKey(account.id);
      const hold = (amount: bigint) =>
        proxyA.billing.reserve(account.id, { generationId: newGenerationId(), keyId, modelId: MODEL_ID, amountMicros: amount });
      expect(await hold(300_000n)).toMatchObject({ accepted: true, balanceMicros: 200_000n });
      expect(await hold(300_000n)).toMatchObject({ accepted: false, balanceMicros: 200_000n });
      expect(await hold(200_000n)).toMatchObject({ accepted: true, balanceMicros: 0n });
    });

    it('is idempotent per generation id', async () => {
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      const hold = { generationId, keyId, modelId: MODEL_ID, amountMicros: 100_000n };
      const [first, second] = await Promise.all([proxyA.ledger.reserve(account.id, [hold], 'a'), proxyB.ledger.reserve(account.id, [hold], 'b')]);
      expect(first[0].accepted && second[0].accepted).toBe(true);
      expect(await generationEntries(generationId)).toEqual([['reservation', -100_000n]]);
      expect((await accountBooks(account.id)).balance).toBe(900_000n);
    });

    it('refuses malformed holds in the database itself', async () => {
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      await expect(
        proxyA.ledger.reserve(account.id, [{ generationId: newGenerationId(), keyId, modelId: MODEL_ID, amountMicros: 0n }], 'a'),
      ).rejects.toThrow(/positive amount_micros/);
      await expect(
        proxyA.ledger.reserve(account.id, [{ generationId: newGenerationId(), keyId, modelId: MODEL_ID, amountMicros: -5n }], 'a'),
      ).rejects.toThrow(/positive amount_micros/);
      expect(await postgresBillingViolations(account.id)).toEqual([]);
      expect((await accountBooks(account.id)).balance).toBe(1_000_000n);
    });
  });

  describe('settlement', () => {
    it('releases the hold in full, charges the cost, and writes the usage record with what the ledger moved', async () => {
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      await proxyA.billing.reserve(account.id, { generationId, keyId, modelId: MODEL_ID, amountMicros: 50_000n });
      // The caller's money fields are not trusted: gw_settle writes what it moved.
      const request = settlement(account.id, keyId, generationId, 12_345n);
      request.usage = { ...request.usage!, reservedMicros: 1n, costMicros: 999n, overrunMicros: 7n };
      expect(await proxyA.billing.close(account.id, request)).toMatchObject({ outcome: 'settled', balanceMicros: 1_000_000n - 12_345n });
      expect(await generationEntries(generationId)).toEqual([
        ['reservation', -50_000n],
        ['release', 50_000n],
        ['settlement', -12_345n],
      ]);
      expect(await usageOf(generationId)).toMatchObject({ reservedMicros: 50_000n, costMicros: 12_345n, overrunMicros: 0n });
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });

    it('charges a cost above the hold anyway and records the overrun', async () => {
      const account = await createAccount({ balanceUsd: '0.10' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      await proxyA.billing.reserve(account.id, { generationId, keyId, modelId: MODEL_ID, amountMicros: 100_000n });
      await proxyA.billing.close(account.id, settlement(account.id, keyId, generationId, 130_000n));
      expect(await usageOf(generationId)).toMatchObject({ reservedMicros: 100_000n, costMicros: 130_000n, overrunMicros: 30_000n });
      expect(await accountBooks(account.id)).toMatchObject({ balance: -30_000n, ledgerSum: -30_000n, reserved: 0n });
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });

    it('charges once when the same settlement is applied twice, concurrently, from two instances', async () => {
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      await proxyA.billing.reserve(account.id, { generationId, keyId, modelId: MODEL_ID, amountMicros: 50_000n });
      const outcomes = await Promise.all([
        proxyA.billing.close(account.id, settlement(account.id, keyId, generationId, 20_000n)),
        proxyB.billing.close(account.id, settlement(account.id, keyId, generationId, 20_000n)),
        proxyB.ledger.close(account.id, [settlement(account.id, keyId, generationId, 20_000n)]).then((r) => r[0]),
      ]);
      expect(outcomes.map((o) => o!.outcome).sort()).toEqual(['duplicate', 'duplicate', 'settled']);
      expect((await accountBooks(account.id)).balance).toBe(980_000n);
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });

    it.each([
      ['after it committed (the answer was lost)', 'once-after-commit', 'duplicate'],
      ['before it committed', 'once-before-commit', 'settled'],
    ] as const)('does not double-charge a settlement retried after a database error %s', async (_when, mode, outcome) => {
      const flaky = stack();
      const failures = failSettlements(flaky.prisma, mode);
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      await flaky.billing.reserve(account.id, { generationId, keyId, modelId: MODEL_ID, amountMicros: 50_000n });
      const result = await flaky.billing.close(account.id, settlement(account.id, keyId, generationId, 20_000n));
      expect(failures()).toBe(1);
      expect(result!.outcome).toBe(outcome);
      expect(await generationEntries(generationId)).toEqual([
        ['reservation', -50_000n],
        ['release', 50_000n],
        ['settlement', -20_000n],
      ]);
      expect((await accountBooks(account.id)).balance).toBe(980_000n);
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });

    it('writes the usage record of a close that finds no reservation, charging nothing', async () => {
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      expect(await proxyA.billing.close(account.id, settlement(account.id, keyId, generationId, 0n))).toMatchObject({ outcome: 'missing' });
      expect(await usageOf(generationId)).toMatchObject({ costMicros: 0n, reservedMicros: 0n });
      expect(await generationEntries(generationId)).toEqual([]);
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });
  });

  describe('hand-over to the worker (database unreachable)', () => {
    it('queues a settlement the database would not take, once per generation id; applying it and the original charges once', async () => {
      const down = stack();
      failSettlements(down.prisma, 'always');
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      await down.billing.reserve(account.id, { generationId, keyId, modelId: MODEL_ID, amountMicros: 50_000n });
      const request = settlement(account.id, keyId, generationId, 20_000n);
      expect(await down.billing.close(account.id, request)).toBeNull();
      // The proxy retried (not idempotent enough to matter: the job id dedupes) and handed it over twice.
      expect(await down.billing.close(account.id, request)).toBeNull();

      const queue = new Queue(GATEWAY_QUEUE, { connection: { url: down.config.redis.url }, prefix: `${down.config.redis.keyPrefix}bull` });
      try {
        const job = await queue.getJob(jobOptions(JobName.SETTLE, { generationId } as SettleJobData).jobId!);
        expect(job).toBeTruthy();
        const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
        expect(jobs.filter((j) => (j.data as SettleJobData).generationId === generationId)).toHaveLength(1);
        const data = job!.data as SettleJobData;
        expect(data).toMatchObject({ accountId: account.id, generationId, costMicros: '20000', closedBy: 'settlement' });
        await job!.remove(); // the worker of this test file is us

        // The worker applies it (twice: a retried job), and the proxy's own late write lands too: one charge.
        expect(await proxyA.billing.applyHandedOver(data)).toMatchObject({ outcome: 'settled' });
        expect(await proxyB.billing.applyHandedOver(data)).toMatchObject({ outcome: 'duplicate' });
        expect(await proxyA.billing.close(account.id, request)).toMatchObject({ outcome: 'duplicate' });
      } finally {
        await queue.close();
      }
      expect(await generationEntries(generationId)).toEqual([
        ['reservation', -50_000n],
        ['release', 50_000n],
        ['settlement', -20_000n],
      ]);
      expect(await usageOf(generationId)).toMatchObject({ costMicros: 20_000n, outcome: 'completed' });
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });

    it('refuses a malformed handed-over settlement for good', async () => {
      const account = await createAccount({ balanceUsd: '1.00' });
      await expect(
        proxyA.billing.applyHandedOver({ accountId: account.id, generationId: 'gen-x', costMicros: '1.5', closedBy: 'settlement', usage: null }),
      ).rejects.toThrow(/malformed/);
    });
  });

  describe('stale sweep', () => {
    async function openHolds(count: number, amount = 40_000n) {
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationIds = Array.from({ length: count }, () => newGenerationId());
      for (const generationId of generationIds) {
        // The ledger repository directly: these requests "died with their proxy", nobody will close them.
        await proxyA.ledger.reserve(account.id, [{ generationId, keyId, modelId: MODEL_ID, amountMicros: amount }], 'dead-proxy:1');
      }
      return { account, keyId, generationIds };
    }
    // Other suites share this database and may have live holds: ours are made two hours old (their last heartbeat
    // too), and swept with a one-hour limit, so that only they are stale.
    async function age(generationIds: string[]) {
      await (await testDb()).pool.query(
        `UPDATE reservations SET created_at = created_at - interval '2 hours', heartbeat_at = heartbeat_at - interval '2 hours'
          WHERE generation_id = ANY($1)`,
        [generationIds],
      );
    }
    const HOUR = 3_600;

    it('leaves reservations younger than the limit alone, by the database clock or as of a given time', async () => {
      const { account, generationIds } = await openHolds(2);
      await proxyA.sweeper(900).sweep();
      for (const id of generationIds) expect((await reservationOf(id))!.status).toBe('open');
      await age(generationIds);
      await proxyA.sweeper(HOUR).sweep(new Date(Date.now() - 1.5 * HOUR * 1000));
      for (const id of generationIds) expect((await reservationOf(id))!.status).toBe('open');
      expect((await accountBooks(account.id)).reserved).toBe(80_000n);
      await proxyA.sweeper(HOUR).sweep();
      for (const id of generationIds) expect((await reservationOf(id))!.status).toBe('released');
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });

    it('releases stale reservations exactly once, however many sweepers race', async () => {
      const { account, generationIds } = await openHolds(5);
      await age(generationIds);
      const sweepers = [proxyA.sweeper(HOUR), proxyB.sweeper(HOUR), stack().sweeper(HOUR), proxyA.sweeper(HOUR)];
      const reports = await Promise.all(sweepers.map((s) => s.sweep()));
      const mine = (await (await testDb()).reservation.findMany({ where: { generationId: { in: generationIds } } }));
      expect(mine.every((r) => r.status === 'released' && r.closedBy === 'sweep')).toBe(true);
      // (Suites running beside this one may have stale holds of their own: count ours by their ledger entries.)
      expect(reports.reduce((n, r) => n + r.released, 0)).toBeGreaterThanOrEqual(5);
      for (const id of generationIds) {
        expect(await generationEntries(id)).toEqual([
          ['reservation', -40_000n],
          ['release', 40_000n],
        ]);
        expect(await usageOf(id)).toMatchObject({ outcome: 'abandoned', status: 0, costMicros: 0n, reservedMicros: 40_000n });
      }
      expect(await accountBooks(account.id)).toMatchObject({ balance: 1_000_000n, reserved: 0n, ledgerSum: 1_000_000n });
      await proxyA.sweeper(HOUR).sweep();
      for (const id of generationIds) expect(await generationEntries(id)).toHaveLength(2);
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });

    it('charges a request that finishes after the sweep exactly once, and its record replaces the abandoned one', async () => {
      const { account, keyId, generationIds } = await openHolds(2);
      const [finished, failed] = generationIds;
      await age(generationIds);
      await proxyA.sweeper(HOUR).sweep();
      const late = settlement(account.id, keyId, finished, 25_000n);
      expect(await proxyB.billing.close(account.id, late)).toMatchObject({ outcome: 'late_settled' });
      expect(await proxyA.billing.close(account.id, late)).toMatchObject({ outcome: 'duplicate' });
      expect(await proxyA.billing.close(account.id, settlement(account.id, keyId, failed, 0n))).toMatchObject({ outcome: 'duplicate' });
      expect(await generationEntries(finished)).toEqual([
        ['reservation', -40_000n],
        ['release', 40_000n],
        ['settlement', -25_000n],
      ]);
      expect(await reservationOf(finished)).toMatchObject({ status: 'settled', closedBy: 'late_settlement' });
      expect(await usageOf(finished)).toMatchObject({ outcome: 'completed', status: 200, costMicros: 25_000n, reservedMicros: 40_000n });
      expect(await usageOf(failed)).toMatchObject({ outcome: 'completed', costMicros: 0n });
      expect(await accountBooks(account.id)).toMatchObject({ balance: 975_000n, reserved: 0n });
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });
  });

  describe('heartbeats (holds of running requests stay alive; a dead proxy is charged what it delivered)', () => {
    // Beats only when the test says so (beatNow): a crash is a proxy that stops beating.
    const beatOnDemand = { HOLD_HEARTBEAT_EVERY_MS: '600000', RESERVATION_STALE_AFTER_S: '1800' };
    const HOUR = 3_600;
    const DELIVERED = { inputTokens: 10, outputTokens: 20, cachedInputTokens: 0, cacheWriteTokens: 0, costMicros: 1_234n };
    async function ageHeartbeats(generationIds: string[]) {
      await (await testDb()).pool.query(
        `UPDATE reservations SET created_at = created_at - interval '2 hours', heartbeat_at = heartbeat_at - interval '2 hours'
          WHERE generation_id = ANY($1)`,
        [generationIds],
      );
    }

    it('the sweep takes only holds whose heartbeat stopped, however old a hold that still beats', async () => {
      const proxy = stack(beatOnDemand);
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const [running, dead] = [newGenerationId(), newGenerationId()];
      await proxy.billing.reserve(account.id, { generationId: running, keyId, modelId: MODEL_ID, amountMicros: 40_000n });
      await proxy.ledger.reserve(account.id, [{ generationId: dead, keyId, modelId: MODEL_ID, amountMicros: 40_000n }], 'dead-proxy:2');
      await ageHeartbeats([running, dead]);
      await proxy.billing.beatNow(); // the running request's proxy beats; the dead one's cannot
      await proxy.sweeper(HOUR).sweep();
      expect(await reservationOf(running)).toMatchObject({ status: 'open' });
      expect(await reservationOf(dead)).toMatchObject({ status: 'released', closedBy: 'sweep' });
      expect(await proxy.billing.close(account.id, settlement(account.id, keyId, running, 7_000n))).toMatchObject({ outcome: 'settled' });
      expect(await generationEntries(running)).toEqual([
        ['reservation', -40_000n],
        ['release', 40_000n],
        ['settlement', -7_000n],
      ]);
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });

    it('charges an abandoned request what its last beat said it delivered, exactly once however many sweep, and once only if it finishes after all', async () => {
      const proxy = stack(beatOnDemand);
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      await proxy.billing.reserve(account.id, { generationId, keyId, modelId: MODEL_ID, amountMicros: 40_000n }, async () => DELIVERED);
      await proxy.billing.beatNow();
      expect(await reservationOf(generationId)).toMatchObject({
        deliveredInputTokens: 10,
        deliveredOutputTokens: 20,
        deliveredCostMicros: 1_234n,
      });
      await ageHeartbeats([generationId]); // the proxy died: no more beats

      const reports = await Promise.all([proxyA.sweeper(HOUR).sweep(), proxyB.sweeper(HOUR).sweep(), proxy.sweeper(HOUR).sweep()]);
      expect(reports.reduce((n, r) => n + r.released, 0)).toBeGreaterThanOrEqual(1);
      const swept = [
        ['reservation', -40_000n],
        ['release', 40_000n],
        ['settlement', -1_234n],
      ];
      expect(await generationEntries(generationId)).toEqual(swept);
      expect(await reservationOf(generationId)).toMatchObject({ status: 'settled', closedBy: 'sweep' });
      expect(await usageOf(generationId)).toMatchObject({
        outcome: 'abandoned',
        status: 0,
        inputTokens: 10,
        outputTokens: 20,
        usageEstimated: true,
        costMicros: 1_234n,
        reservedMicros: 40_000n,
      });
      expect(await postgresBillingViolations(account.id)).toEqual([]);

      // It was alive after all (cut off from the database, not dead): one settlement per request, the sweep's stands;
      // the request's own record replaces the abandoned one.
      const late = settlement(account.id, keyId, generationId, 5_000n);
      expect(await proxy.billing.close(account.id, late)).toMatchObject({ outcome: 'late_settled' });
      expect(await proxy.billing.close(account.id, late)).toMatchObject({ outcome: 'duplicate' });
      expect(await generationEntries(generationId)).toEqual(swept);
      expect(await reservationOf(generationId)).toMatchObject({ status: 'settled', closedBy: 'late_settlement' });
      expect(await usageOf(generationId)).toMatchObject({ outcome: 'completed', costMicros: 1_234n });
      expect((await accountBooks(account.id)).balance).toBe(1_000_000n - 1_234n);
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });

    it('leaves a hold that beat after the sweep found it (re-checked under the locks)', async () => {
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      await proxyA.ledger.reserve(account.id, [{ generationId, keyId, modelId: MODEL_ID, amountMicros: 40_000n }], 'slow-proxy:1');
      await ageHeartbeats([generationId]);
      const found = await proxyA.liveness.findStale(HOUR, 10_000, null);
      expect(found.holds.map((hold) => hold.generationId)).toContain(generationId);
      await proxyA.liveness.beat([{ generationId, delivered: null }]);
      expect(await proxyA.liveness.abandon(account.id, [generationId], found.staleBefore)).toEqual([{ generationId, outcome: 'alive' }]);
      expect(await reservationOf(generationId)).toMatchObject({ status: 'open' });
      await proxyA.ledger.close(account.id, [settlement(account.id, keyId, generationId, 0n)]);
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });

    it('a heartbeat never waits for a hold being closed (no lock wait, so no deadlock with settlements)', async () => {
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      await proxyA.ledger.reserve(account.id, [{ generationId, keyId, modelId: MODEL_ID, amountMicros: 40_000n }], 'p:1');
      const closing = await (await testDb()).pool.connect();
      try {
        await closing.query('BEGIN');
        await closing.query('SELECT 1 FROM reservations WHERE generation_id = $1 FOR UPDATE', [generationId]);
        expect(await proxyA.liveness.beat([{ generationId, delivered: null }])).toBe(0);
      } finally {
        await closing.query('ROLLBACK');
        closing.release();
      }
      expect(await proxyA.liveness.beat([{ generationId, delivered: null }])).toBe(1);
      await proxyA.ledger.close(account.id, [settlement(account.id, keyId, generationId, 0n)]);
    });
  });

  describe('ledger guards', () => {
    it('refuses an entry that breaks the running balance, and a balance that differs from the ledger', async () => {
      const account = await createAccount({ balanceUsd: '1.00' });
      const db = await testDb();
      await expect(
        db.pool.query(
          `INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros) VALUES ($1, 'adjustment', 5, 5)`,
          [account.id],
        ),
      ).rejects.toThrow(/running balance/);
      await expect(db.pool.query('UPDATE accounts SET balance_micros = balance_micros + 1 WHERE id = $1', [account.id])).rejects.toThrow(
        /differs from its ledger/,
      );
      await expect(db.pool.query('DELETE FROM ledger_entries WHERE account_id = $1', [account.id])).rejects.toThrow(/append-only/);
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    });
  });

  describe('graceful shutdown', () => {
    it('waits for in-flight requests to be settled, and refuses new holds meanwhile', async () => {
      const proxy = stack();
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      await proxy.billing.reserve(account.id, { generationId, keyId, modelId: MODEL_ID, amountMicros: 50_000n });

      let shutDown = false;
      const shutdown = proxy.billing.onModuleDestroy().then(() => (shutDown = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(shutDown).toBe(false);
      await expect(
        proxy.billing.reserve(account.id, { generationId: newGenerationId(), keyId, modelId: MODEL_ID, amountMicros: 1n }),
      ).rejects.toBeInstanceOf(BillingClosedError);

      void proxy.billing.close(account.id, settlement(account.id, keyId, generationId, 10_000n));
      await shutdown;
      expect(await reservationOf(generationId)).toMatchObject({ status: 'settled' });
      expect(await usageOf(generationId)).toMatchObject({ costMicros: 10_000n });
    });

    it('gives up after the grace period and leaves the hold to the sweep', async () => {
      const proxy = stack({ SHUTDOWN_GRACE_MS: '300' });
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      await proxy.billing.reserve(account.id, { generationId, keyId, modelId: MODEL_ID, amountMicros: 50_000n });
      await proxy.billing.onModuleDestroy();
      expect(proxy.billing.inFlightHolds).toBe(1);
      expect(await reservationOf(generationId)).toMatchObject({ status: 'open' });
    });
  });
});
