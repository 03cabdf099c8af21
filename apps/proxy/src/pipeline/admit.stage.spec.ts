import { EventEmitter } from 'node:events';
import type { AppConfig } from '@gw/config';
import type { RedisService } from '@gw/redis';
import { caller } from '../../../../test/factories/proxy-stage.factory';
import type { AuthFailureLimiter } from '../middleware/auth-failure.limiter';
import { AdmitStage } from './admit.stage';

const CLIENT = { ip: '203.0.113.7' };
type Reply = [admitted: number, count: number, waitMicros: number, gateMs: number];

/** A response that closes when told to. */
class FakeResponse extends EventEmitter {
  destroyed = false;
}

function setUp(reply: Reply | Error = [1, 1, 0, 0], maxInflightRequests = 10) {
  const calls: (string | number)[][] = [];
  const client = {
    defineCommand: jest.fn(),
    gwSlidingWindow: jest.fn(async (...args: (string | number)[]) => {
      calls.push(args);
      if (reply instanceof Error) throw reply;
      return reply;
    }),
  };
  const redis = { client, key: (...parts: string[]) => `test:${parts.join(':')}` } as unknown as RedisService;
  const failures = { gate: () => ({ key: 'test:authfail:203.0.113.7', limit: 5 }) } as unknown as AuthFailureLimiter;
  const config = { proxy: { defaultRpm: 60, rateLimitWindowMs: 60_000, maxInflightRequests } } as AppConfig;
  return { sut: new AdmitStage(config, redis, failures), calls };
}

describe(AdmitStage.name, () => {
  it("admits under the key's limit (DEFAULT_RPM when it has none) and reports the window", async () => {
    const { sut, calls } = setUp([1, 3, 0, 0]);
    const admitted = await sut.admit(caller(), CLIENT, new FakeResponse());
    expect(admitted.rateLimit).toEqual({ limit: 60, remaining: 57, resetSeconds: 0 });
    // One round trip: the key's window and the address's failure gate together.
    expect(calls).toHaveLength(1);
    expect(calls[0].slice(0, 4)).toEqual([2, expect.stringContaining('rpm'), 'test:authfail:203.0.113.7', 60]);
  });

  it("uses the key's own rpmLimit", async () => {
    const { sut, calls } = setUp([1, 1, 0, 0]);
    const admitted = await sut.admit(caller({ key: { rpmLimit: 5 } }), CLIENT, new FakeResponse());
    expect(admitted.rateLimit.limit).toBe(5);
    expect(calls[0][3]).toBe(5);
  });

  it('refuses over the limit with 429, Retry-After and the X-RateLimit headers', async () => {
    const { sut } = setUp([0, 60, 12_000_000, 0]);
    const who = caller();
    await expect(sut.admit(who, CLIENT, new FakeResponse())).rejects.toMatchObject({
      status: 429,
      headers: { 'retry-after': '12', 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '12' },
    });
    expect(who.context.throttledBy).toBe('rpm');
  });

  it('refuses a blocked address with 429, labelled as such', async () => {
    const { sut } = setUp([0, 0, 0, 30_000]);
    const who = caller();
    await expect(sut.admit(who, CLIENT, new FakeResponse())).rejects.toMatchObject({ status: 429 });
    expect(who.context.throttledBy).toBe('auth_failure');
  });

  it('answers 503 when Redis cannot decide (never unmetered traffic)', async () => {
    const { sut } = setUp(new Error('connection refused'));
    await expect(sut.admit(caller(), CLIENT, new FakeResponse())).rejects.toMatchObject({ status: 503 });
  });

  it('holds at most MAX_INFLIGHT_REQUESTS admitted requests, each until its response closes', async () => {
    const { sut } = setUp([1, 1, 0, 0], 2);
    const first = new FakeResponse();
    await sut.admit(caller(), CLIENT, first);
    await sut.admit(caller(), CLIENT, new FakeResponse());
    const third = caller();
    await expect(sut.admit(third, CLIENT, new FakeResponse())).rejects.toMatchObject({
      status: 503,
      headers: { 'retry-after': '1' },
    });
    expect(third.context.shedBy).toBe('in_flight');
    first.emit('close');
    expect(sut.inFlight).toBe(1);
    await expect(sut.admit(caller(), CLIENT, new FakeResponse())).resolves.toBeDefined();
  });

  it('gives no slot to a request whose client already left', async () => {
    const { sut } = setUp([1, 1, 0, 0], 1);
    const gone = new FakeResponse();
    gone.destroyed = true;
    await sut.admit(caller(), CLIENT, gone);
    expect(sut.inFlight).toBe(0);
  });
});
