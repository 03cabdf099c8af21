import { connect } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Client } from 'pg';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { newGenerationId } from '../../libs/common/src';
import { loadConfig } from '../../libs/config/src';
import { BillingLedgerRepository, PrismaService, usageRowToJson } from '../../libs/db/src';
import { JobName, jobOptions, JobQueue, SettleJobData } from '../../libs/jobs/src';
import { RedisService } from '../../libs/redis/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { billingViolations, postgresBillingViolations } from '../support/billing-invariants';
import { nothingInFlight } from '../support/books';
import { settledBooks, usageOf } from '../support/settlement';
import { closeTestDb, testDb } from '../support/test-db';
import { TEST_ADMIN_TOKEN, TEST_BILLING_STORE, TEST_DATABASE_URL, TEST_REDIS_PREFIX, testEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';

interface StreamRun {
  protocol: 'openai' | 'anthropic';
  generationId: string;
  text: string;
  error: unknown;
  /** Resolves once the first text arrived (or the stream ended). */
  firstText: Promise<void>;
  /** Resolves when the stream is over, whichever way. */
  done: Promise<void>;
}

async function openAiStream(baseUrl: string, apiKey: string, model: string, content: string): Promise<StreamRun> {
  const client = new OpenAI({ apiKey, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
  const { data: stream, response } = await client.chat.completions
    .create({ model, stream: true, messages: [{ role: 'user', content }] })
    .withResponse();
  let gotText!: () => void;
  const run = {
    protocol: 'openai',
    generationId: response.headers.get('x-chuizi-generation-id')!,
    text: '',
    error: null,
    firstText: new Promise<void>((resolve) => (gotText = resolve)),
  } as StreamRun;
  run.done = (async () => {
    try {
      for await (const chunk of stream) {
        run.text += chunk.choices[0]?.delta?.content ?? '';
        if (run.text) gotText();
      }
    } catch (error) {
      run.error = error;
    } finally {
      gotText();
    }
  })();
  return run;
}

async function anthropicStream(baseUrl: string, apiKey: string, model: string, content: string): Promise<StreamRun> {
  const client = new Anthropic({ apiKey, baseURL: `${baseUrl}/anthropic`, maxRetries: 0 });
  const { data: stream, response } = await client.messages
    .create({ model, max_tokens: 2_000, stream: true, messages: [{ role: 'user', content }] })
    .withResponse();
  let gotText!: () => void;
  const run = {
    protocol: 'anthropic',
    generationId: response.headers.get('x-chuizi-generation-id')!,
    text: '',
    error: null,
    firstText: new Promise<void>((resolve) => (gotText = resolve)),
  } as StreamRun;
  run.done = (async () => {
    try {
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') run.text += event.delta.text;
        if (run.text) gotText();
      }
    } catch (error) {
      run.error = error;
    } finally {
      gotText();
    }
  })();
  return run;
}

async function readiness(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: await response.json() };
}

describe('graceful shutdown on SIGTERM (real processes)', () => {
  let mock: MockUpstream;
  let openAiModel: string;
  let anthropicModel: string;
  const started: AppProcess[] = [];
  const start = async (...args: Parameters<typeof AppProcess.start>) => {
    const app = await AppProcess.start(...args);
    started.push(app);
    return app;
  };

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0, host: '127.0.0.1' });
    openAiModel = (await createModel({ provider: 'openai', upstreamUrl: mock.url })).id;
    anthropicModel = (await createModel({ provider: 'anthropic', upstreamUrl: mock.url })).id;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(started.map((app) => app.stop('SIGKILL')));
    await mock?.close();
    await closeTestDb();
  }, 60_000);

  async function streamsOnBothProtocols(proxy: AppProcess, apiKey: string, content: string): Promise<StreamRun[]> {
    return Promise.all([
      openAiStream(proxy.url, apiKey, openAiModel, content),
      openAiStream(proxy.url, apiKey, openAiModel, content),
      anthropicStream(proxy.url, apiKey, anthropicModel, content),
      anthropicStream(proxy.url, apiKey, anthropicModel, content),
    ]);
  }

  it('proxy: turns not ready, lets every stream of both protocols finish, settles each, and exits 0', async () => {
    const proxy = await start('proxy', {
      DEFAULT_RPM: '100000',
      SHUTDOWN_GRACE_MS: '30000',
      SHUTDOWN_DELAY_MS: '1000',
      LOG_LEVEL: 'info',
    });
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key } = await createApiKey(account.id);
    const runs = await streamsOnBothProtocols(proxy, key, 'count slowly mock:output_tokens=50 mock:chunk_delay_ms=50');
    await Promise.all(runs.map((run) => run.firstText));

    const exited = proxy.stop('SIGTERM', 60_000);
    // Draining: readiness is false at once, while the listener stays open for SHUTDOWN_DELAY_MS.
    expect(await readiness(proxy.url)).toEqual({
      status: 503,
      body: { status: 'draining', postgres: true, redis: true },
    });

    await Promise.all(runs.map((run) => run.done));
    for (const run of runs) {
      expect(run.error).toBeNull();
      expect(run.text.trim().split(/\s+/)).toHaveLength(50);
    }
    expect(await exited).toBe(0);
    // Every settlement was made before the process exited: on PostgreSQL written, its hold closed by the settlement; on
    // the wallet settled in Redis (no worker sweeps this suite's wallet: a hold left behind would stay, and its record
    // would be an abandoned one), its record then written by the ledger writer.
    const db = await testDb();
    for (const run of runs) {
      if (TEST_BILLING_STORE === 'postgres') {
        expect(await db.reservation.findUnique({ where: { generationId: run.generationId } })).toMatchObject({
          status: 'settled',
          closedBy: 'settlement',
        });
      }
      expect(await usageOf(run.generationId)).toMatchObject({
        outcome: 'completed',
        outputTokens: 50,
        protocol: run.protocol,
      });
    }
    expect(await nothingInFlight(account.id)).toBe(true);
    expect(await billingViolations(account.id)).toEqual([]);
    expect(proxy.logs).toContain('"msg":"shutdown: complete"');
  }, 90_000);

  it('proxy: ends the streams still running at the grace limit with the protocol error event, settled on what was delivered', async () => {
    const graceMs = 1_500;
    const proxy = await start('proxy', { DEFAULT_RPM: '100000', SHUTDOWN_GRACE_MS: String(graceMs) });
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key } = await createApiKey(account.id);
    const runs = await streamsOnBothProtocols(proxy, key, 'a very long story mock:output_tokens=600 mock:chunk_delay_ms=25');
    await Promise.all(runs.map((run) => run.firstText));

    const signalledAt = Date.now();
    const exited = proxy.stop('SIGTERM', 60_000);
    await Promise.all(runs.map((run) => run.done));
    const streamsEndedAfter = Date.now() - signalledAt;
    expect(await exited).toBe(0);
    expect(streamsEndedAfter).toBeGreaterThanOrEqual(graceMs - 200);

    const db = await testDb();
    for (const run of runs) {
      // The SDKs surface the protocol's in-band error event as an API error naming the reason.
      expect(run.error).toBeInstanceOf(run.protocol === 'openai' ? OpenAI.APIError : Anthropic.APIError);
      expect(String((run.error as Error).message)).toContain('The gateway is shutting down');
      const words = run.text.trim().split(/\s+/).length;
      expect(words).toBeGreaterThan(0);
      expect(words).toBeLessThan(600);
      if (TEST_BILLING_STORE === 'postgres') {
        const reservation = await db.reservation.findUnique({ where: { generationId: run.generationId } });
        expect(reservation).toMatchObject({ status: 'settled', closedBy: 'settlement' });
      }
      const usage = await usageOf(run.generationId);
      // Cut by the gateway's own shutdown: recorded as such, not as the provider dropping the stream.
      expect(usage).toMatchObject({ outcome: 'gateway_shutdown', errorType: 'service_unavailable', usageEstimated: true });
      expect(usage!.outputTokens).toBeGreaterThan(0);
      expect(usage!.outputTokens).toBeLessThan(600);
      expect(usage!.costMicros).toBeGreaterThan(0n);
      expect(usage!.costMicros).toBeLessThan(usage!.reservedMicros);
    }
    await settledBooks(account.id);
    expect(await billingViolations(account.id)).toEqual([]);
  }, 90_000);

  it('admin: turns not ready, finishes the request in flight (answered with Connection: close), and exits 0', async () => {
    const admin = await start('admin', { SHUTDOWN_DELAY_MS: '500' });
    const body = JSON.stringify({ name: 'created during shutdown' });
    const socket = connect(Number(new URL(admin.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    // Headers and half the body: the request is in flight when the signal comes.
    socket.write(
      `POST /admin/v1/accounts HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${TEST_ADMIN_TOKEN}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));

    const exited = admin.stop('SIGTERM', 30_000);
    expect(await readiness(admin.url)).toEqual({ status: 503, body: { status: 'draining', postgres: true, redis: true } });
    // Past SHUTDOWN_DELAY_MS the listener is closed; the request in flight is still served.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(admin.child.exitCode).toBeNull();
    socket.write(body.slice(10));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 201 /);
    expect(received.toLowerCase()).toContain('connection: close');
    expect(received).toContain('"name":"created during shutdown"');
    expect(await exited).toBe(0);
  }, 60_000);

  it('worker: turns not ready, finishes the job it is running, and exits 0', async () => {
    // A queue of its own: a worker of another suite on the shared queue could take the job this worker must be running.
    const queueEnv = { REDIS_KEY_PREFIX: `${TEST_REDIS_PREFIX}gs:` };
    const config = loadConfig(testEnv({ DB_POOL_MAX: '2', ...queueEnv }));
    const prisma = new PrismaService(config);
    const redis = new RedisService(config);
    const jobs = new JobQueue(redis);
    const lock = new Client({ connectionString: TEST_DATABASE_URL });
    try {
      // The job waits on a lock this test holds for a while: longer than a query's default deadline.
      const worker = await start('worker', { SHUTDOWN_GRACE_MS: '30000', DB_QUERY_TIMEOUT_MS: '30000', ...queueEnv });
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      await new BillingLedgerRepository(prisma).reserve(
        account.id,
        [{ generationId, keyId, modelId: openAiModel, amountMicros: 50_000n }],
        'e2e-proxy',
      );
      // Hold the account row: the settlement job blocks inside gw_settle until we let go.
      await lock.connect();
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [account.id]);
      const usage = usageRowToJson({
        generationId,
        requestId: null,
        accountId: account.id,
        keyId,
        model: openAiModel,
        requestedModel: openAiModel,
        protocol: 'openai',
        endpoint: 'chat.completions',
        stream: false,
        status: 502,
        outcome: 'upstream_error',
        errorType: 'upstream_error',
        inputTokens: 0,
        outputTokens: 0,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        usageEstimated: false,
        reservedMicros: 50_000n,
        costMicros: 0n,
        overrunMicros: 0n,
        upstreamStatus: 500,
        channelId: null,
        attempts: 1,
        latencyMs: 5,
        upstreamLatencyMs: 4,
        createdAt: new Date(),
      });
      await jobs.enqueue(JobName.SETTLE, { accountId: account.id, generationId, costMicros: '0', closedBy: 'release', usage });
      const jobId = jobOptions(JobName.SETTLE, { generationId } as SettleJobData).jobId!;
      await waitFor(async () => (await (await jobs.queue.getJob(jobId))?.getState()) === 'active', 20_000);

      const exited = worker.stop('SIGTERM', 30_000);
      await waitFor(async () => (await readiness(worker.url)).body.status === 'draining', 5_000);
      expect(await readiness(worker.url)).toMatchObject({ status: 503, body: { status: 'draining' } });
      expect(worker.child.exitCode).toBeNull();
      await lock.query('COMMIT');
      expect(await exited).toBe(0);
      const job = (await jobs.queue.getJob(jobId))!;
      expect(await job.getState()).toBe('completed');
      expect(await (await testDb()).reservation.findUnique({ where: { generationId } })).toMatchObject({ status: 'released' });
      // The PostgreSQL store's settlement job, driven directly: its books, whatever store the run's proxies use.
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    } finally {
      await lock.end().catch(() => undefined);
      await jobs.onModuleDestroy();
      await redis.onModuleDestroy();
      await prisma.onModuleDestroy();
    }
  }, 60_000);
});
