import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { callGateway, GatewayCall } from '../support/gateway-call';
import { AdminApi } from '../support/admin-api';
import { closeTestDb, testDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';
import { reservationCount } from '../support/settlement';

const DEFAULT_RPM = 8;
const WINDOW_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Per-key RPM limit shared by two proxy instances (sliding 60 s window in Redis)', () => {
  let mock: MockUpstream;
  let model: string;
  let a: AppProcess;
  let b: AppProcess;
  let admin: AppProcess;

  beforeAll(async () => {
    // A mock of our own: its request count tells exactly how many calls went upstream.
    mock = await startMockUpstream({ port: 0, host: '127.0.0.1' });
    model = (await createModel({ upstreamUrl: mock.url })).id;
    [a, b, admin] = await AppProcess.together([
      AppProcess.start('proxy', { DEFAULT_RPM: String(DEFAULT_RPM) }),
      AppProcess.start('proxy', { DEFAULT_RPM: String(DEFAULT_RPM) }),
      AppProcess.start('admin'),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), admin?.stop()]);
    await mock?.close();
    await closeTestDb();
  });

  const chatBody = (content = 'hi mock:output_tokens=2') => ({ model, messages: [{ role: 'user', content }] });
  const chat = (proxy: AppProcess, apiKey: string, body: unknown = chatBody()) =>
    callGateway(`${proxy.url}/v1/chat/completions`, { apiKey, body });
  /** Fails after the RPM guard (404, no upstream call, no money): a cheap request that still counts. */
  const probe = (proxy: AppProcess, apiKey: string) => chat(proxy, apiKey, { ...chatBody(), model: 'no-such-model' });
  const admittedCount = (calls: GatewayCall[]) => calls.filter((call) => call.status !== 429).length;
  /** n requests at once, alternating between the two instances. */
  const burst = (n: number, send: (proxy: AppProcess) => Promise<GatewayCall>) =>
    Promise.all(Array.from({ length: n }, (_, i) => send(i % 2 === 0 ? a : b)));

  function expectRateLimited(call: GatewayCall, limit: number): void {
    expect(call.status).toBe(429);
    const seconds = call.retryAfter!;
    expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= WINDOW_MS / 1000).toBe(true);
    expect(call.body).toEqual({
      error: { message: `Rate limit exceeded. Retry after ${seconds} seconds.`, type: 'rate_limit_error', code: '429' },
    });
    expect(call).toMatchObject({ limit, remaining: 0, reset: seconds });
  }

  it('together they admit exactly the key limit in a window and refuse the rest: no upstream call, no reservation', async () => {
    const account = await createAccount({ balanceUsd: '10.00' });
    const { key } = await createApiKey(account.id, { rpmLimit: 10 });
    const upstreamBefore = mock.stats().requests;

    const calls = await burst(25, (proxy) => chat(proxy, key));

    expect(calls.filter((call) => call.status === 200)).toHaveLength(10);
    const refused = calls.filter((call) => call.status === 429);
    expect(refused).toHaveLength(15);
    for (const call of refused) expectRateLimited(call, 10);
    for (const call of calls.filter((c) => c.status === 200)) {
      expect(call.limit).toBe(10);
      expect(call.remaining).toBeGreaterThanOrEqual(0);
      expect(call.reset).toBeGreaterThanOrEqual(1);
    }
    // Every admitted request saw a different count, whichever instance served it.
    expect(new Set(calls.filter((c) => c.status === 200).map((c) => c.remaining)).size).toBe(10);
    expect(mock.stats().requests - upstreamBefore).toBe(10);
    // One hold per admitted request, none for the refused ones (on the wallet, counted once the records are written).
    expect(await waitFor(async () => ((await reservationCount(account.id)) === 10 ? 10 : null))).toBe(10);
  });

  it('counts one window per key across instances and reports it on every response, streams included', async () => {
    const account = await createAccount();
    const { key } = await createApiKey(account.id, { rpmLimit: 3 });
    const first = await chat(a, key);
    const second = await chat(b, key);
    expect([first, second].map((c) => [c.status, c.limit, c.remaining])).toEqual([
      [200, 3, 2],
      [200, 3, 1],
    ]);

    const client = new OpenAI({ apiKey: key, baseURL: `${a.url}/v1`, maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions
      .create({ model, stream: true, messages: [{ role: 'user', content: 'stream mock:output_tokens=3' }] })
      .withResponse();
    for await (const chunk of stream) expect(chunk.object).toBe('chat.completion.chunk');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-ratelimit-limit')).toBe('3');
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);

    expectRateLimited(await chat(b, key), 3);
  });

  it('gives a Retry-After that is never past the end of the oldest request window, and never too early', async () => {
    const account = await createAccount();
    const { key } = await createApiKey(account.id, { rpmLimit: 1 });
    const admitted = await chat(a, key);
    expect(admitted.status).toBe(200);
    await sleep(2_200);
    const refused = await chat(b, key);
    expectRateLimited(refused, 1);
    // The slot frees when the admitted request is 60 s old; it was admitted between sentAt and receivedAt.
    const latestFree = admitted.receivedAt + WINDOW_MS - refused.sentAt;
    const earliestFree = admitted.sentAt + WINDOW_MS - refused.receivedAt;
    expect(refused.retryAfter!).toBeLessThanOrEqual(Math.ceil(latestFree / 1000));
    expect(refused.retryAfter! * 1000).toBeGreaterThanOrEqual(earliestFree);
    expect(refused.retryAfter!).toBeLessThan(60);
  });

  it('surfaces as the openai SDK RateLimitError', async () => {
    const account = await createAccount();
    const { key } = await createApiKey(account.id, { rpmLimit: 1 });
    const client = new OpenAI({ apiKey: key, baseURL: `${b.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create(chatBody() as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const error = await client.chat.completions
      .create(chatBody() as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimitError = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimitError.status).toBe(429);
    expect(rateLimitError.error).toMatchObject({ type: 'rate_limit_error', code: '429' });
    expect(rateLimitError.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(rateLimitError.headers.get('x-ratelimit-limit')).toBe('1');
  });

  it('answers in the Anthropic format on /anthropic, as the @anthropic-ai/sdk RateLimitError, on every route of the key', async () => {
    const account = await createAccount();
    const { key } = await createApiKey(account.id, { rpmLimit: 1 });
    // The free models list counts too: the window is per key, whatever the route.
    const listed = await callGateway(`${a.url}/anthropic/v1/models`, { apiKey: key, method: 'GET' });
    expect([listed.status, listed.limit, listed.remaining]).toEqual([200, 1, 0]);

    const client = new Anthropic({ apiKey: key, baseURL: `${b.url}/anthropic`, maxRetries: 0 });
    const error = await client.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const retryAfter = (error as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after');
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).error).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: `Rate limit exceeded. Retry after ${retryAfter} seconds.` },
    });

    const counted = await callGateway(`${a.url}/anthropic/v1/messages/count_tokens`, {
      apiKey: key,
      body: { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(counted).toMatchObject({ status: 429, limit: 1, remaining: 0 });
    expect(counted.body).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: `Rate limit exceeded. Retry after ${counted.retryAfter} seconds.` },
    });
  });

  it('applies a support override (PUT /admin/v1/keys/:id/rpm-limit) on both instances within 1 s; null restores the default', async () => {
    const staff = new AdminApi(admin.url);
    const support = staff.as((await staff.createStaff('support')).token);
    async function setRpmLimit(keyId: string, rpm: number | null): Promise<void> {
      const response = await support.put(`/admin/v1/keys/${keyId}/rpm-limit`, { rpm });
      expect(response.status).toBe(200);
      expect(response.body.rpmLimit).toBe(rpm);
    }
    const account = await createAccount();
    const { id, key } = await createApiKey(account.id);
    const opening = [await chat(a, key), await chat(b, key)];
    expect(opening.map((c) => [c.status, c.limit, c.remaining])).toEqual([
      [200, DEFAULT_RPM, DEFAULT_RPM - 1],
      [200, DEFAULT_RPM, DEFAULT_RPM - 2],
    ]);
    let admitted = 2;

    /** Probes both instances until each reports `limit`; returns how long that took after the change. */
    async function waitForLimitOnBoth(limit: number): Promise<number> {
      const changedAt = Date.now();
      const seen = new Set<AppProcess>();
      while (seen.size < 2 && Date.now() - changedAt < 3_000) {
        const [onA, onB] = await Promise.all([probe(a, key), probe(b, key)]);
        admitted += admittedCount([onA, onB]);
        if (onA.limit === limit) seen.add(a);
        if (onB.limit === limit) seen.add(b);
        if (seen.size < 2) await sleep(50);
      }
      expect(seen.size).toBe(2);
      return Date.now() - changedAt;
    }

    await setRpmLimit(id, 5);
    expect(await waitForLimitOnBoth(5)).toBeLessThanOrEqual(1_000);
    const underOverride = await burst(10, (proxy) => chat(proxy, key));
    admitted += admittedCount(underOverride);
    expect(admitted).toBe(5);
    for (const call of underOverride.filter((c) => c.status === 429)) expectRateLimited(call, 5);

    await setRpmLimit(id, null);
    expect(await waitForLimitOnBoth(DEFAULT_RPM)).toBeLessThanOrEqual(1_000);
    const underDefault = await burst(10, (proxy) => chat(proxy, key));
    admitted += admittedCount(underDefault);
    expect(admitted).toBe(DEFAULT_RPM);
    for (const call of underDefault.filter((c) => c.status === 429)) expectRateLimited(call, DEFAULT_RPM);
  });
});

describe('openai SDK automatic retry on 429 (2-second window, a test-only setting)', () => {
  let mock: MockUpstream;
  let model: string;
  let proxy: AppProcess;

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0, host: '127.0.0.1' });
    model = (await createModel({ upstreamUrl: mock.url })).id;
    proxy = await AppProcess.start('proxy', { RATE_LIMIT_WINDOW_S: '2' });
  });

  afterAll(async () => {
    await proxy?.stop();
    await mock?.close();
    await closeTestDb();
  });

  it('waits the Retry-After the gateway sent, then succeeds once the window has room', async () => {
    const account = await createAccount();
    const { key } = await createApiKey(account.id, { rpmLimit: 1 });
    const seen: { status: number; retryAfter: string | null; at: number }[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      seen.push({ status: response.status, retryAfter: response.headers.get('retry-after'), at: Date.now() });
      return response;
    };
    const client = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 1, fetch: recordingFetch });
    const params = { model, messages: [{ role: 'user' as const, content: 'hi' }] };

    await client.chat.completions.create(params);
    const startedAt = Date.now();
    const completion = await client.chat.completions.create(params);
    const tookMs = Date.now() - startedAt;

    expect(completion.choices[0].message.role).toBe('assistant');
    expect(seen.slice(1).map((s) => s.status)).toEqual([429, 200]);
    const retryAfterS = Number(seen[1].retryAfter);
    expect([1, 2]).toContain(retryAfterS);
    expect(tookMs).toBeGreaterThanOrEqual(retryAfterS * 1000);
    expect(seen[2].at - seen[1].at).toBeGreaterThanOrEqual(retryAfterS * 1000);
  });
});
