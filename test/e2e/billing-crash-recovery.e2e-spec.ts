import OpenAI from 'openai';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { costMicros, StaleReservationSweeper } from '../../libs/billing/src';
import { loadConfig } from '../../libs/config/src';
import { BillingLedgerRepository, HoldLivenessRepository } from '../../libs/db/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { usageRow } from '../factories/usage-row.factory';
import { AppProcess } from '../support/app-process';
import { billingViolations, generationEntries, postgresBillingViolations } from '../support/billing-invariants';
import { releasedEntries } from '../support/books';
import { settledBooks, usageOf as writtenUsageOf } from '../support/settlement';
import { accountBooks, closeTestDb, testDb } from '../support/test-db';
import { TEST_BILLING_STORE, testEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// The test model's prices (createModel's defaults): USD 0.40 / 1.60 per million tokens.
const PRICE = { inputMicrosPerMTok: 400_000n, outputMicrosPerMTok: 1_600_000n, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
const cost = (input: number, output: number) => costMicros(PRICE, { inputTokens: input, outputTokens: output, cachedInputTokens: 0, cacheWriteTokens: 0 });
const PROXY_ENV = { DEFAULT_RPM: '100000' };
/**
 * The PostgreSQL store's crash recovery (durable reservation rows, their heartbeats, the stale sweep) is what the first
 * two tests are about: their proxies run on it whatever TEST_BILLING_STORE says. The wallet's counterparts (a proxy
 * SIGKILLed mid-load, holds kept alive by heartbeats and swept once stale) are in wallet-proxy.e2e-spec.ts.
 */
const POSTGRES_PROXY_ENV = { ...PROXY_ENV, BILLING_STORE: 'postgres' };

async function reservationOf(generationId: string) {
  return (await testDb()).reservation.findUnique({ where: { generationId } });
}

async function usageOf(generationId: string) {
  return (await testDb()).usageRecord.findUnique({ where: { generationId } });
}

describe('billing through crashes, upstream failures and shutdowns (real proxy and worker processes)', () => {
  let mock: MockUpstream;
  let modelId: string;
  let sharedProxy: AppProcess | undefined;
  const started: AppProcess[] = [];
  const start = async (...args: Parameters<typeof AppProcess.start>) => {
    const app = await AppProcess.start(...args);
    started.push(app);
    return app;
  };
  const client = (proxy: AppProcess, key: string) => new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0, host: '127.0.0.1' });
    modelId = (await createModel({ upstreamUrl: mock.url })).id;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(started.map((app) => app.stop('SIGKILL')));
    await mock?.close();
    await closeTestDb();
  }, 60_000);

  it('a proxy killed mid-stream leaves a durable hold; once its heartbeat is stale a worker closes it, charging what it had delivered, once, even if it finishes after all', async () => {
    const proxy = await start('proxy', POSTGRES_PROXY_ENV);
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key, id: keyId } = await createApiKey(account.id);
    const { data: stream, response } = await client(proxy, key)
      .chat.completions.create({
        model: modelId,
        stream: true,
        max_tokens: 2_000,
        messages: [{ role: 'user', content: 'a very long story mock:output_tokens=2000 mock:chunk_delay_ms=20' }],
      })
      .withResponse();
    const generationId = response.headers.get('x-chuizi-generation-id')!;
    let chunks = 0;
    // Killed once the proxy's heartbeat has recorded part of the answer (it beats every 500 ms in tests).
    const delivering = (async () => {
      for await (const _chunk of stream) {
        if (++chunks % 5 === 0 && ((await reservationOf(generationId))?.deliveredOutputTokens ?? 0) > 0) {
          await proxy.stop('SIGKILL');
        }
      }
    })();
    await expect(delivering).rejects.toThrow();
    expect(chunks).toBeLessThan(2_000);

    // Nothing settled it: the hold is durable, visible, says which process held it and what it had delivered.
    const hold = (await reservationOf(generationId))!;
    expect(hold).toMatchObject({ status: 'open', accountId: account.id, keyId, modelId });
    expect(hold.instanceId).toContain(`:${proxy.pid}`);
    expect(hold.deliveredOutputTokens).toBeGreaterThan(0);
    expect(hold.deliveredOutputTokens).toBeLessThanOrEqual(chunks);
    // OpenAI reports input only at the end of a stream: counted by the proxy (o200k, plus framing).
    expect(hold.deliveredInputTokens).toBeGreaterThan(0);
    const delivered = cost(hold.deliveredInputTokens, hold.deliveredOutputTokens);
    expect(hold.deliveredCostMicros).toBe(delivered);
    expect(await accountBooks(account.id)).toEqual({
      balance: 1_000_000n - hold.amountMicros,
      reserved: hold.amountMicros,
      ledgerSum: 1_000_000n - hold.amountMicros,
      openHolds: hold.amountMicros,
    });
    expect(await usageOf(generationId)).toBeNull();

    // Two workers (racing), with a one-hour limit; the hold's last heartbeat is made two hours old, so that no other
    // suite's hold in this shared database is stale to them.
    await (await testDb()).pool.query(
      `UPDATE reservations SET heartbeat_at = heartbeat_at - interval '2 hours' WHERE generation_id = $1`,
      [generationId],
    );
    const workerEnv = { RESERVATION_STALE_AFTER_S: '3600', RESERVATION_SWEEP_EVERY_S: '1' };
    const workers = await AppProcess.together([start('worker', workerEnv), start('worker', workerEnv)]);
    await waitFor(async () => (await reservationOf(generationId))?.status !== 'open', 30_000);
    expect(await reservationOf(generationId)).toMatchObject({ status: 'settled', closedBy: 'sweep' });
    expect(await usageOf(generationId)).toMatchObject({
      outcome: 'abandoned',
      status: 0,
      inputTokens: hold.deliveredInputTokens,
      outputTokens: hold.deliveredOutputTokens,
      usageEstimated: true,
      costMicros: delivered,
      reservedMicros: hold.amountMicros,
    });

    // More sweeps, in the workers and here: still one release and one charge.
    const db = await testDb();
    const sweeper = new StaleReservationSweeper(new HoldLivenessRepository(db), loadConfig(testEnv({ RESERVATION_STALE_AFTER_S: '3600' })));
    await Promise.all([sweeper.sweep(), sweeper.sweep()]);
    await waitFor(async () => {
      const res = await fetch(`${workers[1].url}/readyz`);
      return res.status === 200;
    });
    expect(await generationEntries(generationId)).toEqual([
      ['reservation', -hold.amountMicros],
      ['release', hold.amountMicros],
      ['settlement', -delivered],
    ]);
    expect(await accountBooks(account.id)).toEqual({
      balance: 1_000_000n - delivered,
      reserved: 0n,
      ledgerSum: 1_000_000n - delivered,
      openHolds: 0n,
    });

    // Had the request finished after all (a proxy cut off from the database, not dead): one settlement per request,
    // the sweep's stands, and the request's own record replaces the abandoned one.
    const ledger = new BillingLedgerRepository(db);
    const late = {
      generationId,
      costMicros: delivered + 1_000n,
      closedBy: 'settlement' as const,
      usage: usageRow(account.id, keyId, generationId, { model: modelId, stream: true, outcome: 'client_aborted' }),
    };
    expect((await ledger.close(account.id, [late]))[0].outcome).toBe('late_settled');
    expect((await ledger.close(account.id, [late]))[0].outcome).toBe('duplicate');
    expect(await generationEntries(generationId)).toEqual([
      ['reservation', -hold.amountMicros],
      ['release', hold.amountMicros],
      ['settlement', -delivered],
    ]);
    expect(await usageOf(generationId)).toMatchObject({ outcome: 'client_aborted', costMicros: delivered });
    expect((await accountBooks(account.id)).balance).toBe(1_000_000n - delivered);
    expect(await postgresBillingViolations(account.id)).toEqual([]);
  }, 120_000);

  it('a stream that runs longer than the stale window keeps its hold (heartbeat) and is charged once, by its own settlement', async () => {
    const proxy = await start('proxy', POSTGRES_PROXY_ENV);
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key } = await createApiKey(account.id);
    // A sweep as eager as configuration allows beside the 500 ms heartbeat of every proxy in the run (a 5 s window),
    // run every 300 ms for as long as the stream lasts (6.5 s: a hold without heartbeats would be swept before its end).
    const sweeper = new StaleReservationSweeper(
      new HoldLivenessRepository(await testDb()),
      loadConfig(testEnv({ RESERVATION_STALE_AFTER_S: '5' })),
    );
    const { data: stream, response } = await client(proxy, key)
      .chat.completions.create({
        model: modelId,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'a long story mock:output_tokens=130 mock:chunk_delay_ms=50' }],
      })
      .withResponse();
    const generationId = response.headers.get('x-chuizi-generation-id')!;
    const startedAt = Date.now();
    let sweeps = 0;
    let streaming = true;
    const sweeping = (async () => {
      while (streaming) {
        await sweeper.sweep();
        sweeps++;
        // Open while the stream runs. Its own settlement may close it as the last chunk reaches us (before the loop
        // sees the stream end), never the sweep.
        const hold = await reservationOf(generationId);
        expect(hold?.status === 'open' ? 'open' : `${hold?.status} by ${hold?.closedBy}`).toMatch(/^(open|settled by settlement)$/);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();
    let usage: OpenAI.CompletionUsage | undefined;
    try {
      for await (const chunk of stream) usage = chunk.usage ?? usage;
    } finally {
      streaming = false;
    }
    await sweeping;
    expect(Date.now() - startedAt).toBeGreaterThan(5_000);
    expect(sweeps).toBeGreaterThan(3);
    expect(usage).toMatchObject({ completion_tokens: 130 });

    await waitFor(async () => (await reservationOf(generationId))?.status === 'settled');
    const hold = (await reservationOf(generationId))!;
    expect(hold.closedBy).toBe('settlement');
    expect(hold.heartbeatAt.getTime()).toBeGreaterThan(hold.createdAt.getTime());
    const charged = cost(usage!.prompt_tokens, 130);
    expect(await generationEntries(generationId)).toEqual([
      ['reservation', -hold.amountMicros],
      ['release', hold.amountMicros],
      ['settlement', -charged],
    ]);
    expect(await waitFor(() => usageOf(generationId))).toMatchObject({ outcome: 'completed', costMicros: charged });
    expect(await postgresBillingViolations(account.id)).toEqual([]);
  }, 120_000);

  it.each([
    ['500', 502, 'upstream_error', false],
    ['503', 503, 'service_unavailable', false],
    ['500', 502, 'upstream_error', true],
  ])('an upstream %s releases the whole reservation (client gets %i %s, stream: %s)', async (upstreamStatus, status, type, streamed) => {
    sharedProxy ??= await start('proxy', PROXY_ENV);
    const proxy = sharedProxy;
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key } = await createApiKey(account.id);
    const request = client(proxy, key).chat.completions.create({
      model: modelId,
      stream: streamed,
      messages: [{ role: 'user', content: `fail please mock:status=${upstreamStatus}` }],
    });
    const error = await request.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
    expect(((error as InstanceType<typeof OpenAI.APIError>).error as { type: string }).type).toBe(type);
    const generationId = (error as InstanceType<typeof OpenAI.APIError>).headers!.get('x-chuizi-generation-id')!;

    const usage = await writtenUsageOf(generationId);
    expect(usage).toMatchObject({ status, outcome: 'upstream_error', errorType: type, costMicros: 0n });
    expect(usage.reservedMicros).toBeGreaterThan(0n);
    if (TEST_BILLING_STORE === 'postgres') {
      expect(await reservationOf(generationId)).toMatchObject({ status: 'released', closedBy: 'release', amountMicros: usage.reservedMicros });
    }
    expect(await generationEntries(generationId)).toEqual(releasedEntries(usage.reservedMicros));
    expect(await settledBooks(account.id)).toEqual({ balance: 1_000_000n, reserved: 0n, ledgerSum: 1_000_000n, openHolds: 0n });
    expect(await billingViolations(account.id)).toEqual([]);
  }, 60_000);

  it('SIGTERM lets an in-flight stream finish and settles it before the proxy exits', async () => {
    const proxy = await start('proxy', PROXY_ENV);
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key } = await createApiKey(account.id);
    const { data: stream, response } = await client(proxy, key)
      .chat.completions.create({
        model: modelId,
        stream: true,
        messages: [{ role: 'user', content: 'count slowly mock:output_tokens=60 mock:chunk_delay_ms=25' }],
      })
      .withResponse();
    const generationId = response.headers.get('x-chuizi-generation-id')!;
    let text = '';
    let exited: Promise<number | null> | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      exited ??= proxy.stop('SIGTERM');
    }
    expect(text.split(' ')).toHaveLength(60);
    await exited;
    // The settlement was made before the process exited: on PostgreSQL written, the hold closed by it; on the wallet
    // settled in Redis (nothing sweeps this suite's wallet: a hold left behind would stay, failing settledBooks), its
    // record then written by the ledger writer.
    if (TEST_BILLING_STORE === 'postgres') {
      expect(await reservationOf(generationId)).toMatchObject({ status: 'settled', closedBy: 'settlement' });
    }
    expect(await writtenUsageOf(generationId)).toMatchObject({ outcome: 'completed', inputTokens: 4, outputTokens: 60, costMicros: cost(4, 60) });
    expect((await settledBooks(account.id)).balance).toBe(1_000_000n - cost(4, 60));
    expect(await billingViolations(account.id)).toEqual([]);
  }, 60_000);
});
