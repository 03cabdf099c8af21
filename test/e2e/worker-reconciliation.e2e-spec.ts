import { randomBytes } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import { newGenerationId, utcDay } from '../../libs/common/src';
import { loadConfig } from '../../libs/config/src';
import { BillingLedgerRepository, PrismaService } from '../../libs/db/src';
import { GATEWAY_QUEUE, JobName, jobOptions, JobPayloads } from '../../libs/jobs/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createUsageRecord } from '../factories/usage-record.factory';
import { AdminApi, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { billingViolations, generationEntries, postgresBillingViolations } from '../support/billing-invariants';
import { editStoredBalance } from '../support/books-tampering';
import { accountBooks, closeTestDb, testDb } from '../support/test-db';
import { TEST_ADMIN_TOKEN, TEST_REDIS_PREFIX, TEST_REDIS_URL, testEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// Spawned apps start slowly on a busy machine (jest.config's per-project testTimeout is not applied here).
jest.setTimeout(120_000);

/**
 * This suite's apps share a Redis prefix of their own, so that its jobs are run by its workers only (other suites
 * start workers too) and its job schedulers are its own. A one-hour stale limit leaves other suites' live holds alone;
 * a 5 s job lock makes a killed worker's job come back within seconds.
 */
const PREFIX = `${TEST_REDIS_PREFIX}rc:`;
const APP_ENV = { REDIS_KEY_PREFIX: PREFIX, RESERVATION_STALE_AFTER_S: '3600', JOB_LOCK_MS: '5000' };
const MODEL_ID = 'openai/gpt-4.1-mini';

describe('worker: reconciliation, stale sweep, usage rollups and the queue dashboard (real processes)', () => {
  let admin: AppProcess;
  let worker: AppProcess;
  const started: AppProcess[] = [];
  let api: AdminApi;
  let finance: AdminApi;
  let support: AdminApi;
  let queue: Queue;
  let prisma: PrismaService;

  const start = async (name: 'admin' | 'worker', env: Record<string, string> = {}) => {
    const app = await AppProcess.start(name, { ...APP_ENV, ...env });
    started.push(app);
    return app;
  };

  beforeAll(async () => {
    // A pause after each page of a run keeps it "running" long enough for a client polling it to see so.
    [admin, worker] = await AppProcess.together([start('admin'), start('worker', { RECONCILE_BATCH_PAUSE_MS: '400' })]);
    api = new AdminApi(admin.url);
    finance = api.as((await api.createStaff('finance')).token);
    support = api.as((await api.createStaff('support')).token);
    queue = new Queue(GATEWAY_QUEUE, { connection: { url: TEST_REDIS_URL }, prefix: `${PREFIX}bull` });
    prisma = new PrismaService(loadConfig(testEnv({ DB_POOL_MAX: '3' })));
  });

  afterAll(async () => {
    await Promise.all(started.map((app) => app.stop('SIGKILL')));
    await queue?.close();
    await prisma?.onModuleDestroy();
    await closeTestDb();
  });

  async function enqueue<N extends JobName>(name: N, data: JobPayloads[N]): Promise<Job> {
    return queue.add(name, data, jobOptions(name, data));
  }

  async function finishedJob(id: string, timeoutMs = 30_000): Promise<Job> {
    return waitFor(async () => {
      const job = await queue.getJob(id);
      return job?.finishedOn ? job : null;
    }, timeoutMs);
  }

  /** Polls the run through the admin API until it has finished; returns it and every status seen on the way. */
  async function awaitRun(id: string, timeoutMs = 30_000) {
    const seen: string[] = [];
    const run = await waitFor(async () => {
      const response = await finance.get(`/admin/v1/reconciliations/${id}`);
      expect(response.status).toBe(200);
      if (seen[seen.length - 1] !== response.body.status) seen.push(response.body.status);
      return ['completed', 'failed'].includes(response.body.status) ? response.body : null;
    }, timeoutMs, 20);
    return { run, seen };
  }

  async function reconcile(body: Record<string, string> = {}) {
    const queued = await finance.post('/admin/v1/reconciliations', body);
    expect(queued).toMatchObject({ status: 202, body: { status: 'queued' } });
    return awaitRun(queued.body.id);
  }

  it('schedules its repeatable jobs at boot: the sweep every ten seconds, reconciliation hourly, usage rollups, the wallet sweep and relay, alerts', async () => {
    const schedulers = await waitFor(async () => {
      const found = await queue.getJobSchedulers();
      return found.length === 6 ? found : null;
    });
    const byKey = Object.fromEntries(schedulers.map((s) => [s.key, s]));
    expect(byKey['schedule-sweep-stale-reservations']).toMatchObject({ name: 'sweep-stale-reservations', every: 10_000 });
    expect(byKey['schedule-reconcile']).toMatchObject({ name: 'reconcile', pattern: '5 * * * *', tz: 'UTC' });
    expect(byKey['schedule-reconcile'].template?.data).toEqual({ scheduled: true });
    expect(byKey['schedule-rollup-usage']).toMatchObject({ name: 'rollup-usage', every: 600_000 });
    expect(byKey['schedule-wallet-sweep-holds']).toMatchObject({ name: 'wallet-sweep-holds', every: 10_000 });
    expect(byKey['schedule-wallet-relay-credits']).toMatchObject({ name: 'wallet-relay-credits', every: 10_000 });
    expect(byKey['schedule-balance-alerts']).toMatchObject({ name: 'balance-alerts', every: 5_000 });
    // The next reconciliation is at five past an hour.
    expect(new Date(byKey['schedule-reconcile'].next!).getUTCMinutes()).toBe(5);
  });

  it('runs the reconciliation staff ask for: queued -> running -> completed, with the report the spec asks for', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const accountsBefore = await (await testDb()).account.count();
    const queued = await finance.post('/admin/v1/reconciliations', { from });
    expect(queued).toMatchObject({ status: 202, body: { id: expect.any(String), status: 'queued' } });
    const { run, seen } = await awaitRun(queued.body.id);
    // Statuses only move forward, and a client polling sees the run running before it completes.
    const order = ['queued', 'running', 'completed'];
    expect(seen.map((status) => order.indexOf(status))).toEqual([...seen.map((status) => order.indexOf(status))].sort());
    expect(seen.slice(-2)).toEqual(['running', 'completed']);
    expect(run).toMatchObject({ id: queued.body.id, trigger: 'manual', from });
    expect(run).not.toHaveProperty('error');
    expect(Date.parse(run.finishedAt)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
    const report = run.report;
    expect(report).toMatchObject({
      range: { from, to: run.createdAt },
      recordsChecked: expect.any(Number),
      ledgerEntriesChecked: expect.any(Number),
      staleReservations: { count: expect.any(Number), usd: expect.stringMatching(/^\d+\.\d{6}$/) },
      drift: expect.any(Array),
      usageWithoutLedger: expect.any(Array),
      ledgerWithoutUsage: expect.any(Array),
      clean: expect.any(Boolean),
    });
    // Every account: those that existed when it ran (other suites keep opening accounts meanwhile).
    expect(report.accountsChecked).toBeGreaterThanOrEqual(accountsBefore);
    expect(report.accountsChecked).toBeLessThanOrEqual(await (await testDb()).account.count());
  });

  it('reports a planted drift; a finance adjustment settles it (idempotent, audited) and the next run reports none', async () => {
    const account = await api.createAccount({ balanceUsd: '10.00' });
    // A manual edit of the stored balance, as someone with database access could make it (see books-tampering.ts).
    await editStoredBalance(account.id, 2_500_000n);
    expect((await api.get(`/admin/v1/accounts/${account.id}`)).body.balanceUsd).toBe('12.500000');

    const first = await reconcile();
    expect(first.run.status).toBe('completed');
    const drift = first.run.report.drift.find((d: { accountId: string }) => d.accountId === account.id);
    expect(drift).toEqual({
      accountId: account.id,
      storedBalanceUsd: '12.500000',
      ledgerSumUsd: '10.000000',
      differenceUsd: '2.500000',
      runningBalanceUsd: '10.000000',
      storedReservedUsd: '0.000000',
      openHoldsUsd: '0.000000',
      problems: ['balance_differs_from_ledger_sum'],
    });
    expect(first.run.report.clean).toBe(false);
    // Reconciliation fixed nothing by itself.
    expect(await accountBooks(account.id)).toMatchObject({ balance: 12_500_000n, ledgerSum: 10_000_000n });

    // Finance decide the edit was a real credit and put it on the ledger.
    const key = `adjust-${randomBytes(6).toString('hex')}`;
    const body = { amountUsd: drift.differenceUsd, reason: 'goodwill credit typed into SQL by ops', reconciliationId: first.run.id };
    const adjusted = await finance.post(`/admin/v1/accounts/${account.id}/adjustments`, body, { 'idempotency-key': key });
    expect(adjusted.status).toBe(201);
    expect(adjusted.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      accountId: account.id,
      amountUsd: '2.500000',
      balanceUsd: '12.500000',
      previousBalanceUsd: '12.500000',
      reservedUsd: '0.000000',
      reason: body.reason,
      reconciliationId: first.run.id,
    });
    const replay = await finance.post(`/admin/v1/accounts/${account.id}/adjustments`, body, { 'idempotency-key': key });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(adjusted.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expectError(
      await finance.post(`/admin/v1/accounts/${account.id}/adjustments`, { ...body, amountUsd: '3.00' }, { 'idempotency-key': key }),
      422,
      'invalid_request_error',
      /Idempotency-Key/,
    );

    expect(await accountBooks(account.id)).toMatchObject({ balance: 12_500_000n, ledgerSum: 12_500_000n });
    const ledger = await finance.get(`/admin/v1/accounts/${account.id}/ledger`);
    expect(ledger.body.data.filter((e: { kind: string }) => e.kind === 'adjustment')).toEqual([
      expect.objectContaining({ id: adjusted.body.id, amountUsd: '2.500000', balanceAfterUsd: '12.500000' }),
    ]);
    const [entry] = await api.auditOf(`account:${account.id}`, { action: 'account.adjustment' });
    expect(entry).toMatchObject({
      before: { balanceUsd: '12.500000', ledgerBalanceUsd: '10.000000', reservedUsd: '0.000000' },
      after: { amountUsd: '2.500000', reconciliationId: first.run.id, idempotencyKey: key },
    });

    const second = await reconcile();
    expect(second.run.status).toBe('completed');
    expect(second.run.report.drift.map((d: { accountId: string }) => d.accountId)).not.toContain(account.id);
    expect(await billingViolations(account.id)).toEqual([]);
  });

  it('takes adjustments from finance and admin only, and validates them', async () => {
    const account = await api.createAccount({ balanceUsd: '1.00' });
    const path = `/admin/v1/accounts/${account.id}/adjustments`;
    expectError(await support.post(path, { amountUsd: '1.00', reason: 'x' }), 403, 'permission_error');
    expectError(await api.as(null).post(path, { amountUsd: '1.00', reason: 'x' }), 401, 'authentication_error');
    expectError(await finance.post(path, { amountUsd: '0', reason: 'nothing' }), 400, 'invalid_request_error', /'amountUsd'.*zero/);
    expectError(await finance.post(path, { amountUsd: 1, reason: 'a number' }), 400, 'invalid_request_error', /'amountUsd'/);
    expectError(await finance.post(path, { amountUsd: '-1000000.000001', reason: 'too much' }), 400, 'invalid_request_error', /'amountUsd'/);
    expectError(await finance.post(path, { amountUsd: '1.00' }), 400, 'invalid_request_error', /'reason'/);
    expectError(await finance.post(path, { amountUsd: '1.00', reason: '   ' }), 400, 'invalid_request_error', /'reason'/);
    expectError(
      await finance.post(path, { amountUsd: '1.00', reason: 'x', reconciliationId: '00000000-0000-4000-8000-000000000000' }),
      400,
      'invalid_request_error',
      /'reconciliationId'/,
    );
    expectError(await finance.post('/admin/v1/accounts/00000000-0000-4000-8000-000000000000/adjustments', { amountUsd: '1.00', reason: 'x' }), 404, 'not_found');

    // A plain debit on a consistent account, by an admin this time.
    const debit = await api.post(path, { amountUsd: '-0.250000', reason: 'refund reversal' });
    expect(debit).toMatchObject({ status: 201, body: { amountUsd: '-0.250000', balanceUsd: '0.750000', previousBalanceUsd: '1.000000' } });
    expect(await accountBooks(account.id)).toMatchObject({ balance: 750_000n, ledgerSum: 750_000n });
  });

  it('fails a run that cannot succeed at once, and one whose every attempt fails after its retries, with the error', async () => {
    const db = await testDb();
    const now = new Date();
    const empty = await db.reconciliationRun.create({ data: { status: 'queued', rangeFrom: now, rangeTo: now } });
    const emptyJob = await enqueue(JobName.RECONCILE, { runId: empty.id });

    // A run whose report the database refuses to store, every time (simulated by a trigger on this run only).
    const doomed = await db.reconciliationRun.create({ data: { status: 'queued', rangeFrom: new Date(Date.now() - 60_000) } });
    const guard = `e2e_refuse_${randomBytes(4).toString('hex')}`;
    await db.pool.query(`
      CREATE FUNCTION ${guard}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id = '${doomed.id}' AND NEW.status = 'completed' THEN
          RAISE EXCEPTION 'simulated: the database refuses this report';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER ${guard} BEFORE UPDATE ON reconciliation_runs FOR EACH ROW EXECUTE FUNCTION ${guard}();`);
    try {
      const doomedJob = await enqueue(JobName.RECONCILE, { runId: doomed.id });
      const failedOnce = await finishedJob(emptyJob.id!);
      expect(await failedOnce.getState()).toBe('failed');
      expect(failedOnce.attemptsMade).toBe(1);
      const failedThrice = await finishedJob(doomedJob.id!, 60_000);
      expect(await failedThrice.getState()).toBe('failed');
      expect(failedThrice.attemptsMade).toBe(3);
      expect(failedThrice.failedReason).toMatch(/simulated: the database refuses this report/);
    } finally {
      await db.pool.query(`DROP TRIGGER ${guard} ON reconciliation_runs; DROP FUNCTION ${guard}();`);
    }
    const emptyRun = await waitFor(async () => {
      const response = await finance.get(`/admin/v1/reconciliations/${empty.id}`);
      return response.body.status === 'failed' ? response.body : null;
    });
    expect(emptyRun.error).toMatch(/range is empty/);
    const doomedRun = await waitFor(async () => {
      const response = await finance.get(`/admin/v1/reconciliations/${doomed.id}`);
      return response.body.status === 'failed' ? response.body : null;
    });
    expect(doomedRun).toMatchObject({ status: 'failed', error: expect.stringMatching(/simulated: the database refuses this report/) });
    expect(doomedRun.report).toBeUndefined();
  });

  it('fails a job of a name no worker version knows for good, and keeps it for inspection', async () => {
    const job = await queue.add('from-a-newer-version', { x: 1 }, { attempts: 5, removeOnFail: { age: 3600 } });
    const failed = await finishedJob(job.id!);
    expect(await failed.getState()).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/not one this worker version knows/);
  });

  it('releases a planted stale reservation once, with two worker processes racing to sweep it', async () => {
    const account = await createAccount({ balanceUsd: '1.00' });
    const { id: keyId } = await createApiKey(account.id);
    const generationId = newGenerationId();
    // A hold whose proxy died: nobody will close it. Not beaten for two hours, against the workers' one-hour limit.
    await new BillingLedgerRepository(prisma).reserve(account.id, [{ generationId, keyId, modelId: MODEL_ID, amountMicros: 40_000n }], 'dead-proxy:9');
    await (await testDb()).pool.query(
      `UPDATE reservations SET created_at = created_at - interval '2 hours', heartbeat_at = heartbeat_at - interval '2 hours'
        WHERE generation_id = $1`,
      [generationId],
    );

    const second = await start('worker');
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    const jobs = await queue.addBulk(
      Array.from({ length: 8 }, () => ({ name: JobName.SWEEP_STALE_RESERVATIONS, data: {}, opts: jobOptions(JobName.SWEEP_STALE_RESERVATIONS, {}) })),
    );
    const finished = await Promise.all(jobs.map((job) => finishedJob(job.id!)));
    expect(await Promise.all(finished.map((job) => job.getState()))).toEqual(Array(8).fill('completed'));
    await waitFor(async () => (await (await testDb()).reservation.findUnique({ where: { generationId } }))?.status === 'released');

    expect(await generationEntries(generationId)).toEqual([
      ['reservation', -40_000n],
      ['release', 40_000n],
    ]);
    expect(await (await testDb()).reservation.findUnique({ where: { generationId } })).toMatchObject({ closedBy: 'sweep' });
    expect(await (await testDb()).usageRecord.findUnique({ where: { generationId } })).toMatchObject({ outcome: 'abandoned', status: 0, reservedMicros: 40_000n });
    expect(await accountBooks(account.id)).toEqual({ balance: 1_000_000n, reserved: 0n, ledgerSum: 1_000_000n, openHolds: 0n });
    // A reservation planted in the PostgreSQL store, swept by its sweep: that store's books, whatever the run's store.
    expect(await postgresBillingViolations(account.id)).toEqual([]);
    await second.stop();
  });

  it('retries a run whose worker was killed mid-run: the report is written once, and running the job again changes nothing', async () => {
    await worker.stop();
    // A worker that pauses a minute after each page: it is killed while the run is in progress.
    const slow = await start('worker', { RECONCILE_BATCH_PAUSE_MS: '60000' });
    const queued = await finance.post('/admin/v1/reconciliations', {});
    const id = queued.body.id;
    await waitFor(async () => (await finance.get(`/admin/v1/reconciliations/${id}`)).body.status === 'running', 20_000);
    await slow.stop('SIGKILL');
    const halfway = await finance.get(`/admin/v1/reconciliations/${id}`);
    expect(halfway.body).toMatchObject({ status: 'running' });
    expect(halfway.body.report).toBeUndefined();

    worker = await start('worker');
    const { run } = await awaitRun(id, 60_000);
    expect(run.status).toBe('completed');
    expect(run.report).toMatchObject({ accountsChecked: expect.any(Number) });
    const job = await finishedJob(`reconcile-${id}`);
    expect(job.returnvalue).toEqual({ runId: id, status: 'completed', reportWritten: true, clean: run.report.clean });
    expect(job.stalledCounter).toBe(1);
    expect(worker.logs).not.toMatch(/finished by another attempt/);

    // The same job again (its id freed): it finds the run finished and changes nothing.
    await job.remove();
    await enqueue(JobName.RECONCILE, { runId: id });
    const again = await finishedJob(`reconcile-${id}`);
    expect(again.returnvalue).toEqual({ runId: id, status: 'completed', reportWritten: false });
    expect((await finance.get(`/admin/v1/reconciliations/${id}`)).body).toEqual(run);
  });

  it('rolls usage up per account, key, model and UTC day, matching a direct aggregation, served by /usage/daily', async () => {
    const DAY = '2019-07-20';
    const account = await createAccount({ balanceUsd: '1.00' });
    const [keyA, keyB] = [await createApiKey(account.id), await createApiKey(account.id)];
    const at = (time: string) => new Date(`${DAY}T${time}Z`);
    await createUsageRecord(account.id, keyA.id, { createdAt: at('00:00:00.000'), inputTokens: 11, outputTokens: 22, costMicros: 1_234_567n });
    await createUsageRecord(account.id, keyA.id, { createdAt: at('23:59:59.999'), inputTokens: 2_000_000_000, outputTokens: 1, costMicros: 1n });
    await createUsageRecord(account.id, keyA.id, { createdAt: at('12:00:00.000'), model: 'anthropic/claude-haiku-4-5', costMicros: 5n });
    await createUsageRecord(account.id, keyB.id, { createdAt: at('06:00:00.000'), costMicros: 7n });
    const abandoned = await createUsageRecord(account.id, keyB.id, { createdAt: at('06:01:00.000'), inputTokens: 0, outputTokens: 0, costMicros: 0n });
    await (await testDb()).usageRecord.update({ where: { generationId: abandoned.generationId }, data: { outcome: 'abandoned', status: 0 } });
    await createUsageRecord(account.id, keyA.id, { createdAt: new Date('2019-07-21T00:00:00.000Z'), costMicros: 1_000n });

    const job = await finishedJob((await enqueue(JobName.ROLLUP_USAGE, { day: DAY })).id!);
    expect(job.returnvalue).toEqual({ days: [{ day: DAY, groups: 3, changed: 3, removed: 0 }] });
    const direct = await (await testDb()).pool.query(
      `SELECT key_id::text AS "keyId", model,
              (COUNT(*) FILTER (WHERE outcome <> 'abandoned'))::int AS requests,
              (COUNT(*) FILTER (WHERE outcome = 'abandoned'))::int AS abandoned,
              SUM(input_tokens)::int8 AS "inputTokens", SUM(output_tokens)::int8 AS "outputTokens", SUM(cost_micros)::text AS cost
         FROM usage_records WHERE account_id = $1 AND (created_at AT TIME ZONE 'UTC')::date = $2::date
        GROUP BY 1, 2`,
      [account.id, DAY],
    );
    const daily = await finance.get(`/admin/v1/usage/daily?accountId=${account.id}&from=${DAY}&to=${DAY}`);
    expect(daily.status).toBe(200);
    expect(daily.body.nextCursor).toBeNull();
    const served = daily.body.data.map((row: Record<string, unknown>) => ({
      keyId: row.keyId,
      model: row.model,
      requests: row.requests,
      abandoned: row.abandoned,
      inputTokens: String(row.inputTokens),
      outputTokens: String(row.outputTokens),
      costUsd: row.costUsd,
    }));
    const expected = direct.rows.map((row) => ({
      keyId: row.keyId,
      model: row.model,
      requests: row.requests,
      abandoned: row.abandoned,
      inputTokens: String(row.inputTokens),
      outputTokens: String(row.outputTokens),
      costUsd: `${(BigInt(row.cost) / 1_000_000n).toString()}.${(BigInt(row.cost) % 1_000_000n).toString().padStart(6, '0')}`,
    }));
    const order = (rows: { keyId: unknown; model: unknown }[]) => [...rows].sort((x, y) => `${x.keyId}${x.model}`.localeCompare(`${y.keyId}${y.model}`));
    expect(order(served)).toEqual(order(expected));
    const big = daily.body.data.find((row: { keyId: string; model: string }) => row.keyId === keyA.id && row.model === MODEL_ID);
    expect(big).toMatchObject({ day: DAY, accountId: account.id, requests: 2, inputTokens: 2_000_000_011, outputTokens: 23, costUsd: '1.234568' });
    expect(typeof big.inputTokens).toBe('number');
    expect(daily.body.data.find((row: { keyId: string }) => row.keyId === keyB.id)).toMatchObject({ requests: 1, abandoned: 1 });

    // Pages, newest day first; filters by key and model.
    const pageOne = await finance.get(`/admin/v1/usage/daily?accountId=${account.id}&limit=2`);
    const pageTwo = await finance.get(`/admin/v1/usage/daily?accountId=${account.id}&limit=2&cursor=${pageOne.body.nextCursor}`);
    expect([...pageOne.body.data, ...pageTwo.body.data]).toEqual(daily.body.data.length === 3 ? expect.arrayContaining(daily.body.data) : []);
    expect(pageTwo.body.nextCursor).toBeNull();
    expect((await finance.get(`/admin/v1/usage/daily?keyId=${keyB.id}`)).body.data).toHaveLength(1);
    expect((await finance.get(`/admin/v1/usage/daily?accountId=${account.id}&model=anthropic/claude-haiku-4-5`)).body.data).toHaveLength(1);

    // The scheduled job's default: today and yesterday.
    await createUsageRecord(account.id, keyA.id, { costMicros: 3n });
    const today = utcDay(new Date());
    const scheduled = await finishedJob((await enqueue(JobName.ROLLUP_USAGE, {})).id!);
    expect(scheduled.returnvalue.days.map((d: { day: string }) => d.day)).toContain(today);
    const todays = await finance.get(`/admin/v1/usage/daily?accountId=${account.id}&from=${today}`);
    expect(todays.body.data).toEqual([expect.objectContaining({ day: today, keyId: keyA.id, requests: 1, costUsd: '0.000003' })]);

    expectError(await support.get(`/admin/v1/usage/daily?accountId=${account.id}`), 403, 'permission_error');
    for (const [query, field] of [['from=2019-02-30', 'from'], ['to=yesterday', 'to'], ['from=2019-07-21&to=2019-07-20', 'to'], ['cursor=garbage', 'cursor'], ['keyId=1', 'keyId']]) {
      expectError(await finance.get(`/admin/v1/usage/daily?${query}`), 400, 'invalid_request_error', new RegExp(`'${field}'`));
    }
  });

  describe('queue dashboard (bull-board at /admin/queues)', () => {
    it('refuses anonymous callers and staff other than admins', async () => {
      const anonymous = await fetch(`${admin.url}/admin/queues`);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
      const browser = await fetch(`${admin.url}/admin/queues`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      expect(browser.status).toBe(303);
      expect(browser.headers.get('location')).toBe('/admin/queues/login');
      expect((await fetch(`${admin.url}/admin/queues/api/queues`)).status).toBe(401);
      expect((await fetch(`${admin.url}/admin/queues/api/queues`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const asSupport = await fetch(`${admin.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${support.token}` } });
      expect(asSupport.status).toBe(403);
      const asFinance = await fetch(`${admin.url}/admin/queues`, { headers: { authorization: `Bearer ${finance.token}` } });
      expect(asFinance.status).toBe(403);
    });

    it('serves admins by bearer token: the UI, its assets and the queue with its failed jobs', async () => {
      const headers = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
      const page = await fetch(`${admin.url}/admin/queues`, { headers });
      expect(page.status).toBe(200);
      const html = await page.text();
      const assets = [...html.matchAll(/(?:src|href)="(static\/[^"]+)"/g)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThan(0);
      for (const asset of assets) {
        expect([asset, (await fetch(`${admin.url}/admin/queues/${asset}`, { headers })).status]).toEqual([asset, 200]);
      }
      const failed = await fetch(`${admin.url}/admin/queues/api/queues?activeQueue=gateway&status=failed&page=1`, { headers });
      expect(failed.status).toBe(200);
      const body = (await failed.json()) as { queues: { name: string; counts: { failed: number }; jobs: { name: string; failedReason: string }[] }[] };
      const gateway = body.queues.find((q) => q.name === 'gateway')!;
      expect(gateway.counts.failed).toBeGreaterThanOrEqual(3);
      expect(gateway.jobs.map((j) => j.failedReason)).toEqual(expect.arrayContaining([expect.stringMatching(/range is empty/)]));
    });

    it('gives a browser a session cookie for the token posted to its sign-in form; refuses cross-site and job-editing writes; audits the rest', async () => {
      expect((await fetch(`${admin.url}/admin/queues/login`)).headers.get('content-type')).toMatch(/text\/html/);
      const form = (token: string) =>
        fetch(`${admin.url}/admin/queues/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token }).toString(),
          redirect: 'manual',
        });
      expect((await form('not-a-token')).status).toBe(401);
      expect((await form(finance.token!)).status).toBe(403);
      const signedIn = await form(TEST_ADMIN_TOKEN);
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('location')).toBe('/admin/queues');
      const setCookie = signedIn.headers.get('set-cookie')!;
      expect(setCookie).toMatch(/^gw_queues_session=[A-Za-z0-9_-]{43}; Path=\/admin\/queues; Max-Age=3600; HttpOnly; Secure; SameSite=Strict$/);
      expect(setCookie).not.toContain(TEST_ADMIN_TOKEN);
      const cookie = setCookie.split(';')[0];

      expect((await fetch(`${admin.url}/admin/queues`, { headers: { cookie } })).status).toBe(200);
      expect((await fetch(`${admin.url}/admin/queues/api/queues`, { headers: { cookie } })).status).toBe(200);
      expect((await fetch(`${admin.url}/admin/queues/api/queues`, { headers: { cookie: 'gw_queues_session=forged' } })).status).toBe(401);

      const failed = (await queue.getFailed()).find((job) => /range is empty/.test(job.failedReason))!;
      const retryPath = `/admin/queues/api/queues/gateway/${encodeURIComponent(failed.id!)}/retry`;
      const crossSite = await fetch(`${admin.url}${retryPath}`, { method: 'PUT', headers: { cookie, origin: 'https://evil.example' } });
      expect(crossSite.status).toBe(403);
      const add = await fetch(`${admin.url}/admin/queues/api/queues/gateway/add`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', origin: admin.url },
        body: JSON.stringify({ name: 'settle', data: {} }),
      });
      expect(add.status).toBe(403);
      expect(((await add.json()) as { error: { message: string } }).error.message).toMatch(/disabled/);

      const retried = await fetch(`${admin.url}${retryPath}`, { method: 'PUT', headers: { cookie, origin: admin.url } });
      expect(retried.status).toBe(204);
      // Retried, it runs again, and fails again for the same reason (the run's range is still empty).
      await waitFor(async () => {
        const job = await queue.getJob(failed.id!);
        return job?.finishedOn && job.finishedOn !== failed.finishedOn ? (await job.getState()) === 'failed' : false;
      });
      expect(await api.auditOf(`queue-dashboard:${retryPath}`)).toContainEqual(
        expect.objectContaining({ action: 'queue_dashboard.put' }),
      );

      const signedOut = await fetch(`${admin.url}/admin/queues/logout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
      expect(signedOut.status).toBe(303);
      expect((await fetch(`${admin.url}/admin/queues/api/queues`, { headers: { cookie } })).status).toBe(401);
      expect(admin.logs).not.toContain(TEST_ADMIN_TOKEN);
      expect(admin.logs).not.toContain(finance.token);
      expect(admin.logs).not.toContain(cookie.split('=')[1]);
    });
  });
});
