import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RedisService } from './redis.service';

/** What can be invalidated. `id` is the entity id, or '*' for everything of that topic. */
export type InvalidationTopic = 'api-key' | 'model' | 'account';
export interface InvalidationMessage {
  topic: InvalidationTopic;
  id: string;
}
type Handler = (id: string) => void;

/**
 * Tells every process that cached data changed (Redis pub/sub), so that an admin change reaches every proxy instance
 * within milliseconds without a database read per request.
 *
 * Pub/sub is fire-and-forget: a process that was disconnected may have missed messages, so once every (re)subscription
 * is confirmed each handler is told to drop everything ('*'). The caches' TTL is the last safety net.
 */
@Injectable()
export class CacheInvalidationBus implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CacheInvalidationBus.name);
  private readonly handlers = new Map<InvalidationTopic, Handler[]>();
  private readonly channel: string;
  private subscribed = false;

  constructor(private readonly redis: RedisService) {
    this.channel = redis.key('invalidate');
  }

  on(topic: InvalidationTopic, handler: Handler): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler]);
  }

  async publish(topic: InvalidationTopic, id: string): Promise<void> {
    this.dispatch({ topic, id }); // this process first, without waiting for the round trip
    await this.redis.client.publish(this.channel, JSON.stringify({ topic, id } satisfies InvalidationMessage));
  }

  async onModuleInit(): Promise<void> {
    if (this.subscribed) return;
    this.subscribed = true;
    const subscriber = this.redis.subscriber;
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      try {
        this.dispatch(JSON.parse(raw) as InvalidationMessage);
      } catch {
        this.logger.warn('ignored a malformed invalidation message');
      }
    });
    // 'ready' fires on the first connection and after every reconnection. ioredis resubscribes by itself, but not to a
    // channel whose first SUBSCRIBE failed (Redis down at boot), hence the explicit subscribe (idempotent in Redis).
    // The flush waits for that SUBSCRIBE's answer: 'ready' comes before ioredis resends its subscriptions, so a record
    // loaded after a flush on 'ready' could miss a change broadcast before the subscription is back, and be kept.
    subscriber.on('ready', () => {
      void this.subscribe().then(() => this.flushAll());
    });
    await this.subscribe();
  }

  /**
   * A process may start while Redis is down (it then fails closed, and reports not ready); it subscribes as soon as
   * Redis is back, and the flush on 'ready' covers whatever it missed meanwhile.
   */
  private async subscribe(): Promise<void> {
    try {
      await this.redis.subscriber.subscribe(this.channel);
    } catch (error) {
      this.logger.warn(`not subscribed to cache invalidations yet (${(error as Error).message}); retrying on reconnect`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.handlers.clear();
  }

  private flushAll(): void {
    for (const topic of this.handlers.keys()) this.dispatch({ topic, id: '*' });
  }

  private dispatch(message: InvalidationMessage): void {
    for (const handler of this.handlers.get(message.topic) ?? []) handler(message.id);
  }
}
