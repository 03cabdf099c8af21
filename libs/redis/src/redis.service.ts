import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@gw/config';

/**
 * ioredis's auto-pipelining is off on every connection: it keeps one pipeline in flight per connection and queues
 * every command issued meanwhile until that pipeline's answers are all back, so under load a request's call waits for
 * other requests' round trip before its own starts; and each batch costs a Pipeline, its promises and a nextTick per
 * answer. Written straight away, concurrent commands are pipelined on the socket anyway (nothing waits for an answer
 * to send the next), and the proxy sends all its requests' writes of one event-loop turn in one syscall
 * (coalesced-writes.ts). Measured on the bench (saturation, 4 alternated pairs): the proxy's CPU per request -15%,
 * its throughput +19%, the rate-limit round trip in isolation 360 -> 274 µs (p50).
 */
export const AUTO_PIPELINING = false;

/**
 * The process's Redis connections. `client` carries commands (counters, scripts); `subscriber` is dedicated to
 * pub/sub because a subscribed connection cannot issue other commands.
 *
 * Commands fail fast when Redis is unreachable (no offline queue): callers that guard money or limits then fail closed
 * with 503 rather than waiting or letting traffic through unmetered.
 */
@Injectable()
export class RedisService implements OnModuleDestroy {
  readonly client: Redis;
  readonly keyPrefix: string;
  readonly url: string;
  /** The deadline of every command (REDIS_COMMAND_TIMEOUT_MS). */
  readonly commandTimeoutMs: number;
  private subscriberConnection?: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.keyPrefix = config.redis.keyPrefix;
    this.url = config.redis.url;
    this.commandTimeoutMs = config.redis.commandTimeoutMs;
    // No auto-pipelining (AUTO_PIPELINING says why); the proxy batches its writes per event-loop turn instead.
    this.client = new Redis(config.redis.url, { ...this.options(), enableAutoPipelining: AUTO_PIPELINING });
    this.client.on('error', () => undefined); // reported through readiness, not as an unhandled event
  }

  /** A dedicated connection for SUBSCRIBE, created on first use. */
  get subscriber(): Redis {
    if (!this.subscriberConnection) {
      this.subscriberConnection = new Redis(this.config.redis.url, { ...this.options(), enableOfflineQueue: true });
      this.subscriberConnection.on('error', () => undefined);
    }
    return this.subscriberConnection;
  }

  /** Options for extra connections (BullMQ needs its own, with maxRetriesPerRequest null). */
  connectionOptions(): RedisOptions {
    return this.options();
  }

  key(...parts: string[]): string {
    return this.keyPrefix + parts.join(':');
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([this.client.quit(), this.subscriberConnection?.quit()]);
  }

  /**
   * Every command has a deadline (REDIS_COMMAND_TIMEOUT_MS) that is also the whole wait: a command in flight when the
   * connection drops is not retried on the next one (maxRetriesPerRequest 0), so a hung or broken Redis costs a
   * caller one deadline at most, never two.
   */
  private options(): RedisOptions {
    const deadline = this.config.redis.commandTimeoutMs;
    return {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: deadline,
      commandTimeout: deadline,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
      keepAlive: 10_000,
      lazyConnect: false,
    };
  }
}
