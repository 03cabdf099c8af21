import { EventEmitter } from 'node:events';
import { CacheInvalidationBus } from './cache-invalidation.bus';
import { RedisService } from './redis.service';

/** A subscriber connection whose SUBSCRIBE answers only when the test says so. */
class FakeSubscriber extends EventEmitter {
  private pending: Array<() => void> = [];

  subscribe(): Promise<void> {
    return new Promise((resolve) => this.pending.push(resolve));
  }

  /** Redis confirms the subscriptions sent so far. */
  confirm(): void {
    for (const resolve of this.pending.splice(0)) resolve();
  }
}

function busOn(subscriber: FakeSubscriber): CacheInvalidationBus {
  const redis = { key: (...parts: string[]) => `p:${parts.join(':')}`, subscriber } as unknown as RedisService;
  return new CacheInvalidationBus(redis);
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('CacheInvalidationBus, after the subscriber connection came back', () => {
  it('drops every cache once the subscription is confirmed, not only when the connection is ready', async () => {
    // ioredis emits 'ready' before it resends SUBSCRIBE: a record loaded between that flush and the confirmation could
    // miss a change broadcast meanwhile, and would then be served until its TTL.
    const subscriber = new FakeSubscriber();
    const bus = busOn(subscriber);
    const dropped: string[] = [];
    bus.on('api-key', (id) => dropped.push(id));
    const started = bus.onModuleInit();
    subscriber.confirm();
    await started;

    subscriber.emit('ready'); // reconnected; SUBSCRIBE on its way
    await settle();
    dropped.length = 0; // whatever was dropped so far, a proxy may have loaded again since
    subscriber.confirm();
    await settle();

    expect(dropped).toEqual(['*']);
  });

  it('applies the messages of its channel only', async () => {
    const subscriber = new FakeSubscriber();
    const bus = busOn(subscriber);
    const seen: string[] = [];
    bus.on('model', (id) => seen.push(id));
    const started = bus.onModuleInit();
    subscriber.confirm();
    await started;

    subscriber.emit('message', 'p:invalidate', JSON.stringify({ topic: 'model', id: 'openai/x' }));
    subscriber.emit('message', 'other:invalidate', JSON.stringify({ topic: 'model', id: 'openai/y' }));
    subscriber.emit('message', 'p:invalidate', 'not json');

    expect(seen).toEqual(['openai/x']);
  });
});
