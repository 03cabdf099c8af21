import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { BadInputCase, badInputCorpus, geminiPath, Protocol } from '../fixtures/bad-input.corpus';
import { AppProcess } from '../support/app-process';
import { HeaderList, RawResponse, requestBytes, sendRaw } from '../support/raw-http';
import { accountBooks, closeTestDb, testDb } from '../support/test-db';

const BODY_LIMIT = 65_536;
const PER_REQUEST_TIMEOUT_MS = 10_000;
const CONCURRENCY = 8;

/** The client-error rows of spec/errors.md: status -> wire type. */
const CLIENT_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'insufficient_quota',
  403: 'permission_error',
  404: 'not_found',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** The same rows as Google names them (spec/protocols.md, Gemini errors). */
const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  402: 'FAILED_PRECONDITION',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
};

/** What is wrong with a response to a malformed request, or null when it is the error the contract requires. */
function problemWith(response: RawResponse, protocol: Protocol, expectedStatus: number): string | null {
  if (response.status !== expectedStatus) return `status ${response.status}, expected ${expectedStatus}: ${response.body.slice(0, 300)}`;
  const type = CLIENT_ERROR_TYPES[response.status];
  if (!type) return `status ${response.status} is not a client error of spec/errors.md`;
  if (!/^application\/json/.test(response.headers['content-type'] ?? '')) return `content-type ${response.headers['content-type']}`;
  if (!/^gen-[0-9A-Z]{26}$/.test(response.headers['x-chuizi-generation-id'] ?? '')) return 'no x-chuizi-generation-id';
  if (!response.headers['x-request-id']) return 'no x-request-id';
  let body: any;
  try {
    body = JSON.parse(response.body);
  } catch {
    return `body is not JSON: ${response.body.slice(0, 200)}`;
  }
  const message = body?.error?.message;
  const expected = {
    openai: { error: { message, type, code: String(response.status) } },
    anthropic: { type: 'error', error: { type, message } },
    gemini: { error: { code: response.status, message, status: GOOGLE_STATUS[response.status] } },
  }[protocol];
  if (JSON.stringify(body) !== JSON.stringify(expected)) return `body ${response.body.slice(0, 300)}, expected the ${protocol} shape`;
  if (typeof body.error.message !== 'string' || body.error.message.length === 0) return 'no message';
  return null;
}

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    }),
  );
  return results;
}

describe('bad-input corpus over raw HTTP: every malformed request gets a 4xx in the caller format, and no money moves', () => {
  let mock: MockUpstream;
  let proxy: AppProcess;
  let port: number;
  /** The same proxy, but every body parsed, validated and serialised in worker threads (JSON_OFFLOAD_BYTES=0). */
  let offloading: AppProcess;
  let accountId: string;
  let corpus: BadInputCase[];
  let googleModel: string;

  beforeAll(async () => {
    // Every model the corpus names is served by this mock alone: any request that got through would show here.
    mock = await startMockUpstream({ port: 0, host: '127.0.0.1' });
    const [openAiChatModel, openAiEmbeddingModel, anthropicModel, google] = await Promise.all([
      createModel({ upstreamUrl: mock.url }).then((model) => model.id),
      createModel({ kind: 'embedding', upstreamUrl: mock.url }).then((model) => model.id),
      createModel({ provider: 'anthropic', upstreamUrl: mock.url }).then((model) => model.id),
      createModel({ provider: 'google', upstreamUrl: mock.url }).then((model) => model.id),
    ]);
    googleModel = google;
    const account = await createAccount({ balanceUsd: '10.00' });
    accountId = account.id;
    const { key } = await createApiKey(account.id);
    // A high rate limit: every case must meet the check it was written for, not the key's RPM limit.
    const env = { BODY_LIMIT_BYTES: String(BODY_LIMIT), DEFAULT_RPM: '1000000' };
    [proxy, offloading] = await AppProcess.together([
      AppProcess.start('proxy', env),
      AppProcess.start('proxy', { ...env, JSON_OFFLOAD_BYTES: '0' }),
    ]);
    port = Number(new URL(proxy.url).port);
    corpus = badInputCorpus({ key, openAiChatModel, openAiEmbeddingModel, anthropicModel, googleModel, bodyLimit: BODY_LIMIT });
  });

  afterAll(async () => {
    await Promise.all([proxy?.stop(), offloading?.stop()]);
    await mock?.close();
    await closeTestDb();
  });

  it('holds at least 200 cases per protocol, all distinct', () => {
    for (const protocol of ['openai', 'anthropic', 'gemini'] as const) {
      expect(corpus.filter((c) => c.protocol === protocol).length).toBeGreaterThanOrEqual(200);
    }
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it('answers each one with its 4xx in the protocol format, never a 500 or a hang', async () => {
    const failures = await pool(corpus, CONCURRENCY, async (c) => {
      try {
        const problem = problemWith(await sendRaw(port, requestBytes(c.request), PER_REQUEST_TIMEOUT_MS), c.protocol, c.status);
        return problem && `${c.name}: ${problem}`;
      } catch (error) {
        return `${c.name}: ${(error as Error).message}`;
      }
    });
    expect(failures.filter(Boolean)).toEqual([]);
  });

  it('answers each one the same when bodies are parsed and validated in worker threads', async () => {
    const offloadingPort = Number(new URL(offloading.url).port);
    const answer = (response: RawResponse) => ({ status: response.status, body: response.body });
    const differences = await pool(corpus, CONCURRENCY, async (c) => {
      const bytes = requestBytes(c.request);
      const [inPlace, inWorker] = await Promise.all([
        sendRaw(port, bytes, PER_REQUEST_TIMEOUT_MS).then(answer, (error: Error) => error.message),
        sendRaw(offloadingPort, bytes, PER_REQUEST_TIMEOUT_MS).then(answer, (error: Error) => error.message),
      ]);
      return JSON.stringify(inPlace) === JSON.stringify(inWorker) ? null : `${c.name}: ${JSON.stringify(inPlace)} vs ${JSON.stringify(inWorker)}`;
    });
    expect(differences.filter(Boolean)).toEqual([]);
  });

  describe("a body's own problem is answered after authentication and admission (401 first, then counted, with X-RateLimit-*)", () => {
    const UNKNOWN_KEY = 'ck-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    /** The key's own limit, below every other tier's: the X-RateLimit-* headers describe it. */
    const KEY_RPM = 50;
    const MALFORMED = '{"model": "m", "messages": [';
    const oversized = () => JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT) });
    let key: string;

    beforeAll(async () => {
      ({ key } = await createApiKey((await createAccount({ balanceUsd: '10.00' })).id, { rpmLimit: KEY_RPM }));
    });

    /** A POST to the protocol's generation route, with `apiKey` where its SDK sends it. */
    function send(protocol: Protocol, apiKey: string, body: string, headers: HeaderList = [['content-type', 'application/json']]) {
      const path = { openai: '/v1/chat/completions', anthropic: '/anthropic/v1/messages', gemini: geminiPath(googleModel, 'generateContent') }[protocol];
      const keyHeaders: HeaderList = {
        openai: [['authorization', `Bearer ${apiKey}`]] as HeaderList,
        anthropic: [['x-api-key', apiKey], ['anthropic-version', '2023-06-01']] as HeaderList,
        gemini: [['x-goog-api-key', apiKey]] as HeaderList,
      }[protocol];
      const framed = headers.some(([name]) => name === 'content-length' || name === 'transfer-encoding');
      const length: HeaderList = framed ? [] : [['content-length', String(Buffer.byteLength(body))]];
      const request = { path, headers: [['host', '127.0.0.1'], ['connection', 'close'], ...headers, ...keyHeaders, ...length] as HeaderList, body };
      return sendRaw(port, requestBytes(request), PER_REQUEST_TIMEOUT_MS);
    }

    /** The body sent in one chunk of chunked framing: its size is found as it arrives, not announced. */
    const chunked = (body: string) => `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const CHUNKED: HeaderList = [['content-type', 'application/json'], ['transfer-encoding', 'chunked']];

    /** The body problems of the suite, each as sent: its body and headers. */
    const problems = (): [string, string, HeaderList?][] => [
      ['malformed JSON', MALFORMED],
      ['a body over the limit, announced', oversized()],
      ['a body over the limit, found on arrival', chunked(oversized()), CHUNKED],
      ['a content type other than JSON', '{}', [['content-type', 'text/plain']]],
      ['a content type that is not one', '{}', [['content-type', 'json']]],
      ['a Content-Encoding', '{}', [['content-type', 'application/json'], ['content-encoding', 'gzip']]],
    ];

    it.each(['openai', 'anthropic', 'gemini'] as const)('%s: an unknown key gets its 401 whatever its body', async (protocol) => {
      for (const [name, body, headers] of problems()) {
        const response = await send(protocol, UNKNOWN_KEY, body, headers);
        expect([name, problemWith(response, protocol, 401)]).toEqual([name, null]);
        expect(JSON.parse(response.body).error.message).toBe('Invalid API key');
        expect(response.headers['x-ratelimit-limit']).toBeUndefined();
      }
    });

    it.each(['openai', 'anthropic', 'gemini'] as const)(
      '%s: a valid key gets the body refused with X-RateLimit-*, each request counted',
      async (protocol) => {
        const expected: Record<string, [number, string]> = {
          'malformed JSON': [400, 'Request body is not valid JSON'],
          'a body over the limit, announced': [413, 'Request body is too large'],
          'a body over the limit, found on arrival': [413, 'Request body is too large'],
          'a content type other than JSON': [400, 'Unsupported content type: send the body as application/json'],
          'a content type that is not one': [400, 'Unsupported content type: send the body as application/json'],
          'a Content-Encoding': [400, 'Unsupported Content-Encoding: send the body uncompressed'],
        };
        const remaining: number[] = [];
        for (const [name, body, headers] of [['malformed JSON again', MALFORMED] as const, ...problems()]) {
          const response = await send(protocol, key, body, headers);
          const [status, message] = expected[name.replace(' again', '')];
          expect([name, problemWith(response, protocol, status)]).toEqual([name, null]);
          expect([name, JSON.parse(response.body).error.message]).toEqual([name, message]);
          expect(response.headers['x-ratelimit-limit']).toBe(String(KEY_RPM));
          expect(response.headers['x-ratelimit-reset']).toMatch(/^\d+$/);
          remaining.push(Number(response.headers['x-ratelimit-remaining']));
        }
        // Each refused body took one request from the key's minute.
        for (let i = 1; i < remaining.length; i++) expect(remaining[i]).toBe(remaining[i - 1] - 1);
      },
    );
  });

  it('moved no money and called no upstream', async () => {
    expect(mock.stats().requests).toBe(0);
    expect(await accountBooks(accountId)).toEqual({ balance: 10_000_000n, reserved: 0n, ledgerSum: 10_000_000n, openHolds: 0n });
    const db = await testDb();
    expect(await db.reservation.count({ where: { accountId } })).toBe(0);
    expect(await db.ledgerEntry.count({ where: { accountId } })).toBe(1); // the test credit
    expect(proxy.logs).not.toMatch(/Internal gateway error/);
    expect(offloading.logs).not.toMatch(/Internal gateway error/);
  });
});
