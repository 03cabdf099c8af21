import { randomUUID } from 'node:crypto';
import { ReconciliationService, scheduledRange, scheduledRunId, StaleReservationSweeper, UsageRollupService } from '../../libs/billing/src';
import { newGenerationId } from '../../libs/common/src';
import { AppConfig, loadConfig } from '../../libs/config/src';
import {
  BillingLedgerRepository,
  CloseRequest,
  HoldLivenessRepository,
  LedgerRepository,
  PrismaService,
  ReconciliationChecksRepository,
  ReconciliationsRepository,
  UsageRollupsRepository,
} from '../../libs/db/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createUsageRecord } from '../factories/usage-record.factory';
import { appendEntryOffChain, editStoredBalance, editUsageCost } from '../support/books-tampering';
import { accountBooks, closeTestDb, testDb } from '../support/test-db';
import { testEnv } from '../support/test-env';

const MODEL_ID = 'openai/gpt-4.1-mini';

describe('reconciliation and usage rollups on PostgreSQL (services, no worker process)', () => {
  // Small pages, so that paging is exercised; a one-hour stale limit (other suites' live holds are younger).
  const config: AppConfig = loadConfig(
    testEnv({ DB_POOL_MAX: '4', RECONCILE_BATCH_SIZE: '7', RESERVATION_STALE_AFTER_S: '3600' }),
  );
  let prisma: PrismaService;
  let ledger: BillingLedgerRepository;
  let runs: ReconciliationsRepository;
  let sut: ReconciliationService;
  let rollups: UsageRollupService;
  let testStart: Date;

  beforeAll(async () => {
    prisma = new PrismaService(config);
    ledger = new BillingLedgerRepository(prisma);
    runs = new ReconciliationsRepository(prisma);
    sut = new ReconciliationService(runs, new ReconciliationChecksRepository(prisma), config);
    rollups = new UsageRollupService(new UsageRollupsRepository(prisma));
    testStart = new Date(Date.now() - 1_000);
  });

  afterAll(async () => {
    await prisma.onModuleDestroy();
    await closeTestDb();
  });

  /** Up to now (plus a little): the range of everything this suite wrote. */
  const sinceStart = () => ({ from: testStart, to: new Date(Date.now() + 1_000) });

  function close(accountId: string, keyId: string, generationId: string, costMicros: bigint): CloseRequest {
    const now = new Date();
    return {
      generationId,
      costMicros,
      closedBy: costMicros > 0n ? 'settlement' : 'release',
      usage: {
        generationId, requestId: null, accountId, keyId, model: MODEL_ID, requestedModel: 'gpt-4.1-mini',
        protocol: 'openai', endpoint: 'chat.completions', stream: false, status: 200, outcome: 'completed',
        errorType: null, inputTokens: 10, outputTokens: 20, cachedInputTokens: 0, cacheWriteTokens: 0,
        usageEstimated: false, reservedMicros: 0n, costMicros, overrunMicros: 0n, upstreamStatus: 200,
        channelId: null, attempts: 1, latencyMs: 5, upstreamLatencyMs: 3, createdAt: now,
      },
    };
  }

  /** A request held and settled through the billing functions, as the proxy does it. */
  async function settledRequest(accountId: string, keyId: string, holdMicros: bigint, costMicros: bigint) {
    const generationId = newGenerationId();
    await ledger.reserve(accountId, [{ generationId, keyId, modelId: MODEL_ID, amountMicros: holdMicros }], 'int-proxy');
    await ledger.close(accountId, [close(accountId, keyId, generationId, costMicros)]);
    return generationId;
  }

  async function customer(balanceUsd = '10.00') {
    const account = await createAccount({ balanceUsd });
    const { id: keyId } = await createApiKey(account.id);
    return { accountId: account.id, keyId };
  }

  describe('checks', () => {
    it('finds nothing to say about books kept by the billing functions, and counts what it checked', async () => {
      const { accountId, keyId } = await customer();
      const generations = [];
      for (let i = 0; i < 9; i++) generations.push(await settledRequest(accountId, keyId, 50_000n, 1_000n + BigInt(i)));
      generations.push(await settledRequest(accountId, keyId, 50_000n, 0n));
      // Other suites create accounts while this one runs: every account there before the check is checked.
      const accountsBefore = await (await testDb()).account.count();
      const report = await sut.check(sinceStart());

      const mine = JSON.stringify(report).split(accountId).length - 1;
      expect(mine).toBe(0);
      expect(report.recordsChecked).toBeGreaterThanOrEqual(10);
      // 10 reservations, 10 releases, 9 settlements.
      expect(report.ledgerEntriesChecked).toBeGreaterThanOrEqual(29);
      expect(report.accountsChecked).toBeGreaterThanOrEqual(accountsBefore);
      expect(report.accountsChecked).toBeLessThanOrEqual(await (await testDb()).account.count());
    });

    it('reports a stored balance edited past the ledger (planted with the guard disabled, as a manual fix would)', async () => {
      const { accountId } = await customer('10.00');
      await editStoredBalance(accountId, 5_000_000n);
      const report = await sut.check(sinceStart());
      expect(report.drift).toContainEqual({
        accountId,
        storedBalanceUsd: '15.000000',
        ledgerSumUsd: '10.000000',
        differenceUsd: '5.000000',
        runningBalanceUsd: '10.000000',
        storedReservedUsd: '0.000000',
        openHoldsUsd: '0.000000',
        problems: ['balance_differs_from_ledger_sum'],
      });
      expect(report.clean).toBe(false);

      // The guards keep the drifted account from moving money until staff reconcile it.
      const db = await testDb();
      await expect(new LedgerRepository(db).post(accountId, 'top_up', 1_000_000n, null, null)).rejects.toThrow(/running balance|differs from its ledger/);

      // Staff decide the edit was a real credit: an adjustment of the difference puts it on the ledger.
      await new LedgerRepository(db).post(accountId, 'adjustment', 5_000_000n, 'goodwill credit typed into SQL', null);
      expect(await accountBooks(accountId)).toMatchObject({ balance: 15_000_000n, ledgerSum: 15_000_000n });
      expect((await sut.check(sinceStart())).drift.map((d) => d.accountId)).not.toContain(accountId);
    });

    it('re-states a stored balance from the ledger with a zero adjustment, when staff decide the ledger is right', async () => {
      const { accountId } = await customer('3.00');
      await editStoredBalance(accountId, -1_000_000n);
      expect((await sut.check(sinceStart())).drift.map((d) => d.accountId)).toContain(accountId);
      const posted = await new LedgerRepository(await testDb()).post(accountId, 'adjustment', 0n, 'undo a manual edit', null);
      expect(posted.balanceMicros).toBe(3_000_000n);
      expect(await accountBooks(accountId)).toMatchObject({ balance: 3_000_000n, ledgerSum: 3_000_000n });
      expect((await sut.check(sinceStart())).drift.map((d) => d.accountId)).not.toContain(accountId);
    });

    it('reports a ledger row written off the running balance (planted with the chain guard disabled)', async () => {
      const { accountId } = await customer('2.00');
      await appendEntryOffChain(accountId, 700_000n);
      const report = await sut.check(sinceStart());
      expect(report.runningBalanceBreaks).toContainEqual(
        expect.objectContaining({ accountId, kind: 'adjustment', previousBalanceUsd: '2.000000', amountUsd: '0.700000', balanceAfterUsd: '2.000000' }),
      );
      expect(report.drift).toContainEqual(
        expect.objectContaining({
          accountId,
          ledgerSumUsd: '2.700000',
          storedBalanceUsd: '2.000000',
          runningBalanceUsd: '2.000000',
          problems: ['balance_differs_from_ledger_sum', 'running_balance_differs_from_ledger_sum'],
        }),
      );
    });

    it('reports a billed usage record without ledger entries, and ledger entries without a usage record', async () => {
      const { accountId, keyId } = await customer();
      const orphanRecord = await createUsageRecord(accountId, keyId, { costMicros: 13n, reservedMicros: 1_000n });
      // A writer that closed a hold without its usage record (gw_settle allows `usage: null`: the sweep's path).
      const unrecorded = newGenerationId();
      await ledger.reserve(accountId, [{ generationId: unrecorded, keyId, modelId: MODEL_ID, amountMicros: 40_000n }], 'int-proxy');
      await ledger.close(accountId, [{ generationId: unrecorded, costMicros: 0n, closedBy: 'release', usage: null }]);
      // A hold still open has no usage record yet: that is a request in flight, not a finding.
      const inFlight = newGenerationId();
      await ledger.reserve(accountId, [{ generationId: inFlight, keyId, modelId: MODEL_ID, amountMicros: 40_000n }], 'int-proxy');

      const report = await sut.check(sinceStart());
      expect(report.usageWithoutLedger).toContainEqual({
        generationId: orphanRecord.generationId,
        accountId,
        outcome: 'completed',
        costUsd: '0.000013',
        reservedUsd: '0.001000',
        createdAt: orphanRecord.createdAt.toISOString(),
      });
      expect(report.ledgerWithoutUsage).toContainEqual(
        expect.objectContaining({ generationId: unrecorded, accountId, kinds: ['reservation', 'release'], netUsd: '0.000000' }),
      );
      const flagged = JSON.stringify([report.ledgerWithoutUsage, report.usageWithoutLedger, report.usageLedgerMismatches]);
      expect(flagged).not.toContain(inFlight);
    });

    it('reports a usage record whose cost differs from its settlement, and flags an overrun', async () => {
      const { accountId, keyId } = await customer();
      const edited = await settledRequest(accountId, keyId, 50_000n, 21_000n);
      await editUsageCost(edited, 20_000n);
      const over = await settledRequest(accountId, keyId, 50_000n, 65_000n);
      const report = await sut.check(sinceStart());
      expect(report.usageLedgerMismatches).toContainEqual(
        expect.objectContaining({
          generationId: edited,
          problems: ['cost_differs_from_settlements'],
          costUsd: '0.020000',
          settledUsd: '0.021000',
        }),
      );
      expect(report.overruns).toContainEqual(
        expect.objectContaining({ generationId: over, reservedUsd: '0.050000', costUsd: '0.065000', overrunUsd: '0.015000' }),
      );
      expect(JSON.stringify(report.usageLedgerMismatches)).not.toContain(over);
    });

    it('reports holds open too long, and the holds the sweep released in the range', async () => {
      const { accountId, keyId } = await customer();
      const [stuck, swept] = [newGenerationId(), newGenerationId()];
      for (const generationId of [stuck, swept]) {
        await ledger.reserve(accountId, [{ generationId, keyId, modelId: MODEL_ID, amountMicros: 30_000n }], 'dead-proxy:7');
      }
      const db = await testDb();
      const age = (interval: string, ids: string[]) =>
        db.pool.query(
          `UPDATE reservations SET created_at = created_at - $1::interval, heartbeat_at = heartbeat_at - $1::interval
            WHERE generation_id = ANY($2)`,
          [interval, ids],
        );
      await age('2 hours', [stuck, swept]);
      // The sweep releases one of them (as of a moment that makes only `swept` stale, by its own clock)...
      await age('1 day', [swept]);
      await new StaleReservationSweeper(new HoldLivenessRepository(prisma), {
        ...config,
        billing: { ...config.billing, reservationStaleAfterS: 86_400 },
      }).sweep();

      const report = await sut.check(sinceStart());
      expect(report.reservationsOpenTooLong).toContainEqual(
        expect.objectContaining({ generationId: stuck, accountId, amountUsd: '0.030000', instanceId: 'dead-proxy:7' }),
      );
      expect(report.reservationsOpenTooLong.map((r) => r.generationId)).not.toContain(swept);
      expect(report.staleReservations.count).toBeGreaterThanOrEqual(1);
      // (Other suites sweep holds of their own in this range: ours is at least counted.)
      expect(BigInt(report.staleReservations.usd.replace('.', ''))).toBeGreaterThanOrEqual(30_000n);
    });
  });

  describe('runs', () => {
    async function queuedRun(range: { from: Date | null; to: Date | null }) {
      const db = await testDb();
      return db.reconciliationRun.create({ data: { status: 'queued', trigger: 'manual', rangeFrom: range.from, rangeTo: range.to } });
    }

    it('goes queued -> running -> completed with its report, and a second run of it changes nothing', async () => {
      const run = await queuedRun({ from: testStart, to: new Date(Date.now() + 1_000) });
      const outcome = await sut.run(run.id);
      expect(outcome).toMatchObject({ runId: run.id, status: 'completed', reportWritten: true });
      const db = await testDb();
      const done = await db.reconciliationRun.findUniqueOrThrow({ where: { id: run.id } });
      expect(done).toMatchObject({ status: 'completed', error: null });
      expect(done.startedAt).not.toBeNull();
      expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
      expect(done.report).toMatchObject({ range: { from: testStart.toISOString() }, recordsChecked: expect.any(Number) });

      expect(await sut.run(run.id)).toEqual({ runId: run.id, status: 'completed', reportWritten: false });
      expect(await db.reconciliationRun.findUniqueOrThrow({ where: { id: run.id } })).toEqual(done);
    });

    it('writes the report once when two attempts race (a worker presumed dead that was not)', async () => {
      const run = await queuedRun({ from: testStart, to: new Date(Date.now() + 1_000) });
      const outcomes = await Promise.all([sut.run(run.id), sut.run(run.id)]);
      expect(outcomes.filter((o) => o.reportWritten)).toHaveLength(1);
      expect(outcomes.every((o) => o.status === 'completed')).toBe(true);
    });

    it('refuses an empty range for good; the failure is recorded with its message', async () => {
      const at = new Date();
      const run = await queuedRun({ from: at, to: at });
      await expect(sut.run(run.id)).rejects.toThrow(/range is empty/);
      await sut.fail(run.id, 'the range is empty');
      expect(await (await testDb()).reconciliationRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({
        status: 'failed',
        error: 'the range is empty',
      });
      await expect(sut.run(randomUUID())).rejects.toThrow(/does not exist/);
    });

    it('creates one scheduled run per hour, however often its schedule fires', async () => {
      const firedAt = new Date(Date.UTC(2020, 0, 1, 10, 5));
      const [first, second] = await Promise.all([sut.runScheduled(firedAt), sut.runScheduled(new Date(firedAt.getTime() + 60_000))]);
      const id = scheduledRunId(scheduledRange(firedAt));
      expect(first.runId).toBe(id);
      expect(second.runId).toBe(id);
      expect([first.reportWritten, second.reportWritten].filter(Boolean)).toHaveLength(1);
      const run = await (await testDb()).reconciliationRun.findUniqueOrThrow({ where: { id } });
      expect(run).toMatchObject({
        trigger: 'scheduled',
        status: 'completed',
        rangeFrom: new Date('2020-01-01T08:55:00.000Z'),
        rangeTo: new Date('2020-01-01T10:00:00.000Z'),
      });
    });
  });

  describe('daily usage rollups', () => {
    const DAY = '2019-06-15';
    const at = (time: string) => new Date(`${DAY}T${time}Z`);

    async function directAggregation(day: string) {
      const { rows } = await (await testDb()).pool.query(
        `SELECT account_id::text, key_id::text, model,
                COUNT(*) FILTER (WHERE outcome <> 'abandoned')::int AS requests,
                COUNT(*) FILTER (WHERE outcome = 'abandoned')::int AS abandoned,
                SUM(input_tokens)::text AS input_tokens, SUM(output_tokens)::text AS output_tokens,
                SUM(cost_micros)::text AS cost_micros
           FROM usage_records WHERE (created_at AT TIME ZONE 'UTC')::date = $1::date
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        [day],
      );
      return rows;
    }

    async function rolledUp(day: string) {
      const { rows } = await (await testDb()).pool.query(
        `SELECT account_id::text, key_id::text, model, requests, abandoned, input_tokens::text, output_tokens::text,
                cost_micros::text
           FROM usage_daily_rollups WHERE day = $1::date ORDER BY 1, 2, 3`,
        [day],
      );
      return rows;
    }

    it('match a direct aggregation of usage_records, per UTC day, abandoned requests counted apart', async () => {
      const a = await customer();
      const b = await customer();
      const { id: otherKey } = await createApiKey(a.accountId);
      await createUsageRecord(a.accountId, a.keyId, { createdAt: at('00:00:00.000'), inputTokens: 5, outputTokens: 7, costMicros: 13n });
      await createUsageRecord(a.accountId, a.keyId, { createdAt: at('23:59:59.999'), inputTokens: 2_000_000_000, outputTokens: 9, costMicros: 800_000_000n });
      await createUsageRecord(a.accountId, a.keyId, { createdAt: at('12:00:00.000'), inputTokens: 2_000_000_000, outputTokens: 1, costMicros: 1n });
      await createUsageRecord(a.accountId, a.keyId, { createdAt: at('12:00:00.000'), model: 'anthropic/claude-haiku-4-5', costMicros: 40n });
      await createUsageRecord(a.accountId, otherKey, { createdAt: at('08:00:00.000'), costMicros: 2n });
      await createUsageRecord(b.accountId, b.keyId, { createdAt: at('09:30:00.000'), costMicros: 3n });
      const abandoned = await createUsageRecord(b.accountId, b.keyId, { createdAt: at('09:31:00.000'), inputTokens: 0, outputTokens: 0, costMicros: 0n });
      await (await testDb()).usageRecord.update({ where: { generationId: abandoned.generationId }, data: { outcome: 'abandoned', status: 0 } });
      // A stream our own shutdown cut was answered (partly): a request like any other.
      const cut = await createUsageRecord(b.accountId, b.keyId, { createdAt: at('09:32:00.000'), outputTokens: 4, costMicros: 5n });
      await (await testDb()).usageRecord.update({ where: { generationId: cut.generationId }, data: { outcome: 'gateway_shutdown' } });
      // The days around it stay out of it.
      await createUsageRecord(a.accountId, a.keyId, { createdAt: new Date('2019-06-16T00:00:00.000Z'), costMicros: 99n });
      await createUsageRecord(a.accountId, a.keyId, { createdAt: new Date('2019-06-14T23:59:59.999Z'), costMicros: 98n });

      const [result] = await rollups.recompute([DAY]);
      expect(result).toEqual({ day: DAY, groups: 4, changed: 4, removed: 0 });
      const rows = await rolledUp(DAY);
      expect(rows).toEqual(await directAggregation(DAY));
      expect(rows.find((r: { account_id: string }) => r.account_id === b.accountId)).toMatchObject({ requests: 2, abandoned: 1 });
      // Token sums beyond 32 bits are exact.
      expect(rows.find((r: { model: string; key_id: string }) => r.key_id === a.keyId && r.model === MODEL_ID)).toMatchObject({
        requests: 3,
        input_tokens: '4000000005',
        cost_micros: '800000014',
      });

      // Idempotent: nothing changes, nothing is rewritten.
      const before = await (await testDb()).usageDailyRollup.findMany({ where: { day: new Date(DAY) } });
      expect(await rollups.recompute([DAY])).toEqual([{ day: DAY, groups: 4, changed: 0, removed: 0 }]);
      expect(await (await testDb()).usageDailyRollup.findMany({ where: { day: new Date(DAY) } })).toEqual(before);

      // A record that arrives later changes its group only; a group without records any more goes.
      await createUsageRecord(b.accountId, b.keyId, { createdAt: at('10:00:00.000'), costMicros: 4n });
      await (await testDb()).usageRecord.deleteMany({ where: { keyId: otherKey } });
      expect(await rollups.recompute([DAY])).toEqual([{ day: DAY, groups: 3, changed: 1, removed: 1 }]);
      expect(await rolledUp(DAY)).toEqual(await directAggregation(DAY));
    });
  });
});
