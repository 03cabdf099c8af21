import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../libs/config/src';
import { RateTier, RateTierKeys, RateTierWindows, RedisService, TokenWindow, TokenWindowKeys } from '../../libs/redis/src';
import { testEnv } from '../support/test-env';

const MINUTE_MS = 60_000;

describe('rate limits in tiers (RateTierWindows, TokenWindow)', () => {
  let redis: RedisService;
  let sut: RateTierWindows;
  let tokens: TokenWindow;

  beforeAll(async () => {
    redis = new RedisService(loadConfig(testEnv()));
    sut = new RateTierWindows(redis);
    tokens = new TokenWindow(redis);
    if (redis.client.status !== 'ready') await new Promise((resolve) => redis.client.once('ready', resolve));
  });

  afterAll(async () => {
    await redis.onModuleDestroy();
  });

  /** A fresh account's three tiers with the given limits. */
  function tiersOf(limits: { key: number; account: number; model?: number }) {
    const keys = new RateTierKeys(redis, randomUUID());
    const tiers: RateTier[] = [
      { scope: 'key', key: keys.key('k1'), limit: limits.key },
      { scope: 'account', key: keys.account(), limit: limits.account },
    ];
    if (limits.model) tiers.push({ scope: 'model', key: keys.model('openai/m'), limit: limits.model });
    return { keys, tiers };
  }

  const hit = (tiers: RateTier[], extra: object = {}) => sut.hit({ tiers, windowMs: MINUTE_MS, member: randomUUID(), ...extra });

  it("keeps every key of an account in one Redis Cluster slot (the account's hash tag)", () => {
    const keys = new RateTierKeys(redis, 'acc-1');
    const tags = [keys.key('k'), keys.account(), keys.model('openai/m'), ...Object.values(keys.tokens('k'))].map(
      (key) => key.slice(key.indexOf('{') + 1, key.indexOf('}')),
    );
    expect(new Set(tags)).toEqual(new Set([redis.key('rl', 'acc-1')]));
  });

  it('admits exactly the tightest tier out of many concurrent requests, and logs each in every tier', async () => {
    const { tiers } = tiersOf({ key: 50, account: 50, model: 7 });
    const results = await Promise.all(Array.from({ length: 30 }, () => hit(tiers)));
    const admitted = results.filter((r) => !r.refusedBy);
    expect(admitted).toHaveLength(7);
    for (const tier of tiers) expect(await redis.client.zcard(tier.key)).toBe(7);
    for (const refused of results.filter((r) => r.refusedBy)) {
      expect(refused.refusedBy).toMatchObject({ scope: 'model', limit: 7, count: 7, remaining: 0 });
      expect(refused.refusedBy!.resetSeconds).toBeGreaterThanOrEqual(59);
    }
  });

  it('peek reads the tiers as they stand and logs nothing, full tiers included', async () => {
    const { tiers } = tiersOf({ key: 2, account: 10, model: 10 });
    await hit(tiers);
    const seen = await sut.peek({ tiers, windowMs: MINUTE_MS });
    expect(seen.tiers.map((t) => [t.scope, t.count, t.remaining])).toEqual([['key', 1, 1], ['account', 1, 9], ['model', 1, 9]]);
    expect(seen.refusedBy).toBeUndefined();
    await hit(tiers);
    const full = await sut.peek({ tiers, windowMs: MINUTE_MS });
    expect(full.refusedBy).toMatchObject({ scope: 'key', count: 2, remaining: 0 });
    expect(full.refusedBy!.resetSeconds).toBeGreaterThanOrEqual(59);
    for (const tier of tiers) expect(await redis.client.zcard(tier.key)).toBe(2);
  });

  it('refuses by the first full tier, and a refused request counts in none', async () => {
    const { tiers } = tiersOf({ key: 2, account: 10, model: 10 });
    await hit(tiers);
    await hit(tiers);
    const refused = await hit(tiers);
    expect(refused.refusedBy?.scope).toBe('key');
    expect(refused.tiers.map((t) => [t.scope, t.count])).toEqual([
      ['key', 2],
      ['account', 2],
      ['model', 2],
    ]);
    for (const tier of tiers) expect(await redis.client.zcard(tier.key)).toBe(2);
  });

  it('shares the account and model tiers across keys, each key with its own', async () => {
    const { keys, tiers } = tiersOf({ key: 5, account: 3 });
    const other: RateTier[] = [{ scope: 'key', key: keys.key('k2'), limit: 5 }, tiers[1]];
    await hit(tiers);
    await hit(other);
    await hit(tiers);
    const refused = await hit(other);
    expect(refused.refusedBy).toMatchObject({ scope: 'account', limit: 3, count: 3 });
    expect(refused.tiers[0]).toMatchObject({ scope: 'key', count: 1, remaining: 4 });
  });

  /** Redis's clock in microseconds (the script's time base). */
  async function redisNowMicros(): Promise<number> {
    const [seconds, micros] = await redis.client.time();
    return Number(seconds) * 1_000_000 + Number(micros);
  }

  /** Requests admitted `agesMs` ago in a tier, as the script logs them. */
  async function seedAdmitted(key: string, agesMs: number[]): Promise<void> {
    const now = await redisNowMicros();
    for (const age of agesMs) await redis.client.zadd(key, now - age * 1000, randomUUID());
    await redis.client.pexpire(key, MINUTE_MS);
  }

  it('gives Retry-After as the whole seconds, rounded up, until the oldest counted request leaves the window', async () => {
    const { tiers } = tiersOf({ key: 2, account: 10 });
    await seedAdmitted(tiers[0].key, [45_000, 20_000]);
    expect((await hit(tiers)).refusedBy).toEqual({ scope: 'key', limit: 2, count: 2, remaining: 0, resetSeconds: 15 });
  });

  it('after a limit decrease, waits until enough requests left the window to be under the new limit', async () => {
    const { tiers } = tiersOf({ key: 3, account: 10 });
    await seedAdmitted(tiers[0].key, [50_000, 40_000, 30_000, 20_000, 10_000]);
    // 5 counted, limit 3: the two oldest and the 30-second-old one must leave first.
    expect((await hit(tiers)).refusedBy).toMatchObject({ scope: 'key', count: 5, resetSeconds: 30 });
  });

  it('slides: requests leave one by one as they age out, with no fresh burst at a window edge', async () => {
    const { tiers } = tiersOf({ key: 4, account: 100 });
    await seedAdmitted(tiers[0].key, [59_700, 59_700, 30_000, 30_000]);
    expect((await hit(tiers)).refusedBy?.scope).toBe('key');
    await new Promise((resolve) => setTimeout(resolve, 600));
    // The two oldest left; the two 30-second-old ones still count: two slots, not four.
    const burst = await Promise.all(Array.from({ length: 4 }, () => hit(tiers)));
    expect(burst.filter((r) => !r.refusedBy)).toHaveLength(2);
  });

  it('reports when the count next drops while under the limit (X-RateLimit-Reset), and expires each log after a window', async () => {
    const { tiers } = tiersOf({ key: 5, account: 10 });
    await seedAdmitted(tiers[0].key, [50_000]);
    const admitted = await hit(tiers);
    expect(admitted.tiers[0]).toEqual({ scope: 'key', limit: 5, count: 2, remaining: 3, resetSeconds: 10 });
    expect(admitted.tiers[1]).toEqual({ scope: 'account', limit: 10, count: 1, remaining: 9, resetSeconds: 60 });
    for (const tier of tiers) {
      const ttl = await redis.client.pttl(tier.key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(MINUTE_MS);
    }
  });

  it('takes a request back out of every tier when the address gate beside it is closed', async () => {
    const { tiers } = tiersOf({ key: 5, account: 10 });
    const gateKey = redis.key('it-gate', randomUUID());
    await redis.client.set(gateKey, '3', 'PX', 42_500);
    const gated = await hit(tiers, { gate: { key: gateKey, limit: 3 } });
    expect(gated.gateBlockedMs).toBeGreaterThan(42_000);
    expect(gated.refusedBy).toBeUndefined();
    for (const tier of tiers) expect(await redis.client.zcard(tier.key)).toBe(0);
    const open = await hit(tiers, { gate: { key: gateKey, limit: 4 } });
    expect(open.gateBlockedMs).toBe(0);
    for (const tier of tiers) expect(await redis.client.zcard(tier.key)).toBe(1);
  });

  describe('tokens per minute', () => {
    const tokenKeys = () => new RateTierKeys(redis, randomUUID()).tokens('k1');
    const take = (keys: TokenWindowKeys, id: string, estimate: number, limit = 1_000, windowMs = MINUTE_MS) =>
      tokens.reserve({ ...keys, limit, windowMs, id, estimate, inFlightLifetimeMs: 600_000 });
    const settle = (keys: TokenWindowKeys, id: string, estimate: number, used: number, windowMs = MINUTE_MS) =>
      tokens.settle({ ...keys, id, estimate, tokens: used, windowMs, inFlightLifetimeMs: 600_000 });
    /** `count` requests taken and settled at once, `used` tokens each. */
    async function settledRequests(keys: TokenWindowKeys, count: number, used: number, windowMs = MINUTE_MS) {
      await Promise.all(
        Array.from({ length: count }, async () => {
          const id = randomUUID();
          await take(keys, id, used, 1_000_000_000, windowMs);
          await settle(keys, id, used, used, windowMs);
        }),
      );
    }

    it('counts settled tokens, estimates in flight and the asking one; the settlement replaces an estimate', async () => {
      const keys = tokenKeys();
      expect(await take(keys, 'a', 600)).toEqual({ admitted: true, used: 600, retryAfterSeconds: 0 });
      // 600 in flight + 500 asked > 1000: refused, and in flight only, so a whole window to wait at most.
      expect(await take(keys, 'b', 500)).toEqual({ admitted: false, used: 600, retryAfterSeconds: 60 });
      await settle(keys, 'a', 600, 150);
      expect(await take(keys, 'b', 500)).toEqual({ admitted: true, used: 650, retryAfterSeconds: 0 });
      // 150 settled + 500 in flight: another 400 fits once the settled 150 leaves the window.
      const refused = await take(keys, 'c', 400);
      expect(refused.admitted).toBe(false);
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(59);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    });

    it('is read by the tiers script on the same keys', async () => {
      const keys = tokenKeys();
      await take(keys, 'a', 300);
      await settle(keys, 'a', 300, 120);
      await take(keys, 'b', 200);
      const { tiers } = tiersOf({ key: 5, account: 10 });
      const read = await hit(tiers, { tokens: { ...keys, inFlightLifetimeMs: 600_000 } });
      expect(read.tokensUsed).toBe(320);
    });

    it("takes an admitted request's estimate in the tiers script when it fits, as the take would, and nothing otherwise", async () => {
      const keys = tokenKeys();
      await take(keys, 'a', 300);
      await settle(keys, 'a', 300, 100);
      const { tiers } = tiersOf({ key: 2, account: 10 });
      const asking = (member: string, estimate: number) =>
        sut.hit({ tiers, windowMs: MINUTE_MS, member, tokens: { ...keys, inFlightLifetimeMs: 600_000, take: { limit: 1_000, estimate } } });
      // 100 settled + 700 fits 1,000: taken, as its own take would log it (handed back by the same settlement).
      expect(await asking('b', 700)).toMatchObject({ refusedBy: undefined, tokensUsed: 800, tokensTaken: 700 });
      expect(await redis.client.zrange(keys.inFlightKey, 0, -1)).toEqual(['b:700']);
      // 800 + 300 does not fit: admitted all the same, nothing taken (the reserve stage takes it, or refuses, itself).
      expect(await asking('c', 300)).toMatchObject({ refusedBy: undefined, tokensUsed: 800, tokensTaken: 0 });
      // Refused by a tier (the key's 2): nothing taken, though it would fit.
      expect(await asking('d', 50)).toMatchObject({ refusedBy: { scope: 'key' }, tokensUsed: 800, tokensTaken: 0 });
      // Read only (peek): nothing taken.
      expect((await sut.peek({ tiers, windowMs: MINUTE_MS, tokens: { ...keys, inFlightLifetimeMs: 600_000, take: { limit: 1_000, estimate: 50 } } })).tokensTaken).toBe(0);
      await settle(keys, 'b', 700, 650);
      expect(await take(keys, 'e', 0)).toMatchObject({ admitted: true, used: 750 });
      expect(await redis.client.hmget(keys.totalsKey, 's', 'f')).toEqual(['750', '0']);
    });

    it('counts a settlement that follows a hand-back (a client gone before its hold): the estimate leaves once', async () => {
      const keys = tokenKeys();
      await take(keys, 'a', 400);
      await settle(keys, 'a', 400, 0); // handed back unbilled
      await settle(keys, 'a', 400, 90); // then settled with what it used
      expect(await take(keys, 'b', 0)).toMatchObject({ admitted: true, used: 90 });
      expect(await redis.client.hmget(keys.totalsKey, 's', 'f')).toEqual(['90', '0']);
    });

    // The totals replaced a sum over the whole window on every request (Redis milliseconds per request at a few
    // hundred requests per second): they must say what the sum said, as entries come, go and expire.
    it('keeps its totals equal to its logs as requests settle and leave the window', async () => {
      const keys = tokenKeys();
      await settledRequests(keys, 300, 7, 1_000);
      expect(await take(keys, 'probe', 1, 1_000_000, 1_000)).toMatchObject({ admitted: true, used: 2_101 });
      await settle(keys, 'probe', 1, 0, 1_000);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      // Every settled request has left the window: nothing counts but the asking one.
      expect(await take(keys, 'after', 5, 1_000_000, 1_000)).toEqual({ admitted: true, used: 5, retryAfterSeconds: 0 });
      expect(await redis.client.zcard(keys.settledKey)).toBe(0);
    });

    it('recomputes a lost total from its log (logs written before the totals existed, or a hash evicted)', async () => {
      const keys = tokenKeys();
      await settledRequests(keys, 40, 10);
      await take(keys, 'open', 25);
      await redis.client.del(keys.totalsKey);
      expect(await take(keys, 'next', 5)).toMatchObject({ admitted: true, used: 430 });
      expect(await redis.client.hmget(keys.totalsKey, 's', 'f')).toEqual(['400', '30']);
      await settle(keys, 'open', 25, 20);
      expect(await redis.client.hmget(keys.totalsKey, 's', 'f')).toEqual(['420', '5']);
    });

    it('counts, within a window, what a writer that kept no totals logged (a proxy of an earlier version)', async () => {
      const keys = tokenKeys();
      await take(keys, 'a', 100, 1_000, 500);
      // An earlier version's take: its estimate in the in-flight log, the totals untouched.
      await redis.client.zadd(keys.inFlightKey, Date.now() * 1000, 'old-proxy:250');
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await take(keys, 'b', 10, 1_000, 500)).toMatchObject({ admitted: true, used: 360 });
    });

    it('never counts a settlement twice, nor takes back an estimate it no longer holds', async () => {
      const keys = tokenKeys();
      await take(keys, 'a', 100);
      await settle(keys, 'a', 100, 60);
      await settle(keys, 'a', 100, 60); // a retried settlement
      expect(await take(keys, 'b', 10)).toMatchObject({ admitted: true, used: 70 });
    });

    it('tells a refused request when enough settled tokens leave, however many requests it must wait out', async () => {
      const keys = tokenKeys();
      await settledRequests(keys, 200, 1, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await settledRequests(keys, 1, 1, 5_000);
      // 201 used, 150 asked against 201: the oldest 150 (past the first page of the log walk) must leave, about 3.8 s
      // from now; a walk that gave up would answer a whole window (5 s).
      const refused = await take(keys, 'big', 150, 201, 5_000);
      expect(refused).toEqual({ admitted: false, used: 201, retryAfterSeconds: 4 });
    });

    it('drops an estimate left in flight longer than its lifetime (a proxy that died mid-request)', async () => {
      const keys = tokenKeys();
      await tokens.reserve({ ...keys, limit: 1_000, windowMs: MINUTE_MS, id: 'lost', estimate: 900, inFlightLifetimeMs: 50 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const next = await tokens.reserve({ ...keys, limit: 1_000, windowMs: MINUTE_MS, id: 'b', estimate: 900, inFlightLifetimeMs: 50 });
      expect(next.admitted).toBe(true);
    });
  });
});
