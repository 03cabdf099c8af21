import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { CacheInvalidationBus, InvalidationTopic } from '@gw/redis';

/** The first retry of a broadcast Redis could not take; each next one waits twice as long, up to the cap. */
export const BROADCAST_RETRY_FIRST_MS = 250;
export const BROADCAST_RETRY_CAP_MS = 5_000;

/** A broadcast Redis has not taken yet. */
interface PendingBroadcast {
  readonly topic: InvalidationTopic;
  readonly id: string;
  /** Past it, every proxy has reloaded what the change touched by itself (its cache lifetime has run out). */
  giveUpAt: number;
  delayMs: number;
  attempts: number;
  /** A change of the entry committed after the last attempt was sent: the next success must be followed by another. */
  changedSince: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * Tells every proxy instance that a key, an account's limits or the catalog changed, after the change committed (pub/sub: they drop the
 * entry and reload within milliseconds). If Redis cannot take the message the change still stands, and the broadcast
 * is retried in the background (250 ms, doubling up to 5 s) until Redis takes it: a revoked key must not keep working
 * for a whole cache lifetime because of one refused PUBLISH. Retries stop once the proxies' cache lifetime
 * (CACHE_TTL_MS) has passed since the last change of that entry: by then each proxy has reloaded it anyway. Proxies
 * without Redis refuse traffic (they fail closed), and flush their caches when their subscription is back.
 */
@Injectable()
export class CacheInvalidator implements OnModuleDestroy {
  private readonly logger = new Logger(CacheInvalidator.name);
  /** By `${topic} ${id}`: one retry loop per entry, however many changes it had meanwhile. */
  private readonly pending = new Map<string, PendingBroadcast>();

  constructor(
    private readonly bus: CacheInvalidationBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  apiKey(keyId: string): Promise<void> {
    return this.publish('api-key', keyId);
  }

  /** The account's limits, which the cached records of all its keys carry. */
  account(accountId: string): Promise<void> {
    return this.publish('account', accountId);
  }

  catalog(): Promise<void> {
    return this.publish('model', '*');
  }

  /** Broadcasts still waiting for Redis. */
  get undelivered(): number {
    return this.pending.size;
  }

  onModuleDestroy(): void {
    for (const broadcast of this.pending.values()) clearTimeout(broadcast.timer);
    this.pending.clear();
  }

  private async publish(topic: InvalidationTopic, id: string): Promise<void> {
    const name = `${topic} ${id}`;
    const waiting = this.pending.get(name);
    if (waiting) {
      // A retry loop is on for this entry: it carries this change too (the message names the entry, not the change),
      // for a full cache lifetime from now; an attempt already on its way may have left before this change committed.
      waiting.giveUpAt = Date.now() + this.config.cache.ttlMs;
      waiting.changedSince = true;
      return;
    }
    try {
      await this.bus.publish(topic, id);
    } catch (error) {
      this.logger.error(`could not publish the ${topic} invalidation of ${id}: ${(error as Error).message}; retrying`);
      const broadcast: PendingBroadcast = {
        topic,
        id,
        giveUpAt: Date.now() + this.config.cache.ttlMs,
        delayMs: BROADCAST_RETRY_FIRST_MS,
        attempts: 1,
        changedSince: false,
      };
      this.pending.set(name, broadcast);
      this.scheduleRetry(name, broadcast);
    }
  }

  private scheduleRetry(name: string, broadcast: PendingBroadcast): void {
    broadcast.timer = setTimeout(() => void this.retry(name, broadcast), broadcast.delayMs);
    broadcast.timer.unref();
  }

  private async retry(name: string, broadcast: PendingBroadcast): Promise<void> {
    broadcast.attempts++;
    broadcast.changedSince = false;
    try {
      await this.bus.publish(broadcast.topic, broadcast.id);
      if (this.pending.get(name) !== broadcast) return; // shut down meanwhile
      if (broadcast.changedSince) {
        // The entry changed again while this message was on its way: a proxy may have reloaded it before that commit.
        broadcast.delayMs = 0;
        this.scheduleRetry(name, broadcast);
        return;
      }
      this.pending.delete(name);
      this.logger.log(`published the ${broadcast.topic} invalidation of ${broadcast.id} at attempt ${broadcast.attempts}`);
    } catch (error) {
      if (this.pending.get(name) !== broadcast) return; // shut down meanwhile
      if (Date.now() + broadcast.delayMs >= broadcast.giveUpAt) {
        this.pending.delete(name);
        this.logger.error(
          `gave up publishing the ${broadcast.topic} invalidation of ${broadcast.id} after ${broadcast.attempts} attempts ` +
            `(${(error as Error).message}): the proxies' cache lifetime has passed since the change`,
        );
        return;
      }
      broadcast.delayMs = Math.min(Math.max(broadcast.delayMs * 2, BROADCAST_RETRY_FIRST_MS), BROADCAST_RETRY_CAP_MS);
      this.scheduleRetry(name, broadcast);
    }
  }
}
