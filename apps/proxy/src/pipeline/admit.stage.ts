import { Inject, Injectable } from '@nestjs/common';
import { BoundedMemo, GatewayError, GatewayErrorCode } from '@gw/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { proxyMetrics } from '@gw/observability';
import { ClientAddress, RedisService, SlidingWindowStorage } from '@gw/redis';
import { AuthFailureLimiter } from '../middleware/auth-failure.limiter';
import { overloaded } from '../context/gateway-errors';
import type { Admitted, Caller, RateLimitState } from '../context/request-context';

/** API keys whose rate-limit window key is kept. */
const WINDOW_KEY_CACHE_SIZE = 10_000;

/** The client's side of the response, as far as admission needs it: a slot is held until it closes. */
export interface ResponseEnd {
  readonly destroyed: boolean;
  once(event: 'close', listener: () => void): unknown;
}

/** The X-RateLimit-* headers of a rate-limit state (spec/proxy.md, "Rate limits"). */
export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    'x-ratelimit-limit': String(state.limit),
    'x-ratelimit-remaining': String(state.remaining),
    'x-ratelimit-reset': String(state.resetSeconds),
  };
}

/**
 * Stage 3, admit: whether this instance and the key's rate limit let the caller in, before the model is resolved or
 * any money moves.
 * - In flight: at most MAX_INFLIGHT_REQUESTS admitted requests in progress on this instance, each counted from here
 *   until its response is over (streams until they end); past it, 503 with Retry-After (load shedding). Slow or
 *   keyless clients never hold a slot: this runs once the caller is authenticated and the body is in.
 * - Rate limit: the key's requests per minute (its `rpmLimit`, else DEFAULT_RPM) in a sliding window on the shared
 *   Redis; over it, 429 with Retry-After. The same round trip refuses an address blocked for failed
 *   authentications (429). Redis unreachable: 503, never unmetered traffic.
 */
@Injectable()
export class AdmitStage {
  private admitted = 0;
  private readonly window: SlidingWindowStorage;
  private readonly gauge = proxyMetrics().admitted;
  /** One listener for every request (no closure per request). */
  private readonly leave = (): void => {
    this.admitted--;
    this.gauge.dec();
  };

  /** Each key's window key, built once per key. */
  private readonly windowKeys = new BoundedMemo(WINDOW_KEY_CACHE_SIZE, (keyId) => this.redis.key('rpm', keyId));

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly failures: AuthFailureLimiter,
  ) {
    this.window = new SlidingWindowStorage(redis);
  }

  async admit(caller: Caller, client: ClientAddress, response: ResponseEnd): Promise<Admitted> {
    this.takeSlot(caller, response);
    const limit = caller.key.rpmLimit ?? this.config.proxy.defaultRpm;
    let record;
    try {
      record = await this.window.hit({
        key: this.windowKeys.get(caller.keyId),
        limit,
        windowMs: this.config.proxy.rateLimitWindowMs,
        member: caller.context.generationId,
        gate: this.failures.gate(client),
      });
    } catch (error) {
      throw new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'Rate limiter unavailable', { cause: error });
    }
    const rateLimit = { limit, remaining: Math.max(0, limit - record.totalHits), resetSeconds: record.timeToExpire };
    if (record.isBlocked) {
      caller.context.throttledBy = record.gateBlocked ? 'auth_failure' : 'rpm';
      throw GatewayError.rateLimited(record.timeToBlockExpire, rateLimitHeaders(rateLimit));
    }
    return { ...caller, rateLimit };
  }

  /** Admitted requests in progress on this instance. */
  get inFlight(): number {
    return this.admitted;
  }

  private takeSlot(caller: Caller, response: ResponseEnd): void {
    // Already gone (the client left as its body arrived): 'close' has fired, so it must not take a slot.
    if (response.destroyed) return;
    if (this.admitted >= this.config.proxy.maxInflightRequests) throw overloaded(caller.context, 'in_flight');
    this.admitted++;
    this.gauge.inc();
    response.once('close', this.leave);
  }
}
