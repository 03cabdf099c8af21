import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { GatewayError } from '@gw/common';
import { RedisService } from '@gw/redis';

const WINDOW_S = 60;

/**
 * Slows key guessing: a client address that failed authentication AUTH_FAILURE_LIMIT times within a minute gets 429
 * until the minute (counted from its first failure) is over. Counted in Redis, so the limit holds across instances.
 */
@Injectable()
export class AuthFailureLimiter {
  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async assertNotBlocked(request: FastifyRequest): Promise<void> {
    const key = this.key(request);
    try {
      const failures = await this.redis.client.get(key);
      if (failures === null || Number(failures) < this.config.proxy.authFailureLimit) return;
      const ttl = await this.redis.client.ttl(key);
      throw GatewayError.rateLimited(Math.max(1, ttl));
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw GatewayError.unavailable('Rate limiter unavailable');
    }
  }

  async recordFailure(request: FastifyRequest): Promise<void> {
    const key = this.key(request);
    try {
      await this.redis.client.multi().incr(key).expire(key, WINDOW_S, 'NX').exec();
    } catch {
      // The 401 stands; failing to count one failure only makes guessing marginally cheaper.
    }
  }

  private key(request: FastifyRequest): string {
    return this.redis.key('authfail', request.ip);
  }
}
