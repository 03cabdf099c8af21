import { Injectable, Logger } from '@nestjs/common';
import { CacheInvalidationBus, InvalidationTopic } from '@gw/redis';

/**
 * Tells every proxy instance that a key, an account's limits or the catalog changed, after the change committed (pub/sub: they drop the
 * entry and reload within milliseconds). If Redis cannot take the message the change still stands; the proxies' cache
 * TTL is the safety net, and proxies without Redis refuse traffic anyway (they fail closed).
 */
@Injectable()
export class CacheInvalidator {
  private readonly logger = new Logger(CacheInvalidator.name);

  constructor(private readonly bus: CacheInvalidationBus) {}

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

  private async publish(topic: InvalidationTopic, id: string): Promise<void> {
    try {
      await this.bus.publish(topic, id);
    } catch (error) {
      this.logger.error(`could not publish the ${topic} invalidation of ${id}: ${(error as Error).message}`);
    }
  }
}
