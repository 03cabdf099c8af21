import { Logger } from '@nestjs/common';
import type { AppConfig } from '@gw/config';
import type { CacheInvalidationBus, InvalidationTopic } from '@gw/redis';
import { BROADCAST_RETRY_CAP_MS, BROADCAST_RETRY_FIRST_MS, CacheInvalidator } from './cache-invalidator.service';

const TTL_MS = 60_000;

/** A bus whose PUBLISH fails while `down`, recording what it took. */
class FakeBus {
  down = false;
  attempts = 0;
  readonly published: string[] = [];
  /** Called while a PUBLISH is on its way (before it resolves). */
  duringPublish?: () => void;

  async publish(topic: InvalidationTopic, id: string): Promise<void> {
    this.attempts++;
    this.duringPublish?.();
    if (this.down) throw new Error('Connection is closed.');
    this.published.push(`${topic} ${id}`);
  }
}

describe('CacheInvalidator', () => {
  let bus: FakeBus;
  let invalidator: CacheInvalidator;

  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    bus = new FakeBus();
    invalidator = new CacheInvalidator(bus as unknown as CacheInvalidationBus, { cache: { ttlMs: TTL_MS } } as AppConfig);
  });

  afterEach(() => {
    invalidator.onModuleDestroy();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('publishes at once when Redis takes it, and keeps nothing to retry', async () => {
    await invalidator.apiKey('k1');
    await invalidator.account('a1');
    await invalidator.catalog();
    expect(bus.published).toEqual(['api-key k1', 'account a1', 'model *']);
    expect(invalidator.undelivered).toBe(0);
  });

  it('retries a refused broadcast with a doubling delay until Redis takes it', async () => {
    bus.down = true;
    await expect(invalidator.apiKey('k1')).resolves.toBeUndefined(); // the change stands: the caller is not failed
    expect(invalidator.undelivered).toBe(1);
    await jest.advanceTimersByTimeAsync(BROADCAST_RETRY_FIRST_MS);
    expect(bus.attempts).toBe(2);
    await jest.advanceTimersByTimeAsync(2 * BROADCAST_RETRY_FIRST_MS - 1);
    expect(bus.attempts).toBe(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(bus.attempts).toBe(3);
    bus.down = false;
    await jest.advanceTimersByTimeAsync(4 * BROADCAST_RETRY_FIRST_MS);
    expect(bus.published).toEqual(['api-key k1']);
    expect(invalidator.undelivered).toBe(0);
    await jest.advanceTimersByTimeAsync(TTL_MS);
    expect(bus.attempts).toBe(4);
  });

  it('caps the delay, and gives up once the cache lifetime has passed since the last change of the entry', async () => {
    bus.down = true;
    await invalidator.apiKey('k1');
    await jest.advanceTimersByTimeAsync(TTL_MS / 2);
    const halfway = bus.attempts;
    // A second change of the same key: no second loop, but a full cache lifetime from now.
    await invalidator.apiKey('k1');
    expect(bus.attempts).toBe(halfway);
    expect(invalidator.undelivered).toBe(1);
    await jest.advanceTimersByTimeAsync(TTL_MS / 2 + 2 * BROADCAST_RETRY_CAP_MS);
    expect(invalidator.undelivered).toBe(1);
    const before = bus.attempts;
    await jest.advanceTimersByTimeAsync(3 * BROADCAST_RETRY_CAP_MS);
    expect(bus.attempts - before).toBe(3); // one per capped delay
    await jest.advanceTimersByTimeAsync(TTL_MS);
    expect(invalidator.undelivered).toBe(0);
    const last = bus.attempts;
    await jest.advanceTimersByTimeAsync(TTL_MS);
    expect(bus.attempts).toBe(last);
    expect(bus.published).toEqual([]);
  });

  it('sends once more when the entry changed while a retry was on its way', async () => {
    bus.down = true;
    await invalidator.account('a1');
    bus.down = false;
    bus.duringPublish = () => {
      bus.duringPublish = undefined;
      void invalidator.account('a1'); // committed after the retry's message left
    };
    await jest.advanceTimersByTimeAsync(BROADCAST_RETRY_FIRST_MS);
    expect(bus.published).toEqual(['account a1']);
    expect(invalidator.undelivered).toBe(1);
    await jest.runOnlyPendingTimersAsync(); // the next one goes at once
    expect(bus.published).toEqual(['account a1', 'account a1']);
    expect(invalidator.undelivered).toBe(0);
  });

  it('stops retrying when the app shuts down', async () => {
    bus.down = true;
    await invalidator.catalog();
    invalidator.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(TTL_MS);
    expect(bus.attempts).toBe(1);
  });
});
