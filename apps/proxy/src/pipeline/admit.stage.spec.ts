import { EventEmitter } from 'node:events';
import type { CatalogModel, ModelCatalog } from '@gw/catalog';
import { IpAllowlist } from '@gw/common';
import type { AppConfig } from '@gw/config';
import type { RedisService } from '@gw/redis';
import { ACCOUNT_ID, caller, KEY_ID, modelRecord } from '../../../../test/factories/proxy-stage.factory';
import type { AuthFailureLimiter } from '../middleware/auth-failure.limiter';
import { AdmitStage } from './admit.stage';
import { TokenLimit } from './token-limit';

const CLIENT = { ip: '203.0.113.7' };
const MODEL = { id: 'openai/gpt-4.1-mini', aliases: ['gpt-4.1-mini'], rpmPerAccount: 30 } as CatalogModel;
const UNLIMITED_MODEL = { id: 'openai/gpt-4.1', aliases: [], rpmPerAccount: 0 } as unknown as CatalogModel;
/** A model the hold plan can price and bound (maximum output 4,096 by default). */
const PRICED_MODEL = { ...modelRecord({ id: 'openai/priced', maxOutputTokens: 4_096 }), aliases: ['priced'], rpmPerAccount: 0 } as unknown as CatalogModel;
const CHAT_BODY = { model: 'priced', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 100 };

/** The tiers script's reply: refusing tier (0: none), then count and µs to wait per tier, then tokens used. */
type TiersReply = number[];

/** A response that closes when told to. */
class FakeResponse extends EventEmitter {
  destroyed = false;
}

function setUp(options: { tiers?: TiersReply | Error; gateMs?: number; maxInflightRequests?: number } = {}) {
  const tiersCalls: (string | number)[][] = [];
  const forgotten: (string | number)[][] = [];
  const handedBack: (string | number)[][] = [];
  const client = {
    defineCommand: jest.fn(),
    gwRateTiers: jest.fn(async (...args: (string | number)[]) => {
      tiersCalls.push(args);
      const reply = options.tiers ?? [0, 1, 0, 1, 0, 1, 0];
      if (reply instanceof Error) throw reply;
      return reply;
    }),
    gwAuthGate: jest.fn(async () => options.gateMs ?? 0),
    gwRateTiersForget: jest.fn(async (...args: (string | number)[]) => void forgotten.push(args)),
    gwTokensTake: jest.fn(),
    gwTokensSettle: jest.fn(async (...args: (string | number)[]) => void handedBack.push(args)),
  };
  const redis = { client, key: (...parts: string[]) => `test:${parts.join(':')}` } as unknown as RedisService;
  const failures = { gate: () => ({ key: 'test:authfail:203.0.113.7', limit: 5 }) } as unknown as AuthFailureLimiter;
  const config = {
    proxy: { defaultRpm: 60, rateLimitWindowMs: 60_000, maxInflightRequests: options.maxInflightRequests ?? 10 },
  } as AppConfig;
  const models = new Map([MODEL, UNLIMITED_MODEL, PRICED_MODEL].flatMap((model) => [model.id, ...model.aliases].map((name) => [name, model])));
  const catalog = {
    resolve: (name: string) => models.get(name),
    resolveAfterReload: async (name: string) => models.get(name),
  } as unknown as ModelCatalog;
  return { sut: new AdmitStage(config, redis, failures, catalog, new TokenLimit(config, redis)), tiersCalls, forgotten, handedBack };
}

/** The keys and limits the script was called with: [keys, limits]. */
function tiersOf(call: (string | number)[]): { keys: string[]; limits: number[] } {
  const count = call[0] as number;
  const keys = call.slice(1, 1 + count) as string[];
  const args = call.slice(1 + count);
  const tiers = args[2] as number;
  return { keys, limits: args.slice(3, 3 + tiers) as number[] };
}

describe(AdmitStage.name, () => {
  it('checks the key, account and model tiers in one script, on keys sharing the account\'s hash tag', async () => {
    const { sut, tiersCalls } = setUp({ tiers: [0, 3, 0, 5, 0, 1, 0] });
    const admitted = await sut.admit(caller(), CLIENT, new FakeResponse(), 'gpt-4.1-mini');
    expect(tiersCalls).toHaveLength(1);
    const { keys, limits } = tiersOf(tiersCalls[0]);
    expect(limits).toEqual([60, 120, 30]);
    expect(keys).toEqual([
      `{test:rl:${ACCOUNT_ID}}:key:${KEY_ID}`,
      `{test:rl:${ACCOUNT_ID}}:account`,
      // The canonical id, whatever name the client used.
      `{test:rl:${ACCOUNT_ID}}:model:openai/gpt-4.1-mini`,
    ]);
    // The model tier (30, 1 counted) has the fewest remaining: the headers describe it.
    expect(admitted.rateLimit).toEqual({ limit: 30, remaining: 29, resetSeconds: 0 });
  });

  it("takes the key's limit, else its account's; the account's aggregate, else twice the key's", async () => {
    const cases = [
      { key: {}, limits: [60, 120] },
      { key: { account: { rpmLimit: 10, accountRpmLimit: null } }, limits: [10, 20] },
      { key: { rpmLimit: 500, account: { rpmLimit: 10, accountRpmLimit: null } }, limits: [500, 1_000] },
      { key: { rpmLimit: 500, account: { rpmLimit: 10, accountRpmLimit: 700 } }, limits: [500, 700] },
    ];
    for (const { key, limits } of cases) {
      const { sut, tiersCalls } = setUp({ tiers: [0, 1, 0, 1, 0] });
      await sut.admit(caller({ key }), CLIENT, new FakeResponse());
      expect(tiersOf(tiersCalls[0]).limits).toEqual(limits);
    }
  });

  it('has no model tier on lookups, for unknown names, or for a model without a limit', async () => {
    for (const name of [undefined, 'no-such-model', 'openai/gpt-4.1']) {
      const { sut, tiersCalls } = setUp({ tiers: [0, 1, 0, 1, 0] });
      await sut.admit(caller(), CLIENT, new FakeResponse(), name);
      expect(tiersOf(tiersCalls[0]).limits).toEqual([60, 120]);
    }
  });

  it('refuses with the refusing tier in X-RateLimit-Scope and its wait in Retry-After', async () => {
    const cases = [
      { reply: [1, 60, 12_000_000, 61, 3_000_000, 2, 0], scope: 'key', throttledBy: 'rpm', limit: 60, retry: '12' },
      { reply: [2, 10, 1_000_000, 120, 7_500_000, 2, 0], scope: 'account', throttledBy: 'account_rpm', limit: 120, retry: '8' },
      { reply: [3, 10, 1_000_000, 20, 1_000_000, 30, 45_000_000], scope: 'model', throttledBy: 'model_rpm', limit: 30, retry: '45' },
    ];
    for (const { reply, scope, throttledBy, limit, retry } of cases) {
      const { sut } = setUp({ tiers: reply });
      const who = caller();
      await expect(sut.admit(who, CLIENT, new FakeResponse(), 'gpt-4.1-mini')).rejects.toMatchObject({
        status: 429,
        message: `Rate limit exceeded. Retry after ${retry} seconds.`,
        headers: {
          'retry-after': retry,
          'x-ratelimit-scope': scope,
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': retry,
        },
      });
      expect(who.context.throttledBy).toBe(throttledBy);
    }
  });

  it('refuses a blocked address with 429, labelled as such, and takes the request back out of the tiers', async () => {
    const { sut, forgotten } = setUp({ tiers: [0, 4, 0, 4, 0], gateMs: 30_000 });
    const who = caller();
    await expect(sut.admit(who, CLIENT, new FakeResponse())).rejects.toMatchObject({
      status: 429,
      headers: { 'retry-after': '30', 'x-ratelimit-remaining': '57' },
    });
    expect(who.context.throttledBy).toBe('auth_failure');
    expect(forgotten).toEqual([[2, `{test:rl:${ACCOUNT_ID}}:key:${KEY_ID}`, `{test:rl:${ACCOUNT_ID}}:account`, who.context.generationId]]);
  });

  it("reads the key's tokens per minute in the same script when it has a limit", async () => {
    const { sut, tiersCalls } = setUp({ tiers: [0, 1, 0, 1, 0, 1_500] });
    const admitted = await sut.admit(caller({ key: { tpmLimit: 2_000 } }), CLIENT, new FakeResponse());
    expect(tiersCalls[0][0]).toBe(5);
    expect(tiersCalls[0].slice(3, 6)).toEqual([
      `{test:rl:${ACCOUNT_ID}}:tpm:${KEY_ID}:settled`,
      `{test:rl:${ACCOUNT_ID}}:tpm:${KEY_ID}:inflight`,
      `{test:rl:${ACCOUNT_ID}}:tpm:${KEY_ID}:totals`,
    ]);
    expect(admitted.rateLimit.tokens).toEqual({ limit: 2_000, remaining: 500 });
  });

  describe("taking the key's tokens per minute in the same round trip", () => {
    const TPM_KEY = { key: { tpmLimit: 50_000 } };
    /** The take's arguments after the in-flight lifetime: [limit, estimate], or [] when none was asked. */
    const takeOf = (call: (string | number)[]) => call.slice(1 + (call[0] as number) + 3 + 2 + 1);

    it("asks for the body's byte bound plus its output limit, and carries what was taken", async () => {
      const { sut, tiersCalls } = setUp({ tiers: [0, 1, 0, 1, 0, 1_234, 1_200] });
      const who = caller(TPM_KEY);
      const admitted = await sut.admit(who, CLIENT, new FakeResponse(), 'priced', CHAT_BODY);
      const [limit, estimate] = takeOf(tiersCalls[0]);
      expect(limit).toBe(50_000);
      // The input's bound (a few tokens for "hello there" and the framing) plus max_tokens.
      expect(estimate).toBeGreaterThan(100);
      expect(estimate).toBeLessThan(200);
      expect(admitted.tokens).toEqual({ estimate: 1_200 });
      expect(admitted.rateLimit.tokens).toEqual({ limit: 50_000, remaining: 50_000 - 1_234 });
    });

    it('hands them back when the response closes unbilled, and leaves them to the settlement once billed', async () => {
      for (const billed of [false, true]) {
        const { sut, handedBack } = setUp({ tiers: [0, 1, 0, 1, 0, 1_234, 1_200] });
        const who = caller(TPM_KEY);
        const response = new FakeResponse();
        await sut.admit(who, CLIENT, response, 'priced', CHAT_BODY);
        if (billed) who.context.billed = true;
        expect(handedBack).toEqual([]);
        response.emit('close');
        if (billed) {
          expect(handedBack).toEqual([]);
        } else {
          expect(handedBack).toHaveLength(1);
          // The in-flight member the script logged (<generation id>:<estimate>), and no tokens used.
          expect(handedBack[0].slice(3, 6)).toEqual([`${who.context.generationId}:1200`, `${who.context.generationId}:0`, 0]);
        }
      }
    });

    it('hands them back at once when the client has already left', async () => {
      const { sut, handedBack } = setUp({ tiers: [0, 1, 0, 1, 0, 1_234, 1_200] });
      const gone = new FakeResponse();
      gone.destroyed = true;
      await sut.admit(caller(TPM_KEY), CLIENT, gone, 'priced', CHAT_BODY);
      expect(handedBack).toHaveLength(1);
    });

    it('hands them back when the address is blocked for failed authentications', async () => {
      const { sut, handedBack } = setUp({ tiers: [0, 1, 0, 1, 0, 1_234, 1_200], gateMs: 30_000 });
      const response = new FakeResponse();
      await expect(sut.admit(caller(TPM_KEY), CLIENT, response, 'priced', CHAT_BODY)).rejects.toMatchObject({ status: 429 });
      response.emit('close');
      expect(handedBack).toHaveLength(1);
    });

    it('carries nothing when the estimate did not fit (the reserve stage takes it then)', async () => {
      const { sut, handedBack } = setUp({ tiers: [0, 1, 0, 1, 0, 49_990, 0] });
      const response = new FakeResponse();
      const admitted = await sut.admit(caller(TPM_KEY), CLIENT, response, 'priced', CHAT_BODY);
      expect(admitted.tokens).toBeUndefined();
      response.emit('close');
      expect(handedBack).toEqual([]);
    });

    it('asks for nothing without a body, for an unknown model, on a route that is not billed, or for a key without a limit', async () => {
      const lookup = { protocol: 'openai', endpoint: 'key_info', billable: false } as const;
      const cases: [Parameters<typeof caller>[0], string | undefined, unknown][] = [
        [TPM_KEY, 'priced', undefined],
        [TPM_KEY, 'priced', 'not an object'],
        [TPM_KEY, 'no-such-model', CHAT_BODY],
        [{ ...TPM_KEY, route: lookup }, undefined, undefined],
        [{}, 'priced', CHAT_BODY],
      ];
      for (const [overrides, model, body] of cases) {
        const { sut, tiersCalls } = setUp({ tiers: [0, 1, 0, 1, 0, 0, 0] });
        await sut.admit(caller(overrides), CLIENT, new FakeResponse(), model, body);
        expect(takeOf(tiersCalls[0])).toEqual([]);
      }
    });
  });

  it('refuses an address outside the allow-list with 403 and the tiers as they stand, counting it nowhere', async () => {
    // key 3 of 10 used, account 19 of 20, model 2 of 30: the account is the tightest; 1,200 tokens of 2,000 used.
    const { sut, tiersCalls } = setUp({ tiers: [0, 3, 40e6, 19, 10e6, 2, 5e6, 1_200] });
    const who = caller({ key: { rpmLimit: 10, allowedIps: IpAllowlist.compile(['198.51.100.0/24', '2001:db8::/32']), tpmLimit: 2_000 } });
    await expect(sut.admit(who, CLIENT, new FakeResponse(), 'gpt-4.1-mini')).rejects.toMatchObject({
      status: 403,
      type: 'permission_error',
      message: 'IP address not allowed for this key',
      headers: {
        'x-ratelimit-limit': '20',
        'x-ratelimit-remaining': '1',
        'x-ratelimit-reset': '10',
        'x-ratelimit-limit-tokens': '2000',
        'x-ratelimit-remaining-tokens': '800',
      },
    });
    // Read with no member: the script logs nothing; no slot taken.
    expect(tiersCalls).toHaveLength(1);
    expect(tiersOf(tiersCalls[0]).limits).toEqual([10, 20, 30]);
    expect(tiersCalls[0][1 + (tiersCalls[0][0] as number) + 1]).toBe('');
    expect(sut.inFlight).toBe(0);
    // From a listed address (IPv6 range) the same key is admitted and counted.
    await sut.admit(who, { ip: '2001:db8::7' }, new FakeResponse(), 'gpt-4.1-mini');
    expect(tiersCalls[1][1 + (tiersCalls[1][0] as number) + 1]).toBe(who.context.generationId);
  });

  it('still answers the allow-list 403 when Redis cannot read the tiers (without the headers)', async () => {
    const { sut } = setUp({ tiers: new Error('connection refused') });
    const who = caller({ key: { allowedIps: IpAllowlist.compile(['198.51.100.7']) } });
    const refusal = await sut.admit(who, CLIENT, new FakeResponse()).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ status: 403, message: 'IP address not allowed for this key', headers: {} });
  });

  it('answers 503 when Redis cannot decide (never unmetered traffic)', async () => {
    const { sut } = setUp({ tiers: new Error('connection refused') });
    await expect(sut.admit(caller(), CLIENT, new FakeResponse())).rejects.toMatchObject({ status: 503 });
  });

  it('holds at most MAX_INFLIGHT_REQUESTS admitted requests, each until its response closes', async () => {
    // key 3 of 60 used, account 7 of 120: the key is the tightest.
    const { sut, tiersCalls } = setUp({ maxInflightRequests: 2, tiers: [0, 3, 30e6, 7, 20e6, 0] });
    const first = new FakeResponse();
    await sut.admit(caller(), CLIENT, first);
    await sut.admit(caller(), CLIENT, new FakeResponse());
    const third = caller();
    // Shed with the tiers as they stand (an authenticated answer), read without logging the request anywhere.
    await expect(sut.admit(third, CLIENT, new FakeResponse())).rejects.toMatchObject({
      status: 503,
      headers: { 'retry-after': '1', 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '57', 'x-ratelimit-reset': '30' },
    });
    expect(tiersCalls[2][1 + (tiersCalls[2][0] as number) + 1]).toBe('');
    expect(third.context.shedBy).toBe('in_flight');
    first.emit('close');
    expect(sut.inFlight).toBe(1);
    await expect(sut.admit(caller(), CLIENT, new FakeResponse())).resolves.toBeDefined();
  });

  it('gives no slot to a request whose client already left', async () => {
    const { sut } = setUp({ maxInflightRequests: 1 });
    const gone = new FakeResponse();
    gone.destroyed = true;
    await sut.admit(caller(), CLIENT, gone);
    expect(sut.inFlight).toBe(0);
  });
});
