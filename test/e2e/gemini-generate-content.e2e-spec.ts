import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countDeliveredTokens } from '../../libs/billing/src';
import type { GenerateContentResponse, GoogleGenAI } from '@google/genai' with { 'resolution-mode': 'import' };
import { getGlobalDispatcher } from 'undici';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { closedPortUrl } from '../support/closed-port';
import { sampleValue, scrape } from '../support/prometheus-text';
import { mockRequestWith } from '../support/mock-control';
import { demoCost, reservationCount, settledBooks, usageOf } from '../support/settlement';
import { closeTestDb } from '../support/test-db';
import { sharedMockUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// The package's typings are ES-module only: this CommonJS spec loads it with import().
type GenAi = typeof import('@google/genai', { with: { 'resolution-mode': 'import' } });
// The SDK asks for fetch's dispatcher on the real global object, which Jest's sandbox does not share.
getGlobalDispatcher();

const FLASH = 'google/gemini-2.5-flash';
const nonce = () => `nonce-${randomBytes(6).toString('hex')}`;
const WEATHER = {
  functionDeclarations: [
    { name: 'get_weather', description: 'The weather in a city', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } },
  ],
};

describe('Gemini generateContent, streamGenerateContent, countTokens (@google/genai, real PostgreSQL, Redis and mock upstream)', () => {
  let proxy: AppProcess;
  let genai: GenAi;

  beforeAll(async () => {
    genai = await import('@google/genai');
    proxy = await AppProcess.start('proxy');
  });

  afterAll(async () => {
    await proxy?.stop();
    await closeTestDb();
  });

  /** The SDK as its users point it at the gateway: the key in x-goog-api-key, or (Bearer) in Authorization. */
  const client = (key: string, via: 'x-goog-api-key' | 'bearer' = 'x-goog-api-key'): GoogleGenAI =>
    via === 'bearer'
      ? new genai.GoogleGenAI({ apiKey: 'not-the-key', httpOptions: { baseUrl: `${proxy.url}/gemini`, headers: { Authorization: `Bearer ${key}` } } })
      : new genai.GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: `${proxy.url}/gemini` } });

  async function fundedKey(options: Parameters<typeof createApiKey>[1] = {}) {
    const account = await createAccount({ balanceUsd: '10.00' });
    const { key } = await createApiKey(account.id, options);
    return { account, key };
  }

  const generationId = (response: GenerateContentResponse) => response.sdkHttpResponse!.headers!['x-chuizi-generation-id'];

  describe.each(['x-goog-api-key', 'bearer'] as const)('authenticated with %s', (via) => {
    it('answers with the system instruction read, and charges exactly usageMetadata x price', async () => {
      const { account, key } = await fundedKey();
      const response = await client(key, via).models.generateContent({
        model: 'gemini-2.5-flash',
        contents: 'one two three mock:output_tokens=30',
        config: { systemInstruction: 'answer briefly' },
      });
      expect(response.text!.split(' ')).toHaveLength(30);
      expect(response.candidates![0].finishReason).toBe(genai.FinishReason.STOP);
      // The mock counts words: 2 of the system instruction, 4 of the message.
      expect(response.usageMetadata).toMatchObject({ promptTokenCount: 6, candidatesTokenCount: 30 });
      expect(response.sdkHttpResponse!.headers!['x-request-id']).toBeTruthy();

      const usage = await usageOf(generationId(response));
      expect(usage).toMatchObject({
        protocol: 'gemini',
        endpoint: 'generate_content',
        model: FLASH,
        requestedModel: 'gemini-2.5-flash',
        stream: false,
        status: 200,
        outcome: 'completed',
        inputTokens: 6,
        outputTokens: 30,
        usageEstimated: false,
      });
      expect(usage.costMicros).toBe(demoCost(FLASH, { input: 6, output: 30 }));
      const books = await settledBooks(account.id);
      expect(books.balance).toBe(10_000_000n - usage.costMicros);
      expect(books.ledgerSum).toBe(books.balance);
    });

    it('streams the chunks (alt=sse) and settles on the last usageMetadata', async () => {
      const { account, key } = await fundedKey();
      const stream = await client(key, via).models.generateContentStream({
        model: FLASH,
        contents: 'stream please mock:output_tokens=12',
      });
      const chunks: GenerateContentResponse[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.map((chunk) => chunk.text ?? '').join('').split(' ')).toHaveLength(12);
      const last = chunks[chunks.length - 1];
      expect(last.candidates![0].finishReason).toBe(genai.FinishReason.STOP);
      expect(last.usageMetadata).toMatchObject({ promptTokenCount: 3, candidatesTokenCount: 12 });

      const usage = await usageOf(generationId(last));
      expect(usage).toMatchObject({ protocol: 'gemini', stream: true, outcome: 'completed', inputTokens: 3, outputTokens: 12, usageEstimated: false });
      expect(usage.costMicros).toBe(demoCost(FLASH, { input: 3, output: 12 }));
      expect((await settledBooks(account.id)).balance).toBe(10_000_000n - usage.costMicros);
    });
  });

  it('bills thoughts at the output price and cached content at the cached price, each token once', async () => {
    const { account, key } = await fundedKey();
    const response = await client(key).models.generateContent({
      model: FLASH,
      contents: 'think a b c d e f mock:output_tokens=10 mock:reasoning_tokens=7 mock:cached_tokens=4',
      config: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: false }, maxOutputTokens: 500 },
    });
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 10, candidatesTokenCount: 10, thoughtsTokenCount: 7, cachedContentTokenCount: 4 });
    const usage = await usageOf(generationId(response));
    expect(usage).toMatchObject({ inputTokens: 10, cachedInputTokens: 4, outputTokens: 17 });
    expect(usage.costMicros).toBe(demoCost(FLASH, { input: 10, cachedInput: 4, output: 17 }));
    expect((await settledBooks(account.id)).balance).toBe(10_000_000n - usage.costMicros);
  });

  it('round-trips a function call: the call, then its response, each billed', async () => {
    const { key } = await fundedKey();
    const ai = client(key);
    const question = { role: 'user', parts: [{ text: 'weather in Paris? mock:tool_call' }] };
    const first = await ai.models.generateContent({ model: FLASH, contents: [question], config: { tools: [WEATHER] } });
    const call = first.functionCalls![0];
    expect(call).toMatchObject({ name: 'get_weather', args: { mock: true } });
    const second = await ai.models.generateContent({
      model: FLASH,
      contents: [
        question,
        { role: 'model', parts: [{ functionCall: call }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { celsius: 21 } } }] },
      ],
      config: { tools: [WEATHER] },
    });
    expect(second.text).toContain('mock reply');
    for (const response of [first, second]) {
      expect(await usageOf(generationId(response))).toMatchObject({ protocol: 'gemini', outcome: 'completed', status: 200 });
    }
  });

  it("sends the hold's output limit upstream when the client sets none, under the channel's key and never the client's", async () => {
    const { key } = await fundedKey();
    const marker = nonce();
    const response = await fetch(`${proxy.url}/gemini/v1beta/models/google%2Fgemini-2.5-flash:generateContent?key=${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: `${marker} mock:output_tokens=2` }] }], futureField: { kept: true } }),
    });
    expect(response.status).toBe(200);
    const seen = (await mockRequestWith(sharedMockUrl(), marker))!;
    expect(seen.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(seen.body.generationConfig).toEqual({ maxOutputTokens: 65_536 });
    expect(seen.body.futureField).toEqual({ kept: true });
    expect(JSON.stringify(seen.headers)).not.toContain(key);
    expect(seen.headers['x-goog-api-key']).toBeTruthy();
  });

  it('streams a growing JSON array without alt=sse, with the ids on the response', async () => {
    const { account, key } = await fundedKey();
    const response = await fetch(`${proxy.url}/gemini/v1beta/models/google/gemini-2.5-flash:streamGenerateContent?key=${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'array mock:output_tokens=3' }] }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const chunks = JSON.parse(await response.text()) as GenerateContentResponse[];
    expect(chunks).toHaveLength(4);
    expect(chunks[3].candidates![0].finishReason).toBe('STOP');
    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ stream: true, outcome: 'completed', inputTokens: 2, outputTokens: 3 });
    expect((await settledBooks(account.id)).balance).toBe(10_000_000n - demoCost(FLASH, { input: 2, output: 3 }));
  });

  it('answers generateContent with one JSON answer even when the body carries a stream field', async () => {
    const { key } = await fundedKey();
    const response = await fetch(`${proxy.url}/gemini/v1beta/models/google/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'once mock:output_tokens=3' }] }], stream: true }),
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as GenerateContentResponse;
    expect(Array.isArray(answer)).toBe(false);
    expect(answer.candidates![0].finishReason).toBe('STOP');
    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ stream: false, outcome: 'completed', outputTokens: 3 });
  });

  it('settles a stream cut by the provider on what was delivered, ending it with an error chunk', async () => {
    const { account, key } = await fundedKey();
    const response = await fetch(`${proxy.url}/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'cut mock:output_tokens=20 mock:drop_after=3' }] }] }),
    });
    const frames = (await response.text()).split(/\r?\n\r?\n/).filter(Boolean).map((frame) => JSON.parse(frame.slice('data: '.length)));
    expect(frames).toHaveLength(4);
    expect(frames[3]).toEqual({
      error: { code: 502, message: 'The upstream provider closed the stream before it was complete', status: 'INTERNAL' },
    });
    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    // The last chunk delivered reported 3 candidate tokens (Gemini's counts are cumulative) and the prompt's 3.
    expect(usage).toMatchObject({ outcome: 'upstream_dropped', usageEstimated: true, inputTokens: 3, outputTokens: 3 });
    expect(usage.costMicros).toBe(demoCost(FLASH, { input: 3, output: 3 }));
    const books = await settledBooks(account.id);
    expect(books.balance).toBe(10_000_000n - usage.costMicros);
    expect(await reservationCount(account.id)).toBe(1);
  });

  it("ends a stream the provider fails mid-way with Google's error object, the JSON array still valid JSON", async () => {
    const { account, key } = await fundedKey();
    const response = await fetch(`${proxy.url}/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?key=${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'fail mock:output_tokens=20 mock:fail_after=2' }] }] }),
    });
    const elements = JSON.parse(await response.text()) as object[];
    expect(elements).toHaveLength(3);
    expect(elements[2]).toEqual({ error: { code: 502, message: 'The upstream provider reported an error mid-stream', status: 'INTERNAL' } });
    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ outcome: 'upstream_dropped', errorType: 'upstream_error', inputTokens: 3, outputTokens: 2 });
    expect((await settledBooks(account.id)).balance).toBe(10_000_000n - demoCost(FLASH, { input: 3, output: 2 }));
  });

  it('settles a stream the client leaves on what it received', async () => {
    const { account, key } = await fundedKey();
    const controller = new AbortController();
    const stream = await new genai.GoogleGenAI({
      apiKey: key,
      httpOptions: { baseUrl: `${proxy.url}/gemini` },
    }).models.generateContentStream({
      model: FLASH,
      contents: 'leave early mock:output_tokens=200 mock:chunk_delay_ms=20',
      config: { abortSignal: controller.signal },
    });
    let chunks = 0;
    let id = '';
    await (async () => {
      for await (const chunk of stream) {
        id ||= chunk.sdkHttpResponse?.headers?.['x-chuizi-generation-id'] ?? '';
        // The client leaves here: it reads nothing more, whatever the SDK had already parsed from the same read.
        if (++chunks === 3) {
          controller.abort();
          break;
        }
      }
    })().catch(() => undefined);
    expect(chunks).toBe(3);
    const usage = await usageOf(id);
    // Each chunk's usageMetadata counts everything up to it: what the client had when it left, give or take the chunk
    // in flight.
    expect(usage).toMatchObject({ stream: true, outcome: 'client_aborted', usageEstimated: true, inputTokens: 4 });
    expect(usage.outputTokens).toBeGreaterThanOrEqual(3);
    expect(usage.outputTokens).toBeLessThan(10);
    expect(usage.costMicros).toBe(demoCost(FLASH, { input: 4, output: usage.outputTokens }));
    expect((await settledBooks(account.id)).balance).toBe(10_000_000n - usage.costMicros);
  });

  describe("a cut stream whose usageMetadata leaves candidatesTokenCount out, as Google's chunks before the last do", () => {
    // Google sends usageMetadata with every chunk, but its candidatesTokenCount only with the last: a stream cut before
    // it was settled on that metadata alone, charging the thoughts and none of the text the client had received.
    const PIECES = ['Hello', ' there', ' my', ' friend'];
    const METADATA = { promptTokenCount: 5, totalTokenCount: 12, thoughtsTokenCount: 7 };
    let upstream: Server;
    let modelId: string;

    beforeAll(async () => {
      upstream = createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          for (const text of PIECES) {
            const chunk = { candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0 }], usageMetadata: METADATA };
            response.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
          }
          setTimeout(() => response.socket?.destroy(), 50);
        });
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      const model = await createModel({
        provider: 'google',
        upstreamUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
        inputUsdPerMTok: '1.00',
        outputUsdPerMTok: '10.00',
        markup: '1',
      });
      modelId = model.id;
    });

    afterAll(async () => {
      await new Promise((resolve) => upstream?.close(resolve));
    });

    const delivered = PIECES.reduce((sum, piece) => sum + countDeliveredTokens(piece), 0);
    const output = delivered + METADATA.thoughtsTokenCount;
    // 5 input at USD 1, the text delivered and the 7 thoughts at USD 10 per MTok.
    const cost = BigInt(Math.ceil((5 * 1_000_000 + output * 10_000_000) / 1_000_000));

    it.each([
      ['gemini', (id: string) => `/gemini/v1beta/models/${encodeURIComponent(id)}:streamGenerateContent?alt=sse`, (key: string) => ({ 'x-goog-api-key': key })],
      ['openai chat (translated)', () => '/v1/chat/completions', (key: string) => ({ authorization: `Bearer ${key}` })],
    ] as const)('%s client: charged the text delivered on top of the thoughts the provider reported', async (_label, path, auth) => {
      const { account, key } = await fundedKey();
      const body = path(modelId).startsWith('/gemini/')
        ? { contents: [{ parts: [{ text: 'tell me' }] }] }
        : { model: modelId, stream: true, messages: [{ role: 'user', content: 'tell me' }] };
      const response = await fetch(`${proxy.url}${path(modelId)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth(key) },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      const text = await response.text();
      for (const piece of PIECES) expect(text).toContain(piece);
      const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
      expect(usage).toMatchObject({ outcome: 'upstream_dropped', inputTokens: 5, outputTokens: output, reasoningTokens: 7, costMicros: cost });
      expect((await settledBooks(account.id)).balance).toBe(10_000_000n - cost);
    });
  });

  it('fails over to the next channel before the first byte, and bills the request once', async () => {
    const model = await createModel({
      provider: 'google',
      channels: [
        { upstreamUrl: await closedPortUrl(), priority: 0 },
        { upstreamUrl: sharedMockUrl(), priority: 1 },
      ],
      markup: null,
    });
    const { account, key } = await fundedKey();
    const response = await client(key).models.generateContent({ model: model.id, contents: 'fail over mock:output_tokens=4' });
    expect(response.text!.split(' ')).toHaveLength(4);
    const usage = await usageOf(generationId(response));
    expect(usage).toMatchObject({ outcome: 'completed', attempts: 2, inputTokens: 3, outputTokens: 4 });
    const books = await settledBooks(account.id);
    expect(books.balance).toBe(10_000_000n - usage.costMicros);
    expect(await reservationCount(account.id)).toBe(1);
  });

  it('counts tokens for free: authenticated, usage-recorded, nothing held or charged', async () => {
    const { account, key } = await fundedKey();
    const response = await client(key).models.countTokens({ model: FLASH, contents: 'count these four words' });
    expect(response.totalTokens).toBe(4);
    const raw = await fetch(`${proxy.url}/gemini/v1beta/models/gemini-2.5-flash:countTokens?key=${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ generateContentRequest: { contents: [{ parts: [{ text: 'a b' }] }], systemInstruction: { parts: [{ text: 'c' }] } } }),
    });
    expect(await raw.json()).toMatchObject({ totalTokens: 3 });
    const usage = await usageOf(raw.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ protocol: 'gemini', endpoint: 'count_tokens', status: 200, costMicros: 0n, reservedMicros: 0n });
    expect(await reservationCount(account.id)).toBe(0);
    expect((await settledBooks(account.id)).balance).toBe(10_000_000n);
  });

  it("lists the key's usable google models in Google's shape, with page tokens, and gets one", async () => {
    const { key } = await fundedKey();
    const ai = client(key);
    const names: string[] = [];
    const pager = await ai.models.list({ config: { pageSize: 1 } });
    for await (const model of pager) names.push(model.name!);
    expect(names).toEqual(expect.arrayContaining(['models/gemini-2.5-flash', 'models/gemini-2.5-pro']));
    // Google models only (other suites add google models of their own), each once.
    expect(names.filter((name) => /gpt|claude|embedding/.test(name))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);

    const model = await ai.models.get({ model: 'gemini-2.5-flash' });
    expect(model).toMatchObject({ name: 'models/gemini-2.5-flash', inputTokenLimit: 1_048_576, outputTokenLimit: 65_536 });
    expect(model.supportedActions ?? (model as { supportedGenerationMethods?: string[] }).supportedGenerationMethods).toEqual(
      expect.arrayContaining(['generateContent', 'countTokens']),
    );

    const { key: proOnly } = await fundedKey({ allowedModels: ['google/gemini-2.5-pro'] });
    const page = await (await fetch(`${proxy.url}/gemini/v1beta/models?key=${proOnly}`)).json();
    expect(page).toEqual({ models: [expect.objectContaining({ name: 'models/gemini-2.5-pro' })] });
    const slash = await fetch(`${proxy.url}/gemini/v1beta/models/google/gemini-2.5-pro`, { headers: { 'x-goog-api-key': proOnly } });
    expect(await slash.json()).toMatchObject({ name: 'models/gemini-2.5-pro' });

    // A model of another provider, which a Gemini request may call through translation, is found by its canonical id.
    expect(await ai.models.get({ model: 'openai/gpt-4.1-mini' })).toMatchObject({ name: 'models/openai/gpt-4.1-mini' });
    const outside = await fetch(`${proxy.url}/gemini/v1beta/models/openai%2Fgpt-4.1-mini`, { headers: { 'x-goog-api-key': proOnly } });
    expect(outside.status).toBe(404);
  });

  it('counts its requests by protocol and endpoint in the metrics', async () => {
    const { key } = await fundedKey();
    await client(key).models.generateContent({ model: FLASH, contents: 'metrics mock:output_tokens=1' });
    const labels = { protocol: 'gemini', endpoint: 'generate_content', model: FLASH, status: '200' };
    // Counted once the response is over (a moment after the client has it).
    const count = await waitFor(async () => sampleValue(await scrape(proxy.url), 'gw_requests_total', labels));
    expect(count).toBeGreaterThanOrEqual(1);
  });
});
