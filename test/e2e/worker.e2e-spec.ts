import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { BillingService } from '../../libs/billing/src';
import { newGenerationId } from '../../libs/common/src';
import { loadConfig } from '../../libs/config/src';
import { BillingLedgerRepository, CloseRequest, HoldLivenessRepository, PrismaService, usageRowToJson } from '../../libs/db/src';
import { JobName, jobOptions, JobQueue, SettleJobData } from '../../libs/jobs/src';
import { RedisService } from '../../libs/redis/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { AppProcess } from '../support/app-process';
// The PostgreSQL store's settle jobs, driven directly: that store's books, whatever store the run's proxies use.
import { postgresBillingViolations as billingViolations, generationEntries } from '../support/billing-invariants';
import { failSettlements } from '../support/failing-pool';
import { accountBooks, closeTestDb, testDb } from '../support/test-db';
import { TEST_DATABASE_URL, TEST_REDIS_PREFIX, testEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { usageRow } from '../factories/usage-row.factory';

const MODEL_ID = 'openai/gpt-4.1-mini';

function settlement(accountId: string, keyId: string, generationId: string, costMicros: bigint): CloseRequest {
  return {
    generationId,
    costMicros,
    closedBy: 'settlement',
    usage: usageRow(accountId, keyId, generationId, { requestId: null, inputTokens: 12, outputTokens: 34, costMicros, latencyMs: 9, upstreamLatencyMs: 7 }),
  };
}

// A queue of this suite's own: a worker of another suite must not run the jobs this one enqueues, nor the reverse.
const QUEUE_ENV = { REDIS_KEY_PREFIX: `${TEST_REDIS_PREFIX}wk:` };

describe('worker app', () => {
  const config = loadConfig(testEnv({ DB_POOL_MAX: '3', ...QUEUE_ENV }));
  let prisma: PrismaService;
  let redis: RedisService;
  let jobs: JobQueue;
  let ledger: BillingLedgerRepository;
  let worker: AppProcess;
  const started: AppProcess[] = [];

  beforeAll(async () => {
    prisma = new PrismaService(config);
    redis = new RedisService(config);
    jobs = new JobQueue(redis);
    ledger = new BillingLedgerRepository(prisma);
    worker = await AppProcess.start('worker', QUEUE_ENV);
    started.push(worker);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(started.map((app) => app.stop()));
    await jobs.onModuleDestroy();
    await redis.onModuleDestroy();
    await prisma.onModuleDestroy();
    await closeTestDb();
  }, 60_000);

  async function heldRequest(amountMicros = 50_000n) {
    const account = await createAccount({ balanceUsd: '1.00' });
    const { id: keyId } = await createApiKey(account.id);
    const generationId = newGenerationId();
    await ledger.reserve(account.id, [{ generationId, keyId, modelId: MODEL_ID, amountMicros }], 'e2e-proxy');
    return { accountId: account.id, keyId, generationId };
  }

  const jobIdOf = (generationId: string) => jobOptions(JobName.SETTLE, { generationId } as SettleJobData).jobId!;

  it('serves /healthz and /readyz', async () => {
    expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${worker.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${worker.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', postgres: true, redis: true, worker: true });
  });

  it('refuses to start on bad configuration, saying why', async () => {
    await expect(AppProcess.start('worker', { RESERVATION_SWEEP_EVERY_S: '0', ...QUEUE_ENV }, 20_000)).rejects.toThrow(
      /exited with 1[\s\S]*RESERVATION_SWEEP_EVERY_S/,
    );
  }, 30_000);

  it('applies a settlement the proxy handed over, and charges once when the proxy also writes it', async () => {
    const { accountId, keyId, generationId } = await heldRequest();
    // A proxy whose database stops answering settlements: every close ends on the worker's queue.
    const proxyPrisma = new PrismaService(config);
    failSettlements(proxyPrisma, 'always');
    const proxySide = new BillingService(new BillingLedgerRepository(proxyPrisma), new HoldLivenessRepository(proxyPrisma), jobs, config);
    const request = settlement(accountId, keyId, generationId, 21_000n);
    expect(await proxySide.close(accountId, request)).toBeNull(); // retried, then handed over
    await proxyPrisma.onModuleDestroy();

    await waitFor(async () => (await testDb()).reservation.findFirst({ where: { generationId, status: 'settled' } }), 20_000);
    const job = await waitFor(async () => {
      const found = await jobs.queue.getJob(jobIdOf(generationId));
      return found?.finishedOn ? found : null;
    });
    expect(job.returnvalue).toEqual({ outcome: 'settled' });

    // The proxy's own write gets through after all (the database came back): nothing moves twice.
    expect((await ledger.close(accountId, [request]))[0].outcome).toBe('duplicate');
    expect(await generationEntries(generationId)).toEqual([
      ['reservation', -50_000n],
      ['release', 50_000n],
      ['settlement', -21_000n],
    ]);
    await expect((await testDb()).usageRecord.findUnique({ where: { generationId } })).resolves.toMatchObject({ costMicros: 21_000n });
    expect((await accountBooks(accountId)).balance).toBe(979_000n);
    expect(await billingViolations(accountId)).toEqual([]);
  }, 60_000);

  it('fails a job that can never succeed for good, without retries, and keeps it for inspection', async () => {
    // Every job name has a processor now (the boot check covers them all): this reconciliation run does not exist.
    const runId = randomUUID();
    await jobs.enqueue(JobName.RECONCILE, { runId });
    const id = jobOptions(JobName.RECONCILE, { runId }).jobId!;
    // The job read before its state turned 'failed' has no failedReason yet: read it again once it has failed.
    const job = await waitFor(async () => {
      const state = await (await jobs.queue.getJob(id))?.getState();
      return state === 'failed' ? jobs.queue.getJob(id) : null;
    }, 20_000);
    expect(job.failedReason).toMatch(/does not exist/);
    expect(job.attemptsMade).toBe(1);
    await job.remove();
  }, 30_000);

  it('on SIGTERM finishes the job it is running before it exits', async () => {
    const draining = await AppProcess.start('worker', QUEUE_ENV);
    started.push(draining);
    // Stop the long-lived worker from taking the job, so that the one we stop runs it.
    await worker.stop();
    const { accountId, keyId, generationId } = await heldRequest();

    // Hold the account row: the settlement job blocks inside gw_settle until we let go.
    const lock = new Client({ connectionString: TEST_DATABASE_URL });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [accountId]);
      const request = settlement(accountId, keyId, generationId, 30_000n);
      await jobs.enqueue(JobName.SETTLE, {
        accountId,
        generationId,
        costMicros: '30000',
        closedBy: 'settlement',
        usage: usageRowToJson(request.usage!),
      });
      await waitFor(async () => (await (await jobs.queue.getJob(jobIdOf(generationId)))?.getState()) === 'active', 20_000);

      const exited = draining.stop('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(draining.child.exitCode).toBeNull();
      await lock.query('COMMIT');
      await exited;
    } finally {
      await lock.end();
    }
    const job = (await jobs.queue.getJob(jobIdOf(generationId)))!;
    expect(job.failedReason).toBeFalsy();
    expect(await job.getState()).toBe('completed');
    expect(await (await testDb()).reservation.findUnique({ where: { generationId } })).toMatchObject({ status: 'settled' });
    expect(await billingViolations(accountId)).toEqual([]);
  }, 60_000);
});
