import { randomBytes } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { announceCatalogChange, createModel, TestModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { generationEntries } from '../support/billing-invariants';
import { finishedEntries } from '../support/books';
import { closedPortUrl } from '../support/closed-port';
import { settledBooks, usageOf } from '../support/settlement';
import { closeTestDb, testDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';

/** Mock A accepts only this credential: a channel that sends another one fails there (the provider's 401). */
const MOCK_A_KEY = 'sk-mock-a-0123456789abcdef';
const THRESHOLD = 3;
const COOLDOWN_MS = 1_000;
const IDLE_MS = 1_000;
// The test models' prices (createModel's defaults): 0.40 / 1.60 USD per MTok.
const cost = (input: number, output: number) => BigInt(Math.ceil((input * 400_000 + output * 1_600_000) / 1_000_000));

interface Answer {
  status: number;
  generationId: string;
  retryAfter: string | null;
  error?: { type?: string; message?: string };
}

describe('upstream channels: failover, circuit breakers, timeouts', () => {
  let a: MockUpstream;
  let b: MockUpstream;
  let proxy: AppProcess;
  let key: string;
  let openai: OpenAI;
  const models: Record<string, TestModel> = {};

  beforeAll(async () => {
    [a, b] = await Promise.all([startMockUpstream({ port: 0, apiKey: MOCK_A_KEY }), startMockUpstream({ port: 0 })]);
    const good = { upstreamUrl: a.url, apiKey: MOCK_A_KEY };
    const bad = { upstreamUrl: a.url, apiKey: 'sk-revoked-0123456789abcdef' };
    const backup = { upstreamUrl: b.url, priority: 1 };
    const specs = {
      failover: { channels: [bad, backup] },
      streamFailover: { provider: 'anthropic' as const, channels: [{ upstreamUrl: await closedPortUrl() }, backup] },
      lastError: { channels: [{ upstreamUrl: await closedPortUrl() }, backup] },
      clientError: { channels: [good, backup] },
      overloaded: { channels: [good, backup] },
      breaker: { channels: [bad, backup] },
      allDown: { channels: [{ upstreamUrl: await closedPortUrl() }, { upstreamUrl: await closedPortUrl() }] },
      stall: { timeoutS: 1, channels: [good, backup] },
      idle: { channels: [{ upstreamUrl: b.url }] },
      abort: { channels: [good, backup] },
      weighted: { channels: [{ ...good, weight: 3 }, { upstreamUrl: b.url, weight: 1 }] },
    };
    for (const [name, spec] of Object.entries(specs)) models[name] = await createModel(spec);
    // Proxies load the catalog at boot: every model above exists before this one starts.
    proxy = await AppProcess.start('proxy', {
      BREAKER_FAILURE_THRESHOLD: String(THRESHOLD),
      BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
      STREAM_IDLE_TIMEOUT_MS: String(IDLE_MS),
      CHANNEL_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
      DEFAULT_RPM: '100000',
    });
    key = (await createApiKey((await createAccount({ balanceUsd: '10.00' })).id)).key;
    openai = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([a?.close(), b?.close()]);
    await closeTestDb();
  });

  beforeEach(() => {
    a.reset();
    b.reset();
  });

  /** One non-streaming chat completion through the proxy, whatever its outcome. */
  async function chat(model: TestModel, text: string, client = openai): Promise<Answer> {
    try {
      const { response } = await client.chat.completions
        .create({ model: model.id, max_tokens: 100, messages: [{ role: 'user', content: text }] })
        .withResponse();
      return { status: 200, generationId: response.headers.get('x-chuizi-generation-id')!, retryAfter: null };
    } catch (error) {
      if (!(error instanceof OpenAI.APIError) || !error.headers) throw error;
      return {
        status: error.status!,
        generationId: error.headers.get('x-chuizi-generation-id')!,
        retryAfter: error.headers.get('retry-after'),
        error: error.error as Answer['error'],
      };
    }
  }

  /** Nothing charged for the request: its hold (if any) was released in full and no settlement was written. */
  async function expectNothingCharged(generationId: string) {
    await usageOf(generationId);
    const entries = await generationEntries(generationId);
    expect(entries.filter(([kind]) => kind === 'settlement')).toEqual([]);
    expect(entries.reduce((sum, [, amount]) => sum + amount, 0n)).toBe(0n);
  }

  it('fails over from a failing channel to the next one, and charges the request once', async () => {
    const model = models.failover;
    const answer = await chat(model, 'four words of input mock:output_tokens=7');
    expect(answer.status).toBe(200);
    expect([a.stats().requests, b.stats().requests]).toEqual([1, 1]);

    const usage = await usageOf(answer.generationId);
    expect(usage).toMatchObject({
      status: 200,
      outcome: 'completed',
      channelId: model.channelIds[1],
      attempts: 2,
      inputTokens: 5,
      outputTokens: 7,
      costMicros: cost(5, 7),
    });
    // One hold for both attempts (the usage record's), released once, and one settlement.
    expect(await generationEntries(answer.generationId)).toEqual(finishedEntries(usage.reservedMicros, cost(5, 7)));
  });

  it('fails over a stream that could not start (connection refused), before any byte reached the client', async () => {
    const model = models.streamFailover;
    const client = new Anthropic({ apiKey: key, baseURL: `${proxy.url}/anthropic`, maxRetries: 0 });
    const { data: stream, response } = await client.messages
      .create({
        model: model.id,
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: 'stream me mock:output_tokens=5' }],
      })
      .withResponse();
    let text = '';
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text.length).toBeGreaterThan(0);
    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ outcome: 'completed', channelId: model.channelIds[1], attempts: 2, outputTokens: 5 });
  });

  it("gives the client the last attempt's error when every channel failed (502 for invalid JSON), charging nothing", async () => {
    const model = models.lastError;
    const answer = await chat(model, 'break it mock:invalid_json');
    expect(answer).toMatchObject({
      status: 502,
      error: { type: 'upstream_error', message: 'The upstream provider returned an invalid response (not JSON)' },
    });
    expect(await usageOf(answer.generationId)).toMatchObject({
      status: 502,
      outcome: 'upstream_error',
      channelId: model.channelIds[1],
      attempts: 2,
    });
    await expectNothingCharged(answer.generationId);
  });

  it("passes a provider 4xx on at once: the client's request is not retried on another channel", async () => {
    const model = models.clientError;
    const answer = await chat(model, 'bad request mock:status=400');
    expect(answer.status).toBe(400);
    expect([a.stats().requests, b.stats().requests]).toEqual([1, 0]);
    expect(await usageOf(answer.generationId)).toMatchObject({ channelId: model.channelIds[0], attempts: 1 });
    await expectNothingCharged(answer.generationId);
  });

  it('retries an overloaded provider (429) on the next channel, and answers 503 when it is overloaded too', async () => {
    const model = models.overloaded;
    const answer = await chat(model, 'busy mock:status=429');
    expect(answer).toMatchObject({ status: 503, error: { type: 'service_unavailable' } });
    expect([a.stats().requests, b.stats().requests]).toEqual([1, 1]);
    expect(await usageOf(answer.generationId)).toMatchObject({ channelId: model.channelIds[1], attempts: 2 });
    await expectNothingCharged(answer.generationId);
  });

  it('opens the circuit of a failing channel (skipped from then on) and closes it after the cool-down', async () => {
    const model = models.breaker;
    for (let i = 0; i < THRESHOLD; i++) {
      const answer = await chat(model, `request ${i}`);
      expect(answer.status).toBe(200);
      expect(await usageOf(answer.generationId)).toMatchObject({ channelId: model.channelIds[1], attempts: 2 });
    }
    expect(a.stats().requests).toBe(THRESHOLD);

    // Open: the failing channel is skipped, its upstream sees nothing more.
    for (let i = 0; i < 3; i++) {
      const answer = await chat(model, `skipping ${i}`);
      expect(await usageOf(answer.generationId)).toMatchObject({ status: 200, channelId: model.channelIds[1], attempts: 1 });
    }
    expect(a.stats().requests).toBe(THRESHOLD);

    // The channel is repaired; after the cool-down a trial request probes it, and from then on it serves again.
    const db = await testDb();
    await db.channel.update({ where: { id: model.channelIds[0] }, data: { apiKey: MOCK_A_KEY } });
    await announceCatalogChange();
    await waitFor(async () => {
      const answer = await chat(model, 'probe');
      return (await usageOf(answer.generationId)).channelId === model.channelIds[0];
    });
    for (let i = 0; i < 3; i++) {
      const answer = await chat(model, `closed again ${i}`);
      expect(await usageOf(answer.generationId)).toMatchObject({ status: 200, channelId: model.channelIds[0], attempts: 1 });
    }
  });

  it('answers 503 when every channel refuses connections, then at once (no upstream call, nothing held) once every circuit is open', async () => {
    const model = models.allDown;
    for (let i = 0; i < THRESHOLD; i++) {
      const answer = await chat(model, `down ${i}`);
      expect(answer).toMatchObject({
        status: 503,
        error: { type: 'service_unavailable', message: 'The upstream provider is unavailable' },
      });
      expect(await usageOf(answer.generationId)).toMatchObject({ attempts: 2, outcome: 'upstream_error' });
      await expectNothingCharged(answer.generationId);
    }

    const answer = await chat(model, 'all open');
    expect(answer).toMatchObject({
      status: 503,
      error: { type: 'service_unavailable', message: `Every upstream channel of '${model.id}' is failing; retry later` },
    });
    expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await usageOf(answer.generationId)).toMatchObject({ status: 503, attempts: 0, channelId: null });
    expect(await generationEntries(answer.generationId)).toEqual([]);
    const db = await testDb();
    expect(await db.reservation.count({ where: { generationId: answer.generationId } })).toBe(0);
  });

  it('504 when no channel answers within the model timeout, each stalled attempt cancelled upstream', async () => {
    const model = models.stall;
    const answer = await chat(model, 'hang mock:stall');
    expect(answer).toMatchObject({ status: 504, error: { type: 'timeout', message: 'Request timed out after 1 seconds' } });
    expect(await usageOf(answer.generationId)).toMatchObject({ attempts: 2, channelId: model.channelIds[1] });
    await waitFor(() => a.stats().aborted === 1 && b.stats().aborted === 1);
    await expectNothingCharged(answer.generationId);
  });

  it('ends a stream that stalls mid-way with a timeout event naming the idle limit, settled on what was delivered', async () => {
    const model = models.idle;
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: model.id,
        stream: true,
        messages: [{ role: 'user', content: 'slow stream mock:output_tokens=5 mock:chunk_delay_ms=5000' }],
      }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = text
      .split('\n\n')
      .filter((frame) => frame.startsWith('data: {'))
      .map((frame) => JSON.parse(frame.slice('data: '.length)));
    expect(events.at(-1)).toEqual({
      error: {
        message: `Request timed out after ${IDLE_MS / 1000} seconds`,
        type: 'timeout',
        code: '504',
      },
    });
    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ status: 200, outcome: 'upstream_dropped', errorType: 'timeout', attempts: 1 });
    const entries = await generationEntries(usage.generationId);
    expect(entries.find(([kind]) => kind === 'settlement')?.[1] ?? 0n).toBe(-usage.costMicros);
    await waitFor(() => b.stats().aborted === 1);
  });

  it('answers a stream that stalls before its first byte reached the client with a 504 and the exact timeout message', async () => {
    // A Gemini client on an OpenAI model: the upstream's first chunk (the role) translates to nothing, so the client
    // has no byte yet when the idle limit fires: a plain 504 in Google's format, and nothing charged.
    const model = models.idle;
    const response = await fetch(`${proxy.url}/gemini/v1beta/models/${encodeURIComponent(model.id)}:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({
        contents: [{ role: 'user', parts: [{ text: 'slow stream mock:output_tokens=5 mock:chunk_delay_ms=5000' }] }],
      }),
    });
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({
      error: { code: 504, message: `Request timed out after ${IDLE_MS / 1000} seconds`, status: 'DEADLINE_EXCEEDED' },
    });
    await expectNothingCharged(response.headers.get('x-chuizi-generation-id')!);
    await waitFor(() => b.stats().aborted === 1);
  });

  it('cancels the upstream request when the client leaves, and tries no other channel', async () => {
    const model = models.abort;
    const account = await createAccount({ balanceUsd: '10.00' });
    const client = new OpenAI({ apiKey: (await createApiKey(account.id)).key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const controller = new AbortController();
    const call = client.chat.completions.create(
      { model: model.id, messages: [{ role: 'user', content: 'never mind mock:delay_ms=20000' }] },
      { signal: controller.signal },
    );
    await waitFor(() => a.stats().inflight === 1);
    controller.abort();
    await expect(call).rejects.toThrow();

    await waitFor(() => a.stats().aborted === 1);
    const books = await settledBooks(account.id);
    expect(books.balance).toBe(10_000_000n);
    const db = await testDb();
    const usage = await waitFor(() => db.usageRecord.findFirst({ where: { accountId: account.id } }));
    expect(usage).toMatchObject({ outcome: 'client_aborted', channelId: model.channelIds[0], attempts: 1, costMicros: 0n });
    expect(b.stats().requests).toBe(0);
  });

  it('shares traffic between channels of equal priority by weight', async () => {
    const model = models.weighted;
    for (let i = 0; i < 40; i++) expect((await chat(model, `share ${i}`)).status).toBe(200);
    // 3:1 weights; either mock seeing nothing in 40 requests has a probability below 1e-5.
    expect(a.stats().requests).toBeGreaterThan(0);
    expect(b.stats().requests).toBeGreaterThan(0);
    expect(a.stats().requests + b.stats().requests).toBe(40);
  });
});
