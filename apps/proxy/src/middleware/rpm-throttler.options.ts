import type { ExecutionContext } from '@nestjs/common';
import type { ThrottlerAsyncOptions, ThrottlerModuleOptions } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { RedisService, SlidingWindowStorage } from '@gw/redis';

/**
 * The throttler behind RpmGuard: one sliding window per key on the shared Redis. The limit is read per request from
 * the key's record (its `rpmLimit` override, else DEFAULT_RPM); the record lives in the in-memory key cache, which the
 * admin app's pub/sub invalidation refreshes on every instance, so an override applies at once without a database
 * read per request.
 */
export const rpmThrottlerOptions: ThrottlerAsyncOptions = {
  inject: [RedisService, APP_CONFIG],
  useFactory: (redis: RedisService, config: AppConfig): ThrottlerModuleOptions => ({
    storage: new SlidingWindowStorage(redis),
    throttlers: [
      {
        name: 'rpm',
        ttl: config.proxy.rateLimitWindowMs,
        limit: (context: ExecutionContext) =>
          context.switchToHttp().getRequest<FastifyRequest>().gw.key?.rpmLimit ?? config.proxy.defaultRpm,
      },
    ],
  }),
};
