import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../libs/config/src';
import { RedisService, SlidingWindowStorage } from '../../libs/redis/src';
import { testEnv } from '../support/test-env';

const MINUTE_MS = 60_000;

describe(SlidingWindowStorage.name, () => {
  let redis: RedisService;
  let sut: SlidingWindowStorage;

  beforeAll(async () => {
    redis = new RedisService(loadConfig(testEnv()));
    sut = new SlidingWindowStorage(redis);
    // Commands fail fast rather than queue (no offline queue): wait for the connection.
    if (redis.client.status !== 'ready') await new Promise((resolve) => redis.client.once('ready', resolve));
  });

  afterAll(async () => {
    await redis.onModuleDestroy();
  });

  const freshKey = () => redis.key('it-window', randomUUID());

  /** Redis's clock in microseconds (the script's time base). */
  async function redisNowMicros(): Promise<number> {
    const [seconds, micros] = await redis.client.time();
    return Number(seconds) * 1_000_000 + Number(micros);
  }

  /** Requests admitted `agesMs` ago, as the script logs them. */
  async function seedAdmitted(key: string, agesMs: number[]): Promise<void> {
    const now = await redisNowMicros();
    for (const age of agesMs) await redis.client.zadd(key, now - age * 1000, randomUUID());
    await redis.client.pexpire(key, MINUTE_MS);
  }

  it('admits exactly the limit out of many concurrent requests, and counts only those', async () => {
    const key = freshKey();
    const results = await Promise.all(Array.from({ length: 50 }, () => sut.increment(key, MINUTE_MS, 20, MINUTE_MS, 'rpm')));
    const admitted = results.filter((r) => !r.isBlocked);
    expect(admitted).toHaveLength(20);
    expect(admitted.map((r) => r.totalHits).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await redis.client.zcard(key)).toBe(20);
    for (const refused of results.filter((r) => r.isBlocked)) {
      expect(refused.totalHits).toBe(20);
      expect(refused.timeToBlockExpire).toBeGreaterThanOrEqual(59);
      expect(refused.timeToBlockExpire).toBeLessThanOrEqual(60);
      expect(refused.timeToExpire).toBe(refused.timeToBlockExpire);
    }
  });

  it('gives Retry-After as the whole seconds, rounded up, until the oldest counted request leaves the window', async () => {
    const key = freshKey();
    await seedAdmitted(key, [45_000, 20_000]);
    const refused = await sut.increment(key, MINUTE_MS, 2, MINUTE_MS, 'rpm');
    expect(refused).toEqual({ totalHits: 2, isBlocked: true, timeToBlockExpire: 15, timeToExpire: 15, gateBlocked: false });
  });

  it('after a limit decrease, waits until enough requests left the window to be under the new limit', async () => {
    const key = freshKey();
    await seedAdmitted(key, [50_000, 40_000, 30_000, 20_000, 10_000]);
    // 5 counted, limit 3: the two oldest and the 30-second-old one must leave first.
    const refused = await sut.increment(key, MINUTE_MS, 3, MINUTE_MS, 'rpm');
    expect(refused).toEqual({ totalHits: 5, isBlocked: true, timeToBlockExpire: 30, timeToExpire: 30, gateBlocked: false });
  });

  it('slides: requests leave one by one as they age out, with no fresh burst at a window edge', async () => {
    const key = freshKey();
    await seedAdmitted(key, [59_700, 59_700, 30_000, 30_000]);
    expect((await sut.increment(key, MINUTE_MS, 4, MINUTE_MS, 'rpm')).isBlocked).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 600));
    // The two oldest left; the two 30-second-old ones still count: two slots, not four.
    const burst = await Promise.all(Array.from({ length: 4 }, () => sut.increment(key, MINUTE_MS, 4, MINUTE_MS, 'rpm')));
    expect(burst.filter((r) => !r.isBlocked)).toHaveLength(2);
  });

  it('reports when the count next drops while under the limit (X-RateLimit-Reset)', async () => {
    const key = freshKey();
    await seedAdmitted(key, [50_000]);
    const admitted = await sut.increment(key, MINUTE_MS, 5, MINUTE_MS, 'rpm');
    expect(admitted).toEqual({ totalHits: 2, isBlocked: false, timeToBlockExpire: 0, timeToExpire: 10, gateBlocked: false });
  });

  it('refuses everything under a limit of 0, for a whole window', async () => {
    const key = freshKey();
    await seedAdmitted(key, [10_000]);
    expect(await sut.increment(key, MINUTE_MS, 0, MINUTE_MS, 'rpm')).toEqual({
      totalHits: 1,
      isBlocked: true,
      timeToBlockExpire: 60,
      gateBlocked: false,
      timeToExpire: 0,
    });
  });

  it('refuses without counting while the gate counter is at its limit, and reports the block time', async () => {
    const key = freshKey();
    const gateKey = redis.key('it-gate', randomUUID());
    await redis.client.set(gateKey, '3', 'PX', 42_500);
    const gated = await sut.hit({ key, limit: 5, windowMs: MINUTE_MS, gate: { key: gateKey, limit: 3 } });
    expect(gated).toMatchObject({ isBlocked: true, totalHits: 0, timeToBlockExpire: 43 });
    expect(await redis.client.zcard(key)).toBe(0);

    await redis.client.set(gateKey, '2', 'PX', 42_500);
    const open = await sut.hit({ key, limit: 5, windowMs: MINUTE_MS, gate: { key: gateKey, limit: 3 }, member: 'gen-1' });
    expect(open).toMatchObject({ isBlocked: false, totalHits: 1 });
    expect(await redis.client.zrange(key, 0, -1)).toEqual(['gen-1']);
  });

  it('expires the whole log one window after the newest admitted request', async () => {
    const key = freshKey();
    await sut.increment(key, 1_000, 5, 1_000, 'rpm');
    const ttl = await redis.client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1_000);
  });
});
