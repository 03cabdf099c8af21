import OpenAI from 'openai';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { boundQuote, costMicros, holdPlan, priceOf } from '../../libs/billing/src';
import { accountId, generationId } from '../../libs/common/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { catalogModelOf } from '../support/catalog-model';
import { testDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';
import { walletAccountRow, walletBooksProblems, walletSettled } from '../support/wallet-books';
import { useWalletHarness, walletPrefix } from '../support/wallet-harness';

const NAME = 'wproxy';
/**
 * Proxies holding in the wallet, and the worker writing its ledger, on this suite's own key prefix (its writer sees
 * only this suite's events). Holds expire 4 s after their last beat (a beat every 1.3 s), swept every second; a dead
 * writer's events are claimed after a second.
 */
const WALLET_ENV = {
  WALLET_HOLD_TTL_S: '4',
  WALLET_SWEEP_EVERY_S: '1',
  WALLET_WRITER_CLAIM_IDLE_MS: '1000',
  WALLET_WRITER_POLL_MS: '20',
};
const APP_ENV = { ...WALLET_ENV, REDIS_KEY_PREFIX: walletPrefix(NAME), BILLING_STORE: 'wallet', DEFAULT_RPM: '1000000' };
const CHEAP_TOKENS = 50;
// As in billing-concurrency: input at USD 0.001 / MTok and output at 2.00 make the real cost of a CHEAP_PROMPT request
// equal its hold (101 micro-dollars), so "a balance for 100 holds" means "exactly 100 requests".
const CHEAP_PROMPT = `count to fifty please mock:output_tokens=${CHEAP_TOKENS}`;
// The default test model's prices: 0.40 / 1.60 USD per MTok.
const testModelCost = (input: number, output: number) =>
  costMicros(
    { inputMicrosPerMTok: 400_000n, outputMicrosPerMTok: 1_600_000n, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null },
    { inputTokens: input, outputTokens: output, cachedInputTokens: 0, cacheWriteTokens: 0 },
  );

interface Outcome {
  status: number;
  body: { error?: { message: string; type: string; code: string } };
}

describe('the proxy on the Redis wallet (BILLING_STORE=wallet): two proxies, a worker writing the ledger', () => {
  const h = useWalletHarness(NAME, WALLET_ENV);
  const since = new Date(Date.now() - 1_000);
  let mock: MockUpstream;
  let cheapModel: string;
  let model: string;
  let proxies: AppProcess[] = [];
  let worker: AppProcess;
  const started: AppProcess[] = [];
  const start = async (name: 'proxy' | 'worker') => {
    const app = await AppProcess.start(name, APP_ENV);
    started.push(app);
    return app;
  };

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0, host: '127.0.0.1' });
    cheapModel = (await createModel({ upstreamUrl: mock.url, inputUsdPerMTok: '0.001', outputUsdPerMTok: '2.00' })).id;
    model = (await createModel({ upstreamUrl: mock.url })).id;
    [worker, ...proxies] = await AppProcess.together([start('worker'), start('proxy'), start('proxy')]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(started.map((app) => app.stop('SIGKILL')));
    await mock?.close();
  }, 60_000);

  /** One chat completion through proxy i % 2, as raw HTTP: the status and the body as the client reads them. */
  async function complete(i: number, key: string, content: string, modelId = cheapModel): Promise<Outcome> {
    const response = await fetch(`${proxies[i % 2].url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: modelId, max_tokens: CHEAP_TOKENS, messages: [{ role: 'user', content }] }),
    });
    return { status: response.status, body: (await response.json()) as Outcome['body'] };
  }

  /** An account of the test's own, credited `balanceUsd`, and a key of it. */
  async function customer(balanceUsd: string) {
    const account = await createAccount({ balanceUsd });
    return { account, key: (await createApiKey(account.id)).key };
  }

  /** A streamed chat completion of the default-priced model through `proxyUrl` (usage included), and its generation. */
  async function openStream(proxyUrl: string, key: string, content: string, signal?: AbortSignal) {
    const client = new OpenAI({ apiKey: key, baseURL: `${proxyUrl}/v1`, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content }] }, { signal })
      .withResponse();
    return { data, generation: generationId(response.headers.get('x-chuizi-generation-id')!) };
  }

  it('500 concurrent requests on a balance for 100: 100 served, 402 for the rest, no overdraft, one record each', async () => {
    const catalog = await catalogModelOf(cheapModel);
    const body = { model: cheapModel, max_tokens: CHEAP_TOKENS, messages: [{ role: 'user' as const, content: CHEAP_PROMPT }] };
    const hold = boundQuote(holdPlan('chat.completions', body, catalog)).amountMicros;
    const cost = costMicros(priceOf(catalog), { inputTokens: 5, outputTokens: CHEAP_TOKENS, cachedInputTokens: 0, cacheWriteTokens: 0 });
    expect([hold, cost]).toEqual([101n, 101n]); // the premise above
    const account = await createAccount({ balanceUsd: '0.010100' });
    const keys = await Promise.all([createApiKey(account.id), createApiKey(account.id), createApiKey(account.id)]);
    mock.reset();

    const outcomes = await Promise.all(Array.from({ length: 500 }, (_, i) => complete(i, keys[i % 3].key, CHEAP_PROMPT)));

    const byStatus = new Map<number, Outcome[]>();
    for (const outcome of outcomes) byStatus.set(outcome.status, [...(byStatus.get(outcome.status) ?? []), outcome]);
    expect([...byStatus.keys()].sort()).toEqual([200, 402]);
    expect(byStatus.get(200)).toHaveLength(100);
    expect(mock.stats().requests).toBe(100);
    for (const refused of byStatus.get(402)!) {
      // OpenAI's error format (spec/errors.md), the spendable balance at the refusal (under one hold) and the hold.
      expect(refused.body).toEqual({
        error: {
          message: expect.stringMatching(/^Insufficient balance\. Current: \$0\.0[01], Required: \$0\.01$/),
          type: 'insufficient_quota',
          code: '402',
        },
      });
    }

    const settled = await walletSettled(h, account.id);
    expect(settled).toEqual({ walletBalance: 0n, balance: 0n, walletSeq: 100n, usage: 500 });
    const db = await testDb();
    const lowest = await db.ledgerEntry.aggregate({ where: { accountId: account.id }, _min: { balanceAfterMicros: true } });
    expect(lowest._min.balanceAfterMicros).toBe(0n); // never below zero, at any point of the ledger
    const entries = await db.ledgerEntry.groupBy({ by: ['kind'], where: { accountId: account.id }, _count: true });
    expect(Object.fromEntries(entries.map((e) => [e.kind, e._count]))).toEqual({ top_up: 1, settlement: 100 });
    const usage = await db.usageRecord.groupBy({
      by: ['status', 'outcome'],
      where: { accountId: account.id },
      _count: true,
      _sum: { costMicros: true },
    });
    expect(usage.map((u) => [u.status, u.outcome, u._count, u._sum.costMicros])).toEqual(
      expect.arrayContaining([
        [200, 'completed', 100, 10_100n],
        [402, 'rejected', 400, 0n],
      ]),
    );
    expect(await walletBooksProblems(h, account.id, since)).toEqual([]);
  }, 120_000);

  it('a proxy killed mid-load: its holds expire, the sweep charges what they had delivered, the books balance', async () => {
    const victim = await start('proxy');
    const { account, key } = await customer('1.00');
    const streams = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const { data, generation } = await openStream(victim.url, key, 'a very long story mock:output_tokens=2000 mock:chunk_delay_ms=20');
        const reading = (async () => {
          for await (const _chunk of data);
        })().catch(() => undefined);
        return { generation, reading };
      }),
    );
    // Short requests of the same account on the live proxies, before, during and after the kill.
    const load = Promise.all(Array.from({ length: 60 }, (_, i) => new Promise((resolve) => setTimeout(resolve, i * 50)).then(() => complete(i, key, CHEAP_PROMPT, model))));

    // Killed once every stream's hold carries a delivered cost (the wallet's heartbeats, from the proxy's probes).
    const holdKey = (generation: (typeof streams)[number]['generation']) => h.store.keys.hold(accountId(account.id), generation);
    await waitFor(async () => {
      const delivered = await Promise.all(streams.map((s) => h.redis.call('read', (c) => c.hget(holdKey(s.generation), 'dc'))));
      return delivered.every((dc) => dc !== null && BigInt(dc) > 0n);
    }, 30_000);
    await victim.stop('SIGKILL');
    await Promise.all(streams.map((s) => s.reading));
    expect((await load).every((outcome) => outcome.status === 200)).toBe(true);

    const db = await testDb();
    const abandoned = await waitFor(async () => {
      const records = await db.usageRecord.findMany({ where: { generationId: { in: streams.map((s) => s.generation) } } });
      return records.length === streams.length ? records : null;
    }, 30_000);
    for (const record of abandoned) {
      expect(record).toMatchObject({ outcome: 'abandoned', status: 0, stream: true, model });
      expect(record.outputTokens).toBeGreaterThan(0);
      expect(record.outputTokens).toBeLessThan(2_000);
      expect(record.costMicros).toBeGreaterThan(0n);
      expect(record.costMicros).toBe(testModelCost(record.inputTokens, record.outputTokens));
    }
    const settled = await walletSettled(h, account.id);
    const charged = (await db.usageRecord.aggregate({ where: { accountId: account.id }, _sum: { costMicros: true } }))._sum.costMicros!;
    expect(settled).toMatchObject({ walletBalance: 1_000_000n - charged, balance: 1_000_000n - charged, usage: 68 });
    expect(await walletBooksProblems(h, account.id, since)).toEqual([]);
  }, 120_000);

  it('the worker (ledger writer) killed mid-load and started again: nothing lost, nothing written twice', async () => {
    const { account, key } = await customer('1.00');
    const total = 300;
    let done = 0;
    let next = 0;
    const outcomes: Outcome[] = [];
    const restarted = (async () => {
      await waitFor(() => done >= 80, 60_000, 5);
      await worker.stop('SIGKILL');
      // With no writer, the settlements of the requests still served wait in Redis.
      const id = accountId(account.id);
      await waitFor(async () => (await h.inspector.inspect([id])).get(id)!.unflushed.size > 10, 60_000);
      await waitFor(() => done >= 200, 60_000, 5);
      worker = await start('worker');
    })();
    // 20 clients in parallel, each sending its next request as soon as the last one is answered.
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let i = next++; i < total; i = next++) {
          outcomes.push(await complete(i, key, CHEAP_PROMPT));
          done++;
        }
      }),
    );
    await restarted;
    expect(outcomes.filter((o) => o.status === 200)).toHaveLength(total);

    const settled = await walletSettled(h, account.id);
    expect(settled).toEqual({ walletBalance: 1_000_000n - 101n * 300n, balance: 1_000_000n - 101n * 300n, walletSeq: 300n, usage: 300 });
    const db = await testDb();
    const settlements = await db.ledgerEntry.findMany({ where: { accountId: account.id, kind: 'settlement' }, select: { generationId: true } });
    expect(settlements).toHaveLength(300);
    expect(new Set(settlements.map((s) => s.generationId)).size).toBe(300);
    expect(await walletBooksProblems(h, account.id, since)).toEqual([]);
  }, 120_000);

  it('streams: a completed one is charged its reported usage, a client-aborted one what it delivered', async () => {
    const { account, key } = await customer('10.00');
    const completed = await openStream(proxies[0].url, key, 'short mock:output_tokens=9');
    let reported: OpenAI.CompletionUsage | undefined;
    for await (const chunk of completed.data) reported = chunk.usage ?? reported;
    expect(reported).toMatchObject({ prompt_tokens: 2, completion_tokens: 9 });

    const controller = new AbortController();
    const aborted = await openStream(proxies[0].url, key, 'a long story mock:output_tokens=500 mock:chunk_delay_ms=10', controller.signal);
    let chunks = 0;
    await (async () => {
      // The client leaves at its 20th chunk: it reads nothing more, whatever the SDK had already parsed from the same read.
      for await (const chunk of aborted.data) {
        if (chunk.choices[0]?.delta?.content && ++chunks === 20) {
          controller.abort();
          break;
        }
      }
    })().catch(() => undefined);
    expect(chunks).toBe(20);

    const settled = await walletSettled(h, account.id);
    const db = await testDb();
    const completedRecord = await db.usageRecord.findUnique({ where: { generationId: completed.generation } });
    expect(completedRecord).toMatchObject({ outcome: 'completed', inputTokens: 2, outputTokens: 9, usageEstimated: false, costMicros: testModelCost(2, 9) });
    const abortedRecord = (await db.usageRecord.findUnique({ where: { generationId: aborted.generation } }))!;
    expect(abortedRecord).toMatchObject({ outcome: 'client_aborted', stream: true, usageEstimated: true });
    expect(abortedRecord.outputTokens).toBeGreaterThanOrEqual(20);
    expect(abortedRecord.outputTokens).toBeLessThan(100);
    expect(abortedRecord.costMicros).toBe(testModelCost(abortedRecord.inputTokens, abortedRecord.outputTokens));
    expect(settled).toEqual({
      walletBalance: 10_000_000n - testModelCost(2, 9) - abortedRecord.costMicros,
      balance: 10_000_000n - testModelCost(2, 9) - abortedRecord.costMicros,
      walletSeq: 2n,
      usage: 2,
    });
    expect((await walletAccountRow(account.id)).usage).toBe(2);
    expect(await walletBooksProblems(h, account.id, since)).toEqual([]);
  }, 60_000);

  it('SIGTERM mid-stream: the stream ends, and its settlement is in the wallet before the proxy exits', async () => {
    const proxy = await start('proxy');
    const { account, key } = await customer('10.00');
    const { data, generation } = await openStream(proxy.url, key, 'a story mock:output_tokens=100 mock:chunk_delay_ms=20');
    let chunks = 0;
    let reported: OpenAI.CompletionUsage | undefined;
    let exited: Promise<number | null> | undefined;
    for await (const chunk of data) {
      reported = chunk.usage ?? reported;
      if (++chunks === 5) exited = proxy.stop('SIGTERM', 60_000);
    }
    expect(await exited).toBe(0);
    // Closed by the proxy's own settlement as it drained, not by the sweep (which would take the hold's TTL).
    const id = accountId(account.id);
    expect((await h.inspector.inspect([id])).get(id)).toMatchObject({ holds: 0, heldMicros: 0n, eventSeq: 1n });
    expect(reported).toMatchObject({ completion_tokens: 100 });

    const settled = await walletSettled(h, account.id);
    const cost = testModelCost(reported!.prompt_tokens, 100);
    expect(settled).toEqual({ walletBalance: 10_000_000n - cost, balance: 10_000_000n - cost, walletSeq: 1n, usage: 1 });
    const record = await (await testDb()).usageRecord.findUnique({ where: { generationId: generation } });
    expect(record).toMatchObject({ outcome: 'completed', outputTokens: 100, costMicros: cost });
    expect(await walletBooksProblems(h, account.id, since)).toEqual([]);
  }, 60_000);
});
