import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { useProxy } from '../support/app-process';
import { settledBooks } from '../support/settlement';
import { testDb } from '../support/test-db';
import { sharedMockUrl, TEST_BILLING_STORE } from '../support/test-env';

const BODY_LIMIT = 16_384;

interface Call {
  key: string;
  text?: string;
  model?: string;
  stream?: boolean;
  maxTokens?: number;
  extra?: Record<string, unknown>;
  maxRetries?: number;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** One protocol as its official SDK sees it. */
interface SdkProtocol {
  /** The provider of its models, and the format of its errors. */
  name: 'openai' | 'anthropic';
  /** The route, as the suite's title names it. */
  route: string;
  model: string;
  errors: {
    api: ErrorClass;
    badRequest: ErrorClass;
    authentication: ErrorClass;
    permissionDenied: ErrorClass;
    notFound: ErrorClass;
    rateLimit: ErrorClass;
    internalServer: ErrorClass;
  };
  /** Sends a request (reading a stream to its end); resolves with the response headers. */
  send(proxyUrl: string, call: Call): Promise<Headers>;
  /** What the SDK error's `.error` holds for a gateway error. */
  errorBody(status: number, type: string, message: string | jest.AsymmetricMatcher): object;
}

const openai: SdkProtocol = {
  name: 'openai',
  route: 'chat completions',
  model: 'gpt-4.1-mini',
  errors: {
    api: OpenAI.APIError,
    badRequest: OpenAI.BadRequestError,
    authentication: OpenAI.AuthenticationError,
    permissionDenied: OpenAI.PermissionDeniedError,
    notFound: OpenAI.NotFoundError,
    rateLimit: OpenAI.RateLimitError,
    internalServer: OpenAI.InternalServerError,
  },
  async send(proxyUrl, call) {
    const client = new OpenAI({ apiKey: call.key, baseURL: `${proxyUrl}/v1`, maxRetries: call.maxRetries ?? 0 });
    const { data, response } = await client.chat.completions
      .create({
        model: call.model ?? this.model,
        messages: [{ role: 'user', content: call.text ?? 'hello' }],
        max_tokens: call.maxTokens ?? 100,
        stream: call.stream ?? false,
        ...call.extra,
      } as OpenAI.ChatCompletionCreateParams)
      .withResponse();
    if (call.stream) for await (const _chunk of data as AsyncIterable<unknown>);
    return response.headers;
  },
  errorBody: (status, type, message) => ({ message, type, code: String(status) }),
};

/** The same OpenAI protocol over the Responses API (`responses.create`). */
const responses: SdkProtocol = {
  ...openai,
  route: 'responses',
  async send(proxyUrl, call) {
    const client = new OpenAI({ apiKey: call.key, baseURL: `${proxyUrl}/v1`, maxRetries: call.maxRetries ?? 0 });
    const { data, response } = await client.responses
      .create({
        model: call.model ?? this.model,
        input: call.text ?? 'hello',
        // OpenAI (and the mock) refuse a max_output_tokens below 16.
        max_output_tokens: Math.max(call.maxTokens ?? 100, 16),
        stream: call.stream ?? false,
        ...call.extra,
      } as OpenAI.Responses.ResponseCreateParams)
      .withResponse();
    if (call.stream) for await (const _event of data as AsyncIterable<unknown>);
    return response.headers;
  },
};

const anthropic: SdkProtocol = {
  name: 'anthropic',
  route: 'messages',
  model: 'claude-haiku-4-5',
  errors: {
    api: Anthropic.APIError,
    badRequest: Anthropic.BadRequestError,
    authentication: Anthropic.AuthenticationError,
    permissionDenied: Anthropic.PermissionDeniedError,
    notFound: Anthropic.NotFoundError,
    rateLimit: Anthropic.RateLimitError,
    internalServer: Anthropic.InternalServerError,
  },
  async send(proxyUrl, call) {
    const client = new Anthropic({ apiKey: call.key, baseURL: `${proxyUrl}/anthropic`, maxRetries: call.maxRetries ?? 0 });
    const { data, response } = await client.messages
      .create({
        model: call.model ?? this.model,
        max_tokens: call.maxTokens ?? 100,
        messages: [{ role: 'user', content: call.text ?? 'hello' }],
        stream: call.stream ?? false,
        ...call.extra,
      } as Anthropic.MessageCreateParams)
      .withResponse();
    if (call.stream) for await (const _event of data as AsyncIterable<unknown>);
    return response.headers;
  },
  errorBody: (_status, type, message) => ({ type: 'error', error: { type, message } }),
};

// One proxy for the three SDKs: each protocol's blocks use models, keys and a mock of their own.
const proxy = useProxy({ BODY_LIMIT_BYTES: String(BODY_LIMIT) });

describe.each([openai, responses, anthropic])('every error of spec/errors.md through the $name SDK ($route)', (protocol) => {
  let ownMock: MockUpstream;
  let slowModel: string;
  let ownMockModel: string;

  beforeAll(async () => {
    ownMock = await startMockUpstream({ port: 0, host: '127.0.0.1' });
    [slowModel, ownMockModel] = await Promise.all([
      createModel({ provider: protocol.name, upstreamUrl: sharedMockUrl(), timeoutS: 1 }).then((model) => model.id),
      createModel({ provider: protocol.name, upstreamUrl: ownMock.url }).then((model) => model.id),
    ]);
  });

  afterAll(async () => {
    await ownMock?.close();
  });

  async function fundedKey(options: Parameters<typeof createApiKey>[1] = {}, balanceUsd = '10.00') {
    const account = await createAccount({ balanceUsd });
    const { key } = await createApiKey(account.id, options);
    return { account, key };
  }

  /** The SDK error a call fails with; fails the test if the call succeeds. */
  async function failure(call: Call): Promise<Error & { status?: number; error?: unknown; headers?: Headers }> {
    const outcome = await protocol.send(proxy.url, call).then(
      () => null,
      (error: unknown) => error,
    );
    if (outcome === null) throw new Error('the call succeeded');
    return outcome as Error & { status?: number; error?: unknown; headers?: Headers };
  }

  /** Anthropic's SDK shows the `request-id` header as the error's requestID: the gateway's generation id. */
  function expectRequestIdOf(error: Error & { headers?: Headers }) {
    const generationId = error.headers!.get('x-chuizi-generation-id');
    expect(generationId).toMatch(/^gen-/);
    if (protocol.name === 'anthropic') expect((error as InstanceType<typeof Anthropic.APIError>).requestID).toBe(generationId);
    else expect(error.headers!.get('request-id')).toBeNull();
  }

  /** Nothing charged, nothing held: the account as it was funded. */
  async function expectUntouched(accountId: string, balance = 10_000_000n) {
    const books = await settledBooks(accountId);
    expect(books).toEqual({ balance, reserved: 0n, ledgerSum: balance, openHolds: 0n });
  }

  it('400 BadRequestError for a parameter of the wrong type, named in the message', async () => {
    const { account, key } = await fundedKey();
    const error = await failure({ key, extra: { temperature: 'hot' } });
    expect(error).toBeInstanceOf(protocol.errors.badRequest);
    const message = protocol.name === 'openai' ? "Invalid value for 'temperature': must be a number" : 'temperature: must be a number';
    expect(error.error).toEqual(protocol.errorBody(400, 'invalid_request_error', message));
    expectRequestIdOf(error);
    await expectUntouched(account.id);
  });

  it('400 BadRequestError for a provider 4xx, passed on with the provider message', async () => {
    const { account, key } = await fundedKey();
    const error = await failure({ key, text: 'mock:status=400' });
    expect(error).toBeInstanceOf(protocol.errors.badRequest);
    expect(error.error).toEqual(protocol.errorBody(400, 'invalid_request_error', expect.stringContaining('mock:status=400')));
    await expectUntouched(account.id);
  });

  it('401 AuthenticationError for a wrong key', async () => {
    const error = await failure({ key: 'ck-00000000000000000000000000000000' });
    expect(error).toBeInstanceOf(protocol.errors.authentication);
    expect(error.error).toEqual(protocol.errorBody(401, 'authentication_error', 'Invalid API key'));
    expectRequestIdOf(error);
  });

  it('402 APIError with status 402 when the balance is below the estimate', async () => {
    const { account, key } = await fundedKey({}, '0.01');
    // The hold: 20,000 output tokens at 1.68 (gpt-4.1-mini) or 5.25 (claude-haiku-4-5) per MTok (upstream x 1.05), plus
    // the input.
    const error = await failure({ key, maxTokens: 20_000 });
    expect(error).toBeInstanceOf(protocol.errors.api);
    expect(error.status).toBe(402);
    const required = protocol.name === 'openai' ? '0.03' : '0.11';
    expect(error.error).toEqual(
      protocol.errorBody(402, 'insufficient_quota', `Insufficient balance. Current: $0.01, Required: $${required}`),
    );
    await expectUntouched(account.id, 10_000n);
  });

  it('403 PermissionDeniedError for a model outside the key allow-list', async () => {
    const { account, key } = await fundedKey({ allowedModels: [protocol.name === 'openai' ? 'openai/gpt-4.1' : 'anthropic/claude-opus-4-6'] });
    const error = await failure({ key });
    expect(error).toBeInstanceOf(protocol.errors.permissionDenied);
    expect(error.error).toEqual(
      protocol.errorBody(403, 'permission_error', `This API key is not allowed to use the model '${protocol.model}'`),
    );
    await expectUntouched(account.id);
  });

  it('404 NotFoundError for an unknown model, and for an unknown route in the protocol format', async () => {
    const { account, key } = await fundedKey();
    const error = await failure({ key, model: 'no-such-model' });
    expect(error).toBeInstanceOf(protocol.errors.notFound);
    expect(error.error).toEqual(
      protocol.errorBody(404, 'not_found', "The model 'no-such-model' does not exist or is not available"),
    );
    await expectUntouched(account.id);

    const prefix = protocol.name === 'openai' ? '/v1' : '/anthropic/v1';
    const response = await fetch(`${proxy.url}${prefix}/no/such/route`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-chuizi-generation-id')).toMatch(/^gen-/);
    const body = (await response.json()) as { error: unknown };
    expect(protocol.name === 'openai' ? body.error : body).toEqual(protocol.errorBody(404, 'not_found', 'Not found'));
  });

  it('413 APIError with status 413 for a body over BODY_LIMIT_BYTES', async () => {
    const { account, key } = await fundedKey();
    const error = await failure({ key, text: 'x '.repeat(BODY_LIMIT) });
    expect(error).toBeInstanceOf(protocol.errors.api);
    expect(error.status).toBe(413);
    expect(error.error).toEqual(protocol.errorBody(413, 'invalid_request_error', 'Request body is too large'));
    await expectUntouched(account.id);
  });

  it('429 RateLimitError with Retry-After when the key is over its RPM limit', async () => {
    const { account, key } = await fundedKey({ rpmLimit: 1 });
    await protocol.send(proxy.url, { key, text: 'first mock:output_tokens=1', maxTokens: 10 });
    const before = await settledBooks(account.id);
    const error = await failure({ key });
    expect(error).toBeInstanceOf(protocol.errors.rateLimit);
    const seconds = Number(error.headers!.get('retry-after'));
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(error.error).toEqual(protocol.errorBody(429, 'rate_limit_error', `Rate limit exceeded. Retry after ${seconds} seconds.`));
    expect(error.headers!.get('retry-after-ms')).toBe(String(seconds * 1000));
    expect(await settledBooks(account.id)).toEqual(before);
  });

  describe('5xx: InternalServerError, and the whole hold released', () => {
    const cases: [number, string, Call['text'], string][] = [
      [502, 'upstream_error', 'mock:status=500', 'The upstream provider returned an error (HTTP 500)'],
      [502, 'upstream_error', 'mock:invalid_json', 'The upstream provider returned an invalid response (not JSON)'],
      // A redirect is no answer the client can use (it was passed on as a 302 without a Location).
      [502, 'upstream_error', 'mock:status=302', 'The upstream provider returned an unexpected status (HTTP 302)'],
      [503, 'service_unavailable', 'mock:status=503', 'The upstream provider is overloaded; retry later'],
      [503, 'service_unavailable', 'mock:status=429', 'The upstream provider is overloaded; retry later'],
    ];
    it.each(cases)('%d %s for %s', async (status, type, text, message) => {
      const { account, key } = await fundedKey();
      const error = await failure({ key, text });
      expect(error).toBeInstanceOf(protocol.errors.internalServer);
      expect(error.status).toBe(status);
      expect(error.error).toEqual(protocol.errorBody(status, type, message));
      // The provider's Retry-After is passed on, with its milliseconds beside it.
      const retryAfter = error.headers!.get('retry-after');
      expect(error.headers!.get('retry-after-ms')).toBe(retryAfter === null ? null : String(Number(retryAfter) * 1000));
      expectRequestIdOf(error);
      await expectUntouched(account.id);
    });

    it.each([false, true])('504 timeout when the model timeout passes without an answer (stream: %s)', async (stream) => {
      const { account, key } = await fundedKey();
      const error = await failure({ key, model: slowModel, text: 'mock:stall', stream });
      expect(error).toBeInstanceOf(protocol.errors.internalServer);
      expect(error.status).toBe(504);
      expect(error.error).toEqual(protocol.errorBody(504, 'timeout', 'Request timed out after 1 seconds'));
      await expectUntouched(account.id);
    });

    it('502 as an HTTP status, not an event, when a stream fails before its first event', async () => {
      const { account, key } = await fundedKey();
      const error = await failure({ key, text: 'mock:invalid_json', stream: true });
      expect(error).toBeInstanceOf(protocol.errors.internalServer);
      expect(error.status).toBe(502);
      await expectUntouched(account.id);
    });
  });

  it('the SDK retries a retryable 503 by itself and the retry succeeds, charged once', async () => {
    const { account, key } = await fundedKey();
    ownMock.reset();
    const headers = await protocol.send(proxy.url, {
      key,
      model: ownMockModel,
      text: 'hello again mock:output_tokens=4 mock:fail_first=1',
      maxRetries: 2,
    });
    const stats = ownMock.stats();
    expect(stats.requests).toBe(2);
    const generationId = headers.get('x-chuizi-generation-id')!;

    const db = await testDb();
    const books = await settledBooks(account.id);
    // One record per attempt the SDK made: the failed one charged nothing, the retry is the answered generation.
    const records = await db.usageRecord.findMany({ where: { accountId: account.id } });
    expect(records.filter((r) => r.generationId === generationId)).toMatchObject([{ outcome: 'completed' }]);
    expect(records.filter((r) => r.generationId !== generationId)).toMatchObject([{ costMicros: 0n }]);
    // On PostgreSQL each attempt held a row of its own: the failed one released, the retry settled.
    if (TEST_BILLING_STORE === 'postgres') {
      const reservations = await db.reservation.findMany({ where: { accountId: account.id }, orderBy: { createdAt: 'asc' } });
      expect(reservations.map((r) => [r.status, r.closedBy])).toEqual([
        ['released', expect.any(String)],
        ['settled', expect.any(String)],
      ]);
      expect(reservations[1].generationId).toBe(generationId);
    }
    const settlements = await db.ledgerEntry.findMany({ where: { accountId: account.id, kind: 'settlement' } });
    expect(settlements).toHaveLength(1);
    // 4 words in, 4 out, at the test model's 0.40 / 1.60 per MTok.
    expect(settlements[0].amountMicros).toBe(-BigInt(Math.ceil((4 * 400_000 + 4 * 1_600_000) / 1_000_000)));
    expect(books.balance).toBe(10_000_000n + settlements[0].amountMicros);
    expect(books.ledgerSum).toBe(books.balance);
  });
});
