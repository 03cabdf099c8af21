import type { GoogleGenAI } from '@google/genai' with { 'resolution-mode': 'import' };
import { getGlobalDispatcher } from 'undici';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { settledBooks, usageOf } from '../support/settlement';
import { closeTestDb } from '../support/test-db';
import { sharedMockUrl } from '../support/test-env';

type GenAi = typeof import('@google/genai', { with: { 'resolution-mode': 'import' } });
getGlobalDispatcher();

interface GoogleError {
  error: { code: number; message: string; status: string };
}

describe("every error of the contract in Google's format (@google/genai and raw HTTP)", () => {
  let proxy: AppProcess;
  let genai: GenAi;
  let slowModel: string;

  beforeAll(async () => {
    genai = await import('@google/genai');
    slowModel = (await createModel({ provider: 'google', upstreamUrl: sharedMockUrl(), timeoutS: 1 })).id;
    proxy = await AppProcess.start('proxy', { LOG_LEVEL: 'trace' });
  });

  afterAll(async () => {
    await proxy?.stop();
    await closeTestDb();
  });

  async function fundedKey(options: Parameters<typeof createApiKey>[1] = {}, balanceUsd = '10.00') {
    const account = await createAccount({ balanceUsd });
    const { key } = await createApiKey(account.id, options);
    return { account, key };
  }

  const client = (key: string): GoogleGenAI => new genai.GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: `${proxy.url}/gemini` } });

  /** The SDK's ApiError for a call that must fail: its status and the Google error body it carries. */
  async function sdkFailure(call: Promise<unknown>): Promise<{ status: number; body: GoogleError }> {
    const error = await call.then(
      () => {
        throw new Error('the call succeeded');
      },
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(genai.ApiError);
    const apiError = error as InstanceType<GenAi['ApiError']>;
    return { status: apiError.status, body: JSON.parse(apiError.message) as GoogleError };
  }

  /** A raw call: every answer, errors included, carries the generation and request ids. */
  async function raw(path: string, init: RequestInit = {}) {
    const response = await fetch(`${proxy.url}${path}`, init);
    expect(response.headers.get('x-chuizi-generation-id')).toMatch(/^gen-/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const text = await response.text();
    return { response, body: JSON.parse(text) as GoogleError };
  }

  const generate = (key: string, text = 'hello', model = 'gemini-2.5-flash', config = {}) =>
    client(key).models.generateContent({ model, contents: text, config });

  const expectUntouched = async (accountId: string, balance = 10_000_000n) =>
    expect(await settledBooks(accountId)).toEqual({ balance, reserved: 0n, ledgerSum: balance, openHolds: 0n });

  it('401 UNAUTHENTICATED for a wrong key, however it is sent, and for none', async () => {
    const wrong = 'ck-00000000000000000000000000000000';
    expect(await sdkFailure(generate(wrong))).toEqual({
      status: 401,
      body: { error: { code: 401, message: 'Invalid API key', status: 'UNAUTHENTICATED' } },
    });
    const body = JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }] });
    const keyHeaders: Record<string, string>[] = [{ authorization: `Bearer ${wrong}` }, {}, { 'x-api-key': wrong }];
    for (const headers of keyHeaders) {
      const { response, body: error } = await raw('/gemini/v1beta/models/gemini-2.5-flash:generateContent', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      expect(response.status).toBe(401);
      expect(error).toEqual({ error: { code: 401, message: 'Invalid API key', status: 'UNAUTHENTICATED' } });
    }
    const listed = await raw(`/gemini/v1beta/models?key=${wrong}`);
    expect(listed.response.status).toBe(401);
  });

  it('prefers Authorization over x-goog-api-key over ?key=', async () => {
    const { key } = await fundedKey();
    const wrong = 'ck-00000000000000000000000000000000';
    const cases: [Record<string, string>, string, number][] = [
      [{ authorization: `Bearer ${key}`, 'x-goog-api-key': wrong }, `?key=${wrong}`, 200],
      [{ authorization: `Bearer ${wrong}`, 'x-goog-api-key': key }, `?key=${key}`, 401],
      [{ 'x-goog-api-key': key }, `?key=${wrong}`, 200],
      [{ 'x-goog-api-key': wrong }, `?key=${key}`, 401],
    ];
    for (const [headers, query, status] of cases) {
      const response = await fetch(`${proxy.url}/gemini/v1beta/models${query}`, { headers });
      expect(response.status).toBe(status);
    }
  });

  it('402 FAILED_PRECONDITION with the balance message when the balance is below the hold', async () => {
    const { account, key } = await fundedKey({}, '0.00');
    // The hold: 65,536 output tokens at 2.625 per MTok (2.50 x 1.05), $0.172, plus the input.
    const { status, body } = await sdkFailure(generate(key));
    expect(status).toBe(402);
    expect(body).toEqual({
      error: { code: 402, message: 'Insufficient balance. Current: $0.00, Required: $0.17', status: 'FAILED_PRECONDITION' },
    });
    await expectUntouched(account.id, 0n);
  });

  it("403 PERMISSION_DENIED for a model outside the key's allow-list", async () => {
    const { account, key } = await fundedKey({ allowedModels: ['google/gemini-2.5-pro'] });
    expect(await sdkFailure(generate(key))).toEqual({
      status: 403,
      body: { error: { code: 403, message: "This API key is not allowed to use the model 'gemini-2.5-flash'", status: 'PERMISSION_DENIED' } },
    });
    await expectUntouched(account.id);
  });

  it('404 NOT_FOUND for an unknown model, an unknown method and an unknown path', async () => {
    const { key } = await fundedKey();
    expect(await sdkFailure(generate(key, 'hi', 'gemini-0-nope'))).toEqual({
      status: 404,
      body: { error: { code: 404, message: "The model 'gemini-0-nope' does not exist or is not available", status: 'NOT_FOUND' } },
    });
    expect((await sdkFailure(client(key).models.get({ model: 'gemini-0-nope' }))).status).toBe(404);
    const method = await raw(`/gemini/v1beta/models/gemini-2.5-flash:embedContent?key=${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(method.response.status).toBe(404);
    expect(method.body.error.status).toBe('NOT_FOUND');
    expect((await raw('/gemini/v1/nothing')).body.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
  });

  it('429 RESOURCE_EXHAUSTED with Retry-After and the rate-limit headers once the key is over its RPM', async () => {
    const { key } = await fundedKey({ rpmLimit: 1 });
    await generate(key);
    const { response, body } = await raw(`/gemini/v1beta/models/gemini-2.5-flash:countTokens?key=${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'x' }] }] }),
    });
    expect(response.status).toBe(429);
    const retryAfter = response.headers.get('retry-after')!;
    expect(retryAfter).toMatch(/^\d+$/);
    expect(body).toEqual({ error: { code: 429, message: `Rate limit exceeded. Retry after ${retryAfter} seconds.`, status: 'RESOURCE_EXHAUSTED' } });
    expect(response.headers.get('x-ratelimit-limit')).toBe('1');
  });

  it('400 INVALID_ARGUMENT for a bad body, naming the field, and for a feature a model of another provider cannot honour, naming it', async () => {
    const { account, key } = await fundedKey();
    const bad = await raw(`/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=${key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'system', parts: [{ text: 'x' }] }] }),
    });
    expect(bad.response.status).toBe(400);
    expect(bad.body).toEqual({
      error: { code: 400, message: "Invalid value for 'contents.0.role': must be one of 'user' or 'model'", status: 'INVALID_ARGUMENT' },
    });
    // A model of another protocol is translated, and what its provider cannot honour is refused, naming it.
    expect(await sdkFailure(generate(key, 'hi', 'openai/gpt-4.1-mini', { topK: 5 }))).toEqual({
      status: 400,
      body: { error: { code: 400, message: expect.stringMatching(/^topK cannot be translated to the OpenAI Chat Completions API/), status: 'INVALID_ARGUMENT' } },
    });
    await expectUntouched(account.id);
  });

  it.each([
    [502, 'INTERNAL', 'mock:status=500', 'The upstream provider returned an error (HTTP 500)'],
    [502, 'INTERNAL', 'mock:invalid_json', 'The upstream provider returned an invalid response (not JSON)'],
    [503, 'UNAVAILABLE', 'mock:status=503', 'The upstream provider is overloaded; retry later'],
    [400, 'INVALID_ARGUMENT', 'mock:status=400', expect.stringContaining('mock:status=400')],
  ])('%i %s for the provider failing (%s), nothing charged', async (status, name, marker, message) => {
    const { account, key } = await fundedKey();
    const failure = await sdkFailure(generate(key, marker));
    expect(failure).toEqual({ status, body: { error: { code: status, message, status: name } } });
    await expectUntouched(account.id);
  });

  it.each([false, true])('504 DEADLINE_EXCEEDED when the model timeout passes without an answer (stream: %s)', async (stream) => {
    const { account, key } = await fundedKey();
    const ai = client(key);
    const request = { model: slowModel, contents: 'mock:stall' };
    const call = stream
      ? ai.models.generateContentStream(request).then(async (chunks) => {
          for await (const _chunk of chunks);
        })
      : ai.models.generateContent(request);
    expect(await sdkFailure(call)).toEqual({
      status: 504,
      body: { error: { code: 504, message: 'Request timed out after 1 seconds', status: 'DEADLINE_EXCEEDED' } },
    });
    await expectUntouched(account.id);
  });

  it('malformed JSON in the same format, after authentication and admission (sizes and the rest: the bad-input corpus)', async () => {
    const { key } = await fundedKey({ rpmLimit: 10 });
    const malformed = (apiKey: string) =>
      raw(`/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=${apiKey}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"contents": [',
      });
    const remaining: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { response, body } = await malformed(key);
      expect(response.status).toBe(400);
      expect(body).toEqual({ error: { code: 400, message: 'Request body is not valid JSON', status: 'INVALID_ARGUMENT' } });
      expect(response.headers.get('x-ratelimit-limit')).toBe('10');
      remaining.push(response.headers.get('x-ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['9', '8']);
    // A well-formed key that is not one: its 401 comes first.
    const unknown = await malformed('ck-00000000000000000000000000000000');
    expect(unknown.response.status).toBe(401);
    expect(unknown.body).toEqual({ error: { code: 401, message: 'Invalid API key', status: 'UNAUTHENTICATED' } });
  });

  it('never writes a ?key= to the logs, at LOG_LEVEL=trace, whatever the outcome', async () => {
    const { key } = await fundedKey();
    const wrong = 'ck-ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ';
    const body = JSON.stringify({ contents: [{ parts: [{ text: 'mock:status=500' }] }] });
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
    const served = await fetch(`${proxy.url}/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=${key}`, init);
    await fetch(`${proxy.url}/gemini/v1beta/models/gemini-2.5-flash:generateContent?key=${wrong}`, init);
    await fetch(`${proxy.url}/gemini/v1beta/models/gemini-2.5-flash:nothing?key=${key}`, init);
    await usageOf(served.headers.get('x-chuizi-generation-id')!);
    expect(proxy.logs).toContain(served.headers.get('x-chuizi-generation-id')!);
    expect(proxy.logs).not.toContain(key);
    expect(proxy.logs).not.toContain(key.slice(3));
    expect(proxy.logs).not.toContain(wrong);
  });
});
