import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel, TestModel } from '../factories/model.factory';
import { AdminApi } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { callGateway, GatewayCall } from '../support/gateway-call';
import { BROADCAST_ONLY_ENV, PROPAGATION_WAIT_MS } from '../support/propagation';
import { closeTestDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Protocol = 'openai' | 'anthropic' | 'gemini';

describe('Rate limits in three tiers (key, account, account x model) and tokens per minute, shared by two proxy instances', () => {
  let a: AppProcess;
  let b: AppProcess;
  let admin: AppProcess;
  const models = {} as Record<Protocol, TestModel>;
  /** Without a per-account limit: the token tests' requests meet no model tier. */
  let unlimited: TestModel;

  beforeAll(async () => {
    // One model of each provider, each limited to 2 requests per minute per account (the demo catalog's channels).
    [models.openai, models.anthropic, models.gemini, unlimited] = await Promise.all([
      createModel({ provider: 'openai', rpmPerAccount: 2 }),
      createModel({ provider: 'anthropic', rpmPerAccount: 2 }),
      createModel({ provider: 'google', rpmPerAccount: 2 }),
      createModel({ provider: 'openai' }),
    ]);
    [a, b, admin] = await AppProcess.together([
      AppProcess.start('proxy', BROADCAST_ONLY_ENV),
      AppProcess.start('proxy', BROADCAST_ONLY_ENV),
      AppProcess.start('admin'),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), admin?.stop()]);
    await closeTestDb();
  });

  /** A billable request on `protocol`'s own route naming `model` (the body, or the path on Gemini). */
  function ask(proxy: AppProcess, key: string, protocol: Protocol, model: string, content = 'hi mock:output_tokens=2') {
    switch (protocol) {
      case 'openai':
        return callGateway(`${proxy.url}/v1/chat/completions`, { apiKey: key, body: { model, messages: [{ role: 'user', content }] } });
      case 'anthropic':
        return callGateway(`${proxy.url}/anthropic/v1/messages`, {
          apiKey: key,
          headers: { 'anthropic-version': '2023-06-01' },
          body: { model, max_tokens: 64, messages: [{ role: 'user', content }] },
        });
      case 'gemini':
        return callGateway(`${proxy.url}/gemini/v1beta/models/${model}:generateContent`, {
          apiKey: key,
          body: { contents: [{ role: 'user', parts: [{ text: content }] }] },
        });
    }
  }
  const lookup = (proxy: AppProcess, key: string) => callGateway(`${proxy.url}/v1/models`, { apiKey: key, method: 'GET' });
  const scopeOf = (call: GatewayCall) => call.headers.get('x-ratelimit-scope');

  function expectRefused(call: GatewayCall, scope: string, limit: number): void {
    expect(call.status).toBe(429);
    expect(scopeOf(call)).toBe(scope);
    const seconds = call.retryAfter!;
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(call).toMatchObject({ limit, remaining: 0, reset: seconds });
    const message = `Rate limit exceeded. Retry after ${seconds} seconds.`;
    expect(JSON.stringify(call.body)).toContain(message);
  }

  it('key tier: the key limit across both instances, then 429 with X-RateLimit-Scope: key', async () => {
    const account = await createAccount();
    const { key } = await createApiKey(account.id, { rpmLimit: 3 });
    const calls = [await lookup(a, key), await lookup(b, key), await lookup(a, key)];
    expect(calls.map((c) => [c.status, c.limit, c.remaining, scopeOf(c)])).toEqual([
      [200, 3, 2, null],
      [200, 3, 1, null],
      [200, 3, 0, null],
    ]);
    expectRefused(await lookup(b, key), 'key', 3);
  });

  it("key tier: a key without a limit takes its account's rpmLimit", async () => {
    const account = await createAccount({ rpmLimit: 2 });
    const { key } = await createApiKey(account.id);
    expect((await lookup(a, key)).limit).toBe(2);
    await lookup(b, key);
    expectRefused(await lookup(a, key), 'key', 2);
  });

  it('account tier: all its keys together, default twice the asking key\'s limit, on every instance', async () => {
    const account = await createAccount();
    const keys = await Promise.all([1, 2, 3].map(() => createApiKey(account.id, { rpmLimit: 3 })));
    // Twice on each of three keys of 3: each key has 1 left, the account's aggregate (2 x 3 = 6) none.
    for (const { key } of keys) for (const proxy of [a, b]) expect((await lookup(proxy, key)).status).toBe(200);
    expectRefused(await lookup(a, keys[2].key), 'account', 6);
    expectRefused(await lookup(b, keys[0].key), 'account', 6);
    // A key of 10 lifts its own requests' aggregate to 20: 6 counted, it goes on (its own window the tightest).
    const raised = await createApiKey(account.id, { rpmLimit: 10 });
    expect(await lookup(a, raised.key)).toMatchObject({ status: 200, limit: 10, remaining: 9 });

    const capped = await createAccount({ accountRpmLimit: 3 });
    const cappedKeys = await Promise.all([1, 2].map(() => createApiKey(capped.id, { rpmLimit: 10 })));
    expect(await lookup(a, cappedKeys[0].key)).toMatchObject({ status: 200, limit: 3, remaining: 2 });
    expect(await lookup(b, cappedKeys[1].key)).toMatchObject({ status: 200, limit: 3, remaining: 1 });
    expect(await lookup(a, cappedKeys[1].key)).toMatchObject({ status: 200, limit: 3, remaining: 0 });
    expectRefused(await lookup(b, cappedKeys[0].key), 'account', 3);
  });

  describe.each(['openai', 'anthropic', 'gemini'] as const)('model tier on the %s route', (protocol) => {
    it('limits one account on the model (alias and id alike), refused requests counting in no tier', async () => {
      const model = models[protocol];
      const account = await createAccount();
      const { key } = await createApiKey(account.id, { rpmLimit: 5 });
      // The model tier (2) is the tightest: the headers describe it.
      const first = await ask(a, key, protocol, model.alias);
      expect(first).toMatchObject({ status: 200, limit: 2, remaining: 1 });
      const second = await ask(b, key, protocol, model.id);
      expect(second).toMatchObject({ status: 200, limit: 2, remaining: 0 });
      for (const proxy of [a, b, a]) expectRefused(await ask(proxy, key, protocol, model.alias), 'model', 2);

      // Another account is not limited by this one's use of the model.
      const other = await createAccount();
      const { key: otherKey } = await createApiKey(other.id, { rpmLimit: 5 });
      expect(await ask(b, otherKey, protocol, model.alias)).toMatchObject({ status: 200, limit: 2, remaining: 1 });

      // A lookup names no model: key and account tiers only. The three refused requests were not counted: the key has
      // 5 - 2 admitted - this one = 2 left (not 0), its account 10 - 3 = 7.
      expect(await lookup(a, key)).toMatchObject({ status: 200, limit: 5, remaining: 2 });
    });
  });

  it('the official SDKs see the 429 of the tier that refused, with its scope', async () => {
    const account = await createAccount();
    const { key } = await createApiKey(account.id, { rpmLimit: 10 });
    const openai = new OpenAI({ apiKey: key, baseURL: `${a.url}/v1`, maxRetries: 0 });
    const params = { model: models.openai.alias, messages: [{ role: 'user' as const, content: 'hi mock:output_tokens=2' }] };
    const { response } = await openai.chat.completions.create(params).withResponse();
    expect(response.headers.get('x-ratelimit-limit')).toBe('2');
    await openai.chat.completions.create(params);
    const error = await openai.chat.completions.create(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('x-ratelimit-scope')).toBe('model');

    const anthropic = new Anthropic({ apiKey: key, baseURL: `${b.url}/anthropic`, maxRetries: 0 });
    const message = { model: models.anthropic.alias, max_tokens: 16, messages: [{ role: 'user' as const, content: 'hi' }] };
    await anthropic.messages.create(message);
    await anthropic.messages.create(message);
    const refused = await anthropic.messages.create(message).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    const rateLimitError = refused as InstanceType<typeof Anthropic.RateLimitError>;
    expect(rateLimitError.headers.get('x-ratelimit-scope')).toBe('model');
    expect(rateLimitError.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  describe('tokens per minute (tpmLimit)', () => {
    const tokenHeaders = (call: GatewayCall) => [
      Number(call.headers.get('x-ratelimit-limit-tokens')),
      Number(call.headers.get('x-ratelimit-remaining-tokens')),
    ];

    it('shows the key\'s tokens on every answer; refuses a request whose own estimate exceeds the limit', async () => {
      const account = await createAccount();
      const { key } = await createApiKey(account.id, { tpmLimit: 2_000 });
      expect(tokenHeaders(await lookup(a, key))).toEqual([2_000, 2_000]);
      // max_tokens 3000 alone is over 2000: refused before any hold, nothing counted.
      const refused = await callGateway(`${b.url}/v1/chat/completions`, {
        apiKey: key,
        body: { model: unlimited.alias, max_tokens: 3_000, messages: [{ role: 'user', content: 'hi' }] },
      });
      expect(refused.status).toBe(429);
      expect(scopeOf(refused)).toBe('tokens');
      expect(refused.retryAfter).toBe(60);
      expect(refused.body.error.message).toBe('Rate limit exceeded. Retry after 60 seconds.');
      expect(tokenHeaders(refused)[0]).toBe(2_000);
      expect(tokenHeaders(await lookup(a, key))).toEqual([2_000, 2_000]);
      // A key without a limit gets no token headers.
      const { key: plain } = await createApiKey(account.id);
      expect((await lookup(a, plain)).headers.get('x-ratelimit-limit-tokens')).toBeNull();
    });

    it('a request refused for its tokens counts in no request tier', async () => {
      const account = await createAccount();
      const { key } = await createApiKey(account.id, { tpmLimit: 2_000, rpmLimit: 10 });
      const remaining = (call: GatewayCall) => Number(call.headers.get('x-ratelimit-remaining'));
      expect(remaining(await lookup(a, key))).toBe(9);
      const refused = await callGateway(`${b.url}/v1/chat/completions`, {
        apiKey: key,
        body: { model: unlimited.alias, max_tokens: 3_000, messages: [{ role: 'user', content: 'hi' }] },
      });
      expect([refused.status, scopeOf(refused)]).toEqual([429, 'tokens']);
      // The request tiers as they are without it: only the lookup counts.
      expect(remaining(refused)).toBe(9);
      expect(remaining(await lookup(a, key))).toBe(8);
    });

    it("counts a long prompt's tokens exactly when its byte bound would not fit", async () => {
      const account = await createAccount();
      const { key } = await createApiKey(account.id, { tpmLimit: 2_000 });
      // 3,000 bytes of short words: about 500 tokens, but a byte bound of 3,000 on its own is over the limit.
      const content = `${'hello '.repeat(500)}mock:output_tokens=2`;
      const call = await callGateway(`${b.url}/v1/chat/completions`, {
        apiKey: key,
        body: { model: unlimited.alias, max_tokens: 100, messages: [{ role: 'user', content }] },
      });
      expect([call.status, scopeOf(call)]).toEqual([200, null]);
      const [, left] = tokenHeaders(call);
      expect(left).toBeGreaterThan(2_000 - 700);
      expect(left).toBeLessThan(2_000 - 500);
    });

    it.each(['openai', 'anthropic', 'gemini'] as const)(
      'takes the estimate of a request on the %s route, then counts the tokens it really used',
      async (protocol) => {
        const account = await createAccount();
        const { key } = await createApiKey(account.id, { tpmLimit: 100_000 });
        const call = await ask(b, key, protocol, models[protocol].alias, 'hi mock:output_tokens=5');
        expect(call.status).toBe(200);
        // The estimate (the body's input bound plus the most output it may produce) counted while it ran...
        const [limit, left] = tokenHeaders(call);
        expect(limit).toBe(100_000);
        expect(left).toBeLessThan(100_000 - 5);
        // ...and, once settled, on every instance, the few tokens it used instead.
        const settled = await waitFor(async () => {
          const [, remaining] = tokenHeaders(await lookup(a, key));
          return remaining > left && remaining < 100_000 ? remaining : null;
        });
        expect(100_000 - settled).toBeGreaterThanOrEqual(5);
        expect(100_000 - settled).toBeLessThan(100);
      },
    );

    it('gives a request refused after its admission (a bad body, a forbidden model, no balance) its tokens back', async () => {
      // The admission takes the estimate in the request tiers' round trip when its byte bound fits; these refusals
      // come later (the resolve and reserve stages), and must not leave it counted.
      const [account, poor] = await Promise.all([createAccount(), createAccount({ balanceUsd: '0' })]);
      const { key } = await createApiKey(account.id, { tpmLimit: 2_000, allowedModels: [models.openai.id] });
      const { key: broke } = await createApiKey(poor.id, { tpmLimit: 2_000 });
      const refusals = [
        { apiKey: key, status: 400, body: { model: models.openai.alias, max_tokens: 300, messages: 'not a list' } },
        { apiKey: key, status: 403, body: { model: unlimited.alias, max_tokens: 300, messages: [{ role: 'user', content: 'hi' }] } },
        { apiKey: broke, status: 402, body: { model: unlimited.alias, max_tokens: 300, messages: [{ role: 'user', content: 'hi' }] } },
      ];
      for (const { apiKey, status, body } of refusals) {
        const refused = await callGateway(`${a.url}/v1/chat/completions`, { apiKey, body });
        expect(refused.status).toBe(status);
        // Taken at admission (its headers say so: at least the 300 it may produce)...
        const [limit, left] = tokenHeaders(refused);
        expect(limit).toBe(2_000);
        expect(left).toBeLessThanOrEqual(2_000 - 300);
        // ...and handed back once its response closed, on every instance.
        expect(await waitFor(async () => (tokenHeaders(await lookup(b, apiKey))[1] === 2_000 ? true : null))).toBe(true);
      }
    });

    it('counts the estimates in flight on every instance, then the tokens really used once settled', async () => {
      const account = await createAccount();
      const { key } = await createApiKey(account.id, { tpmLimit: 2_000 });
      const body = (maxTokens: number, content: string) => ({
        model: unlimited.alias,
        max_tokens: maxTokens,
        messages: [{ role: 'user', content }],
      });
      // In flight for 3 s on instance a: its estimate (input bound + 1500) counts on b meanwhile.
      const slow = callGateway(`${a.url}/v1/chat/completions`, { apiKey: key, body: body(1_500, 'hi mock:delay_ms=3000 mock:output_tokens=40') });
      const inFlight = await waitFor(async () => {
        const [, remaining] = tokenHeaders(await lookup(b, key));
        return remaining < 500 ? remaining : null;
      });
      expect(inFlight).toBeGreaterThan(0);
      const squeezed = await callGateway(`${b.url}/v1/chat/completions`, { apiKey: key, body: body(500, 'hi') });
      expect(squeezed.status).toBe(429);
      expect(scopeOf(squeezed)).toBe('tokens');
      expect(tokenHeaders(squeezed)).toEqual([2_000, inFlight]);

      const done = await slow;
      expect(done.status).toBe(200);
      const used = done.body.usage.prompt_tokens + done.body.usage.completion_tokens;
      // Settled: the estimate leaves, the tokens used stay for the window.
      expect(await waitFor(async () => {
        const [, remaining] = tokenHeaders(await lookup(b, key));
        return remaining === 2_000 - used ? remaining : null;
      })).toBe(2_000 - used);
      const fits = await callGateway(`${b.url}/v1/chat/completions`, { apiKey: key, body: body(500, 'hi mock:output_tokens=3') });
      expect([fits.status, scopeOf(fits), fits.body]).toEqual([200, null, expect.anything()]);
      expect(tokenHeaders(fits)[1]).toBeLessThan(2_000 - used - 500);
    });
  });

  describe('support changes limits through the admin API; every instance applies them at once', () => {
    /** Asks both instances until each answers with `expected`; the proxies' caches outlive the wait (broadcast only). */
    async function untilBoth(send: (proxy: AppProcess) => Promise<GatewayCall>, expected: (call: GatewayCall) => boolean) {
      const seen = new Set<AppProcess>();
      const startedAt = Date.now();
      while (seen.size < 2 && Date.now() - startedAt < PROPAGATION_WAIT_MS) {
        for (const proxy of [a, b]) if (!seen.has(proxy) && expected(await send(proxy))) seen.add(proxy);
        if (seen.size < 2) await sleep(50);
      }
      expect(seen.size).toBe(2);
    }

    it("PUT /admin/v1/accounts/:id/rpm-limit: the key default and the aggregate; null goes back to the defaults", async () => {
      const staff = new AdminApi(admin.url);
      const support = staff.as((await staff.createStaff('support')).token);
      const account = await createAccount();
      const { key } = await createApiKey(account.id);
      const { key: own } = await createApiKey(account.id, { rpmLimit: 50 });
      expect((await lookup(a, key)).limit).toBe(60);
      expect((await lookup(b, key)).limit).toBe(60);

      const put = await support.put(`/admin/v1/accounts/${account.id}/rpm-limit`, { rpm: 40, accountRpm: 45 });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ rpmLimit: 40, accountRpmLimit: 45 });
      // The key without a limit follows the account's 40 (tighter than the aggregate's 45 while few are counted);
      // the key of 50 meets the aggregate.
      await untilBoth((proxy) => lookup(proxy, key), (call) => call.limit === 40);
      await untilBoth((proxy) => lookup(proxy, own), (call) => call.limit === 45);

      const reset = await support.put(`/admin/v1/accounts/${account.id}/rpm-limit`, { rpm: null, accountRpm: null });
      expect(reset.body).toMatchObject({ rpmLimit: null, accountRpmLimit: null });
      // Defaults again: the key 60 (its aggregate 120), the key of 50 (its aggregate 100).
      await untilBoth((proxy) => lookup(proxy, own), (call) => call.limit === 50);
      await untilBoth((proxy) => lookup(proxy, key), (call) => call.limit === 60);
    });

    it("PUT /admin/v1/models/:id rpmPerAccount: applied on both instances; null goes back to the default (none)", async () => {
      const staff = new AdminApi(admin.url);
      const model = await createModel({ provider: 'openai' });
      const account = await createAccount();
      const { key } = await createApiKey(account.id, { rpmLimit: 100 });
      expect(await ask(a, key, 'openai', model.alias)).toMatchObject({ status: 200, limit: 100 });

      const put = await staff.put(`/admin/v1/models/${encodeURIComponent(model.id)}`, { rpmPerAccount: 30 });
      expect(put.status).toBe(200);
      expect(put.body.rpmPerAccount).toBe(30);
      await untilBoth((proxy) => ask(proxy, key, 'openai', model.alias), (call) => call.status === 200 && call.limit === 30);

      await staff.put(`/admin/v1/models/${encodeURIComponent(model.id)}`, { rpmPerAccount: null });
      await untilBoth((proxy) => ask(proxy, key, 'openai', model.alias), (call) => call.status === 200 && call.limit === 100);
    });
  });
});
