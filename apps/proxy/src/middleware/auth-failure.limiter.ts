import { Inject, Injectable } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { GatewayError, GatewayErrorCode } from '@gw/common';
import { RedisService } from '@gw/redis';

const WINDOW_MS = 60_000;

/**
 * Counts a failure unless the address is already at its limit, in one step, so that concurrent guesses from one
 * address cannot all slip under it. Returns the ms left on the block (0 when the failure was counted).
 */
const RECORD_FAILURE_LUA = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 1 then return 1 end
  return ttl
end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2], 'NX')
return 0
`;
const COMMAND = 'gwRecordAuthFailure';

/**
 * Makes key guessing slow: a client address that failed authentication AUTH_FAILURE_LIMIT times within a minute
 * (a fixed window opened by its first failure) gets 429 for whatever it sends until that minute is over, valid keys
 * included, so that a blocked guesser learns nothing. Counted in Redis, so the limit holds across instances; an
 * IPv6 client counts per /64, since one host usually owns the whole prefix.
 *
 * Requests with a cached valid key do not come here: the RPM guard checks their address's block in the same round
 * trip as their key's window (`gate`). Everything else checks first, before any database lookup.
 */
@Injectable()
export class AuthFailureLimiter {
  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redis.client.defineCommand(COMMAND, { numberOfKeys: 1, lua: RECORD_FAILURE_LUA });
  }

  /** This request's address counter and its limit, for a check folded into another script. */
  gate(request: FastifyRequest): { key: string; limit: number } {
    return { key: this.key(request), limit: this.config.proxy.authFailureLimit };
  }

  /** 429 when the address is blocked (one round trip). */
  async assertNotBlocked(request: FastifyRequest): Promise<void> {
    const key = this.key(request);
    const [failures, ttl] = await this.unavailableOnError(async () => {
      const replies = await this.redis.client.multi().get(key).pttl(key).exec();
      if (!replies || replies.some(([error]) => error)) throw new Error('auth failure check failed');
      return [Number(replies[0][1] ?? 0), Number(replies[1][1])];
    });
    if (failures >= this.config.proxy.authFailureLimit) throw blocked(request, ttl);
  }

  /** Counts a failed authentication; 429 instead of 401 when the address had already reached its limit. */
  async recordFailure(request: FastifyRequest): Promise<void> {
    const record = (this.redis.client as unknown as Record<string, (...args: (string | number)[]) => Promise<number>>)[
      COMMAND
    ].bind(this.redis.client);
    const blockedMs = await this.unavailableOnError(() =>
      record(this.key(request), this.config.proxy.authFailureLimit, WINDOW_MS),
    );
    if (blockedMs > 0) throw blocked(request, blockedMs);
  }

  private key(request: FastifyRequest): string {
    return this.redis.key('authfail', normalizeIp(request.ip));
  }

  /** Fail closed: without the counter, guessing would be unlimited. */
  private async unavailableOnError<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      throw new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'Rate limiter unavailable', { cause: error });
    }
  }
}

function blocked(request: FastifyRequest, ttlMs: number): GatewayError {
  if (request.gw) request.gw.throttledBy = 'auth_failure';
  return GatewayError.rateLimited(Math.max(1, Math.ceil(ttlMs / 1000)));
}
