import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { AuthFailureLimiter, RedisService } from '@gw/redis';

/**
 * Failed staff authentications per client address (README, "Admin API and staff roles"): the limiter the proxy uses
 * for API keys (libs/redis), counted apart from the proxy's (`staff-authfail`), with AUTH_FAILURE_LIMIT per minute.
 */
@Injectable()
export class StaffAuthFailureLimiter extends AuthFailureLimiter {
  constructor(redis: RedisService, @Inject(APP_CONFIG) config: AppConfig) {
    super(redis, { namespace: 'staff-authfail', limit: config.admin.authFailureLimit });
  }
}
