import { normalizeIp } from '@nestjs/throttler';
import { BoundedMemo, GatewayError, GatewayErrorCode } from '@gw/common';
import { RedisService } from './redis.service';

/** A failed authentication counts for this long after the address's first failure of the window. */
export const AUTH_FAILURE_WINDOW_MS = 60_000;

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
/** Addresses whose gate is kept (a few hundred bytes each). */
const GATE_CACHE_SIZE = 10_000;
type RecordFailureCommand = (key: string, limit: number, windowMs: number) => Promise<number>;

export interface AuthFailureLimiterOptions {
  /** Redis key namespace: each app that authenticates something different counts its own failures. */
  namespace: string;
  /** Failures per address and window before everything from the address is refused. */
  limit: number;
}

/** Whose failures count: the client address (a Fastify request is one; so is `{ ip }`). */
export interface ClientAddress {
  readonly ip: string;
}

/**
 * Makes credential guessing slow: a client address (request.ip, so TRUST_PROXY decides whose X-Forwarded-For counts)
 * that failed authentication `limit` times within a minute (a fixed window opened by its first failure) gets 429 for
 * whatever it sends until that minute is over, valid credentials included, so that a blocked guesser learns nothing.
 * Counted in Redis, so the limit holds across instances; an IPv6 client counts per /64, since one host usually owns
 * the whole prefix. Fails closed: without Redis the answer is 503, never unlimited guessing.
 *
 * Used by the proxy for API keys and by the admin API for staff tokens, each in its own namespace.
 */
export class AuthFailureLimiter {
  private readonly record: RecordFailureCommand;
  /**
   * Gates by address, built once per address (normalizeIp, the prefixed key): the admit stage asks on every request,
   * and a gateway's clients are mostly a few addresses (its load balancers, its customers' servers).
   */
  private readonly gates: BoundedMemo<{ key: string; limit: number }>;

  constructor(
    private readonly redis: RedisService,
    private readonly options: AuthFailureLimiterOptions,
  ) {
    const client = redis.client as unknown as Record<string, RecordFailureCommand | undefined>;
    if (!client[COMMAND]) redis.client.defineCommand(COMMAND, { numberOfKeys: 1, lua: RECORD_FAILURE_LUA });
    this.record = client[COMMAND]!.bind(redis.client);
    this.gates = new BoundedMemo(GATE_CACHE_SIZE, (ip) => ({ key: this.key({ ip }), limit: options.limit }));
  }

  /** This request's address counter and its limit, for a check folded into another script (read only). */
  gate(request: ClientAddress): Readonly<{ key: string; limit: number }> {
    return this.gates.get(request.ip);
  }

  /** 429 when the address is blocked (one round trip). */
  async assertNotBlocked(request: ClientAddress): Promise<void> {
    const key = this.key(request);
    const [failures, ttl] = await this.unavailableOnError(async () => {
      const replies = await this.redis.client.multi().get(key).pttl(key).exec();
      if (!replies || replies.some(([error]) => error)) throw new Error('auth failure check failed');
      return [Number(replies[0][1] ?? 0), Number(replies[1][1])];
    });
    if (failures >= this.options.limit) throw this.blocked(ttl);
  }

  /** Counts a failed authentication; 429 instead of 401 when the address had already reached its limit. */
  async recordFailure(request: ClientAddress): Promise<void> {
    const blockedMs = await this.unavailableOnError(() =>
      this.record(this.key(request), this.options.limit, AUTH_FAILURE_WINDOW_MS),
    );
    if (blockedMs > 0) throw this.blocked(blockedMs);
  }

  private key(request: ClientAddress): string {
    return this.redis.key(this.options.namespace, normalizeIp(request.ip));
  }

  private async unavailableOnError<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      throw new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'Rate limiter unavailable', { cause: error });
    }
  }

  private blocked(ttlMs: number): GatewayError {
    return GatewayError.rateLimited(Math.max(1, Math.ceil(ttlMs / 1000)));
  }
}
