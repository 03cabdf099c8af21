import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { AuthFailureLimiter as SharedAuthFailureLimiter, RedisService } from '@gw/redis';

/**
 * The proxy's failed-authentication limit on API keys (README, "Failed authentication"): the shared limiter
 * (libs/redis) in the `authfail` namespace, with AUTH_FAILURE_LIMIT.
 *
 * Requests with a cached valid key do not come here: the admit stage checks their address's block in the same round
 * trip as their key's window (`gate`). Everything else checks first, before any database lookup.
 */
@Injectable()
export class AuthFailureLimiter extends SharedAuthFailureLimiter {
  constructor(redis: RedisService, @Inject(APP_CONFIG) config: AppConfig) {
    super(redis, { namespace: 'authfail', limit: config.proxy.authFailureLimit });
  }
}
