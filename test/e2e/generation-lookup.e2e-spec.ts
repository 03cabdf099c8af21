import Anthropic from '@anthropic-ai/sdk';
import type { GoogleGenAI } from '@google/genai' with { 'resolution-mode': 'import' };
import OpenAI from 'openai';
import { getGlobalDispatcher } from 'undici';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { chargeProblems, usageOf } from '../support/settlement';
import { closeTestDb } from '../support/test-db';
import { TcpRelay } from '../support/tcp-relay';
import { TEST_BILLING_STORE, TEST_DATABASE_URL } from '../support/test-env';
import { useWalletHarness, walletPrefix } from '../support/wallet-harness';
import { waitFor } from '../support/wait-for';

// The package's typings are ES-module only: this CommonJS spec loads it with import().
type GenAi = typeof import('@google/genai', { with: { 'resolution-mode': 'import' } });
// The SDK asks for fetch's dispatcher on the real global object, which Jest's sandbox does not share.
getGlobalDispatcher();

type Provider = 'openai' | 'anthropic' | 'google';
type Client = 'chat' | 'responses' | 'anthropic' | 'gemini';

/**
 * Upstream prices of the suite's models (USD per MTok, micro-dollars here) with no cache prices of their own, so the
 * defaults apply (cache reads 0.1 x input, cache writes 1.25 x input), and a markup of 1.2 (spec/policy.md, "Prices").
 */
const UPSTREAM = { input: 3_000_000n, output: 15_000_000n, cached: 300_000n, write: 3_750_000n };
const MARKUP_PERCENT = 120n;
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const CHARGED = {
  input: ceilDiv(UPSTREAM.input * MARKUP_PERCENT, 100n),
  output: ceilDiv(UPSTREAM.output * MARKUP_PERCENT, 100n),
  cached: ceilDiv(UPSTREAM.cached * MARKUP_PERCENT, 100n),
  write: ceilDiv(UPSTREAM.write * MARKUP_PERCENT, 100n),
};

interface Kinds {
  input: number;
  cached: number;
  write: number;
  output: number;
  reasoning: number;
}

/** Every token once at its kind's price (reasoning is output), rounded up once to the micro-dollar. */
function cost(prices: typeof UPSTREAM, t: Kinds): bigint {
  const plain = BigInt(t.input - t.cached - t.write);
  return ceilDiv(
    plain * prices.input + BigInt(t.cached) * prices.cached + BigInt(t.write) * prices.write + BigInt(t.output) * prices.output,
    1_000_000n,
  );
}

const usd = (micros: bigint) => `${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, '0')}`;

// 40 words and the markers (4 more words: the mock counts every whitespace-separated word of the message).
const TEXT = `${Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')} mock:output_tokens=300 mock:reasoning_tokens=120 mock:cached_tokens=30 mock:cache_write_tokens=20`;
const WORDS = 44;

/**
 * Each provider's own accounting of TEXT as the mock reports it (spec/protocols.md, "Token accounting"): OpenAI's
 * cached tokens inside prompt_tokens and reasoning inside completion_tokens (the mock reports 300 + 120); Anthropic's
 * cache reads and writes on top of input_tokens, no reasoning; Gemini's cached content inside the prompt and thoughts
 * on top of the candidates.
 */
const EXPECTED: Record<Provider, Kinds> = {
  openai: { input: WORDS, cached: 30, write: 0, output: 420, reasoning: 120 },
  anthropic: { input: WORDS + 30 + 20, cached: 30, write: 20, output: 300, reasoning: 0 },
  google: { input: WORDS, cached: 30, write: 0, output: 420, reasoning: 120 },
};

/**
 * The provider's stop reason for TEXT (an answer not cut by its limit), in the provider protocol's words: what the
 * usage record keeps, native or translated. A Responses answer served natively reports its status.
 */
const FINISH: Record<Provider, string> = { openai: 'stop', anthropic: 'end_turn', google: 'STOP' };
const finishOf = (client: Client, provider: Provider) => (client === 'responses' && provider === 'openai' ? 'completed' : FINISH[provider]);

const PROTOCOL: Record<Client, 'openai' | 'anthropic' | 'gemini'> = {
  chat: 'openai',
  responses: 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
};

/** GET …/generation?id= with the key the way each protocol's clients send it. */
const LOOKUP: Record<'openai' | 'anthropic' | 'gemini', { path: string; auth: (key: string) => Record<string, string> }> = {
  openai: { path: '/v1/generation', auth: (key) => ({ authorization: `Bearer ${key}` }) },
  anthropic: { path: '/anthropic/v1/generation', auth: (key) => ({ 'x-api-key': key }) },
  gemini: { path: '/gemini/v1beta/generation', auth: (key) => ({ 'x-goog-api-key': key }) },
};

describe('Prices and the generation lookup: every token kind to the micro-dollar, on every protocol', () => {
  let proxy: AppProcess;
  let genai: GenAi;
  const models = {} as Record<Provider, string>;

  beforeAll(async () => {
    genai = await import('@google/genai');
    for (const provider of ['openai', 'anthropic', 'google'] as const) {
      const model = await createModel({
        provider,
        inputUsdPerMTok: '3.00',
        outputUsdPerMTok: '15.00',
        cachedInputUsdPerMTok: null,
        cacheWriteUsdPerMTok: null,
        markup: '1.2',
      });
      models[provider] = model.id;
    }
    proxy = await AppProcess.start('proxy');
  });

  afterAll(async () => {
    await proxy?.stop();
    await closeTestDb();
  });

  async function fundedKey(): Promise<{ accountId: string; key: string }> {
    const account = await createAccount({ balanceUsd: '10.00' });
    const { key } = await createApiKey(account.id);
    return { accountId: account.id, key };
  }

  function lookup(key: string, id: string, protocol: 'openai' | 'anthropic' | 'gemini' = 'openai', url = proxy.url): Promise<Response> {
    return fetch(`${url}${LOOKUP[protocol].path}?id=${encodeURIComponent(id)}`, { headers: LOOKUP[protocol].auth(key) });
  }

  /** One request through the client's official SDK; returns its generation id once the whole answer is read. */
  async function call(client: Client, key: string, model: string, stream: boolean, url = proxy.url): Promise<string> {
    if (client === 'chat' || client === 'responses') {
      const openai = new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
      if (client === 'chat') {
        const messages = [{ role: 'user' as const, content: TEXT }];
        if (!stream) {
          const { response } = await openai.chat.completions.create({ model, messages, max_tokens: 2000 }).withResponse();
          return response.headers.get('x-chuizi-generation-id')!;
        }
        const { data, response } = await openai.chat.completions
          .create({ model, messages, max_tokens: 2000, stream: true, stream_options: { include_usage: true } })
          .withResponse();
        for await (const _chunk of data);
        return response.headers.get('x-chuizi-generation-id')!;
      }
      if (!stream) {
        const { response } = await openai.responses.create({ model, input: TEXT, max_output_tokens: 2000 }).withResponse();
        return response.headers.get('x-chuizi-generation-id')!;
      }
      const { data, response } = await openai.responses.create({ model, input: TEXT, max_output_tokens: 2000, stream: true }).withResponse();
      for await (const _event of data);
      return response.headers.get('x-chuizi-generation-id')!;
    }
    if (client === 'anthropic') {
      const anthropic = new Anthropic({ apiKey: key, baseURL: `${url}/anthropic`, maxRetries: 0 });
      const params = { model, max_tokens: 2000, messages: [{ role: 'user' as const, content: TEXT }] };
      if (!stream) {
        const { response } = await anthropic.messages.create(params).withResponse();
        return response.headers.get('x-chuizi-generation-id')!;
      }
      const { data, response } = await anthropic.messages.create({ ...params, stream: true }).withResponse();
      for await (const _event of data);
      return response.headers.get('x-chuizi-generation-id')!;
    }
    const gemini: GoogleGenAI = new genai.GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: `${url}/gemini` } });
    const request = { model, contents: TEXT, config: { maxOutputTokens: 2000 } };
    if (!stream) {
      const response = await gemini.models.generateContent(request);
      return response.sdkHttpResponse!.headers!['x-chuizi-generation-id'];
    }
    let id = '';
    for await (const chunk of await gemini.models.generateContentStream(request)) {
      id = chunk.sdkHttpResponse!.headers!['x-chuizi-generation-id'];
    }
    return id;
  }

  const cases: [Client, Provider, boolean][] = [];
  for (const client of ['chat', 'responses', 'anthropic', 'gemini'] as const) {
    for (const provider of ['openai', 'anthropic', 'google'] as const) {
      for (const stream of [false, true]) cases.push([client, provider, stream]);
    }
  }

  it.each(cases)('%s client, %s model, stream %s: billed by the provider accounting, the same in the usage record and the lookup', async (client, provider, stream) => {
    const { accountId, key } = await fundedKey();
    const model = models[provider];
    const id = await call(client, key, model, stream);
    expect(id).toMatch(/^gen-/);
    const kinds = EXPECTED[provider];
    const charged = cost(CHARGED, kinds);
    const upstream = cost(UPSTREAM, kinds);

    const record = await usageOf(id);
    expect(record).toMatchObject({
      model,
      provider,
      protocol: PROTOCOL[client],
      stream,
      status: 200,
      outcome: 'completed',
      inputTokens: kinds.input,
      cachedInputTokens: kinds.cached,
      cacheWriteTokens: kinds.write,
      outputTokens: kinds.output,
      costMicros: charged,
      upstreamCostMicros: upstream,
      usageEstimated: false,
      finishReason: finishOf(client, provider),
    });
    expect(record!.reasoningTokens ?? 0).toBe(kinds.reasoning);
    expect(await chargeProblems(accountId, 10_000_000n, charged)).toEqual([]);

    const answer = await lookup(key, id, PROTOCOL[client]);
    expect(answer.status).toBe(200);
    const { data } = (await answer.json()) as { data: Record<string, unknown> };
    expect(data).toEqual({
      id,
      model,
      requestedModel: model,
      provider,
      protocol: PROTOCOL[client],
      stream,
      status: 200,
      outcome: 'completed',
      settled: true,
      inputTokens: kinds.input,
      outputTokens: kinds.output,
      cachedInputTokens: kinds.cached,
      cacheWriteTokens: kinds.write,
      reasoningTokens: kinds.reasoning,
      costUsd: usd(charged),
      upstreamCostUsd: usd(upstream),
      latencyMs: expect.any(Number),
      finishReason: finishOf(client, provider),
      createdAt: record!.createdAt.toISOString(),
    });
  });

  it('lists the charged prices (upstream x 1.2, cache defaults), the markup and the upstream prices on every models endpoint', async () => {
    const { key } = await fundedKey();
    const prices = {
      inputUsdPerMTok: '3.600000',
      outputUsdPerMTok: '18.000000',
      cachedInputUsdPerMTok: '0.360000',
      cacheWriteUsdPerMTok: '4.500000',
      markup: '1.2',
      upstream: { inputUsdPerMTok: '3.000000', outputUsdPerMTok: '15.000000', cachedInputUsdPerMTok: '0.300000', cacheWriteUsdPerMTok: '3.750000' },
    };
    const openai = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    expect(await openai.models.retrieve(models.openai)).toMatchObject({ id: models.openai, ...prices });
    const listed: unknown[] = [];
    for await (const model of openai.models.list()) if (model.id === models.openai) listed.push(model);
    expect(listed).toEqual([expect.objectContaining({ id: models.openai, ...prices })]);

    const anthropic = new Anthropic({ apiKey: key, baseURL: `${proxy.url}/anthropic`, maxRetries: 0 });
    expect(await anthropic.models.retrieve(models.anthropic)).toMatchObject({ id: models.anthropic, ...prices });

    const bare = models.google.slice('google/'.length);
    const gemini = await fetch(`${proxy.url}/gemini/v1beta/models/${bare}`, { headers: { 'x-goog-api-key': key } });
    expect(await gemini.json()).toMatchObject({ name: `models/${bare}`, ...prices });
  });

  it("shows a generation to every key of its account, and to no other account (a 404 in the caller's format)", async () => {
    const owner = await fundedKey();
    const sibling = await createApiKey(owner.accountId);
    const stranger = await fundedKey();
    const id = await call('chat', owner.key, models.openai, false);
    await usageOf(id);

    const bySibling = await lookup(sibling.key, id);
    expect(bySibling.status).toBe(200);
    expect(((await bySibling.json()) as { data: { id: string } }).data.id).toBe(id);

    const message = `The generation '${id}' does not exist`;
    const openai = await lookup(stranger.key, id, 'openai');
    expect(openai.status).toBe(404);
    expect(await openai.json()).toMatchObject({ error: { type: 'not_found', message } });
    const anthropic = await lookup(stranger.key, id, 'anthropic');
    expect(anthropic.status).toBe(404);
    expect(await anthropic.json()).toEqual({ type: 'error', error: { type: 'not_found', message } });
    const gemini = await lookup(stranger.key, id, 'gemini');
    expect(gemini.status).toBe(404);
    expect(await gemini.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND', message } });

    // An id that never existed reads the same as a foreign one.
    const unknown = await lookup(owner.key, 'gen-00000000000000000000000000');
    expect(unknown.status).toBe(404);
  });

  it('writes the usage record of a request naming a model with a NUL in it (and of the requests written with it)', async () => {
    // PostgreSQL text cannot hold U+0000: the batched INSERT failed, losing this record and every one batched with it.
    const { key } = await fundedKey();
    const refused = (model: string, path = '/v1/chat/completions') =>
      fetch(`${proxy.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(path.startsWith('/gemini/') ? { contents: [{ parts: [{ text: TEXT }] }] } : { model, messages: [{ role: 'user', content: TEXT }] }),
      });
    const answers = await Promise.all([
      refused('no-such\u0000model'),
      refused('no-such-model'),
      refused('', '/gemini/v1beta/models/gemini%00x:generateContent'),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404]);
    const [withNul, plain, inPath] = await Promise.all(answers.map((answer) => usageOf(answer.headers.get('x-chuizi-generation-id')!)));
    expect(withNul).toMatchObject({ requestedModel: 'no-such\uFFFDmodel', status: 404, costMicros: 0n });
    expect(plain).toMatchObject({ requestedModel: 'no-such-model', status: 404, costMicros: 0n });
    expect(inPath).toMatchObject({ requestedModel: 'gemini\uFFFDx', status: 404, costMicros: 0n });
  });

  it('refuses a lookup without an id (400 naming the parameter) and one without a key (401)', async () => {
    const { key } = await fundedKey();
    const missing = await fetch(`${proxy.url}/v1/generation`, { headers: { authorization: `Bearer ${key}` } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringMatching(/^id: /) } });
    const anonymous = await fetch(`${proxy.url}/v1/generation?id=gen-x`);
    expect(anonymous.status).toBe(401);
  });

  it('answers "settled": false with what the proxy knew as soon as the response ended, while PostgreSQL is out of reach', async () => {
    // A proxy of its own reaching PostgreSQL through a relay the test cuts once the request holds its money.
    const relay = TcpRelay.to(TEST_DATABASE_URL, 5432);
    await relay.open();
    const cut = await AppProcess.start('proxy', { DATABASE_URL: relay.through(TEST_DATABASE_URL) });
    let worker: AppProcess | undefined;
    try {
      const { key } = await fundedKey();
      const openai = new OpenAI({ apiKey: key, baseURL: `${cut.url}/v1`, maxRetries: 0 });
      const { data, response } = await openai.chat.completions
        .create({
          model: models.openai,
          messages: [{ role: 'user', content: TEXT }],
          max_tokens: 2000,
          stream: true,
          stream_options: { include_usage: true },
        })
        .withResponse();
      const id = response.headers.get('x-chuizi-generation-id')!;
      let first = true;
      for await (const _chunk of data) {
        if (first) await relay.cut(); // the hold is placed; its settlement cannot reach PostgreSQL now
        first = false;
      }
      const kinds = EXPECTED.openai;
      const answer = await lookup(key, id, 'openai', cut.url);
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { data: unknown }).data).toMatchObject({
        id,
        settled: false,
        status: 200,
        outcome: 'completed',
        inputTokens: kinds.input,
        cachedInputTokens: kinds.cached,
        outputTokens: kinds.output,
        reasoningTokens: kinds.reasoning,
        costUsd: usd(cost(CHARGED, kinds)),
        upstreamCostUsd: usd(cost(UPSTREAM, kinds)),
      });

      await relay.open();
      // The proxy retried the settlement briefly, then queued it for the worker (PostgreSQL store); on the wallet the
      // ledger writer writes it. Once it lands, the lookup reads it from PostgreSQL.
      worker = await AppProcess.start('worker');
      const settled = await waitFor(async () => {
        const again = (await (await lookup(key, id, 'openai', cut.url)).json()) as { data?: { settled: boolean } };
        return again.data?.settled === true ? again.data : undefined;
      });
      expect(settled).toMatchObject({ id, costUsd: usd(cost(CHARGED, kinds)) });
    } finally {
      await worker?.stop();
      await cut.stop();
      await relay.cut();
    }
  });
  // The wallet's settlements reach PostgreSQL through its ledger writer, in batches: with no writer on the proxy's
  // key prefix (a paused writer), the lookup answers from the record the proxy kept, until the writer catches up.
  (TEST_BILLING_STORE === 'wallet' ? describe : describe.skip)('on the wallet, with its ledger writer paused', () => {
    const PAUSED = 'gp';
    const writer = useWalletHarness(PAUSED);

    it('answers "settled": false until the writer writes the settlement, then the settled record', async () => {
      const paused = await AppProcess.start('proxy', { REDIS_KEY_PREFIX: walletPrefix(PAUSED) });
      try {
        const { accountId, key } = await fundedKey();
        const id = await call('anthropic', key, models.anthropic, true, paused.url);
        const kinds = EXPECTED.anthropic;
        const expected = {
          id,
          status: 200,
          outcome: 'completed',
          provider: 'anthropic',
          protocol: 'anthropic',
          stream: true,
          inputTokens: kinds.input,
          cachedInputTokens: kinds.cached,
          cacheWriteTokens: kinds.write,
          outputTokens: kinds.output,
          costUsd: usd(cost(CHARGED, kinds)),
          upstreamCostUsd: usd(cost(UPSTREAM, kinds)),
        };
        const before = await lookup(key, id, 'anthropic', paused.url);
        expect(before.status).toBe(200);
        expect(((await before.json()) as { data: unknown }).data).toMatchObject({ ...expected, settled: false });

        await writer.flush();
        const after = await lookup(key, id, 'anthropic', paused.url);
        expect(((await after.json()) as { data: unknown }).data).toMatchObject({ ...expected, settled: true });
        expect((await usageOf(id))!.accountId).toBe(accountId);
      } finally {
        await paused.stop();
      }
    });
  });
});
