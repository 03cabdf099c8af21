import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../libs/config/src';
import { RateTier, RateTierKeys, RateTierWindows, RedisService } from '../../libs/redis/src';
import { TokenEstimate, TokenLimit } from '../../apps/proxy/src/pipeline/token-limit';
import { resolved } from '../factories/proxy-stage.factory';
import { testEnv } from '../support/test-env';

const MINUTE_MS = 60_000;
const BODY = { model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] };

/** The reserve stage's estimate of a request, with an exact count that says whether it was asked. */
function estimateOf(bound: number, exact: number | null, floor = 100) {
  const asked = { count: 0 };
  const estimate: TokenEstimate = {
    bound,
    floor,
    exact: async () => {
      asked.count++;
      return exact;
    },
  };
  return { estimate, asked };
}

describe('tokens per minute of a key (TokenLimit) on Redis', () => {
  let redis: RedisService;
  let tiers: RateTierWindows;
  let sut: TokenLimit;

  beforeAll(async () => {
    const config = loadConfig(testEnv());
    redis = new RedisService(config);
    tiers = new RateTierWindows(redis);
    sut = new TokenLimit(config, redis);
    if (redis.client.status !== 'ready') await new Promise((resolve) => redis.client.once('ready', resolve));
  });

  afterAll(async () => {
    await redis.onModuleDestroy();
  });

  /** A request of a fresh account and key with `tpmLimit`, counted in its three request tiers as the admit stage does. */
  async function admittedRequest(tpmLimit: number) {
    const request = resolved(BODY, undefined, { accountId: randomUUID(), id: randomUUID(), tpmLimit });
    const keys = new RateTierKeys(redis, request.accountId);
    const requestTiers: RateTier[] = [
      { scope: 'key', key: keys.key(request.keyId), limit: 10 },
      { scope: 'account', key: keys.account(), limit: 20 },
      { scope: 'model', key: keys.model(request.model.id), limit: 5 },
    ];
    await tiers.hit({ tiers: requestTiers, windowMs: MINUTE_MS, member: request.context.generationId });
    return { request, requestTiers };
  }

  it('takes the byte bound when it fits, never counting exactly', async () => {
    const { request } = await admittedRequest(1_000);
    const { estimate, asked } = estimateOf(900, 300);
    expect(await sut.take(request, estimate, {})).toEqual({ taken: { estimate: 900 }, state: { limit: 1_000, remaining: 100 } });
    expect(asked.count).toBe(0);
  });

  it('counts exactly when the bound does not fit, and takes the exact count when that fits', async () => {
    const { request, requestTiers } = await admittedRequest(1_000);
    const { estimate, asked } = estimateOf(2_400, 700);
    expect(await sut.take(request, estimate, {})).toEqual({ taken: { estimate: 700 }, state: { limit: 1_000, remaining: 300 } });
    expect(asked.count).toBe(1);
    // Admitted: still counted in its request tiers.
    for (const tier of requestTiers) expect(await redis.client.zcard(tier.key)).toBe(1);
  });

  it('refuses with 429 (scope tokens) when even the exact count does not fit, and the request counts in no tier', async () => {
    const { request, requestTiers } = await admittedRequest(1_000);
    const { estimate, asked } = estimateOf(2_400, 1_200);
    await expect(sut.take(request, estimate, { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '9' })).rejects.toMatchObject({
      status: 429,
      message: 'Rate limit exceeded. Retry after 60 seconds.',
      headers: expect.objectContaining({
        'retry-after': '60',
        'x-ratelimit-scope': 'tokens',
        'x-ratelimit-limit': '10',
        // The request tiers' state without this request (the factory's admitted state: 59 of 60 left).
        'x-ratelimit-remaining': '60',
        'x-ratelimit-remaining-tokens': '1000',
      }),
    });
    expect(asked.count).toBe(1);
    expect(request.context.throttledBy).toBe('tpm');
    for (const tier of requestTiers) expect(await redis.client.zcard(tier.key)).toBe(0);
  });

  it('does not count when nothing could fit (the floor over what is left), nor when there is no exact count', async () => {
    const full = await admittedRequest(1_000);
    const busy = estimateOf(900, 10);
    await sut.take(full.request, busy.estimate, {});
    const second = resolved(BODY, undefined, { accountId: full.request.accountId, id: full.request.keyId, tpmLimit: 1_000 });
    const tooBig = estimateOf(800, 10, 200);
    await expect(sut.take(second, tooBig.estimate, {})).rejects.toMatchObject({ status: 429 });
    expect(tooBig.asked.count).toBe(0);

    const { request } = await admittedRequest(1_000);
    await expect(sut.take(request, estimateOf(2_400, null).estimate, {})).rejects.toMatchObject({ status: 429 });
  });

  it('takes nothing from a key without a limit', async () => {
    const request = resolved(BODY, undefined, { accountId: randomUUID(), tpmLimit: null });
    const { estimate, asked } = estimateOf(10_000_000, 1);
    expect(await sut.take(request, estimate, {})).toBeUndefined();
    expect(asked.count).toBe(0);
  });
});
