import { Inject, Injectable, Logger } from '@nestjs/common';
import { BoundedMemo, GatewayError, GatewayErrorCode } from '@gw/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { RateTierKeys, RedisService, TokenWindow } from '@gw/redis';
import type { Caller, TokenLimitState } from '../context/request-context';
import { TOKENS_IN_FLIGHT_LIFETIME_MS } from './admit.stage';

/** Accounts whose token-window keys are kept. */
const ACCOUNT_KEYS_CACHE_SIZE = 10_000;

/** What a request took from its key's tokens per minute: what the settlement hands back. */
export interface TokensTaken {
  estimate: number;
}

/**
 * A key's tokens per minute (spec/policy.md, `tpmLimit`), for the keys that have one: the reserve stage takes the
 * request's estimate (input bound plus its output limit) before anything is held, 429 with X-RateLimit-Scope: tokens
 * when the settled tokens of the last window, the estimates in flight and this one exceed the limit; the settle stage
 * (either money store) replaces the estimate with the tokens really used. Keys without a limit cost nothing here.
 */
@Injectable()
export class TokenLimit {
  private readonly logger = new Logger(TokenLimit.name);
  private readonly window: TokenWindow;
  private readonly accountKeys = new BoundedMemo(ACCOUNT_KEYS_CACHE_SIZE, (accountId) => new RateTierKeys(this.redis, accountId));

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {
    this.window = new TokenWindow(redis);
  }

  /**
   * Takes `estimate` tokens from the caller's key, if it has a limit: the state for the X-RateLimit-*-Tokens headers,
   * undefined when the key has none. Refused: 429 (`headers` go on it, with the scope and Retry-After); Redis down: 503.
   */
  async take(caller: Caller, estimate: number, headers: Record<string, string>): Promise<TokenLimitState | undefined> {
    const limit = caller.key.tpmLimit;
    if (limit === null) return undefined;
    const keys = this.accountKeys.get(caller.accountId);
    let result;
    try {
      result = await this.window.reserve({
        settledKey: keys.tokensSettled(caller.keyId),
        inFlightKey: keys.tokensInFlight(caller.keyId),
        limit,
        windowMs: this.config.proxy.rateLimitWindowMs,
        id: caller.context.generationId,
        estimate,
        inFlightLifetimeMs: TOKENS_IN_FLIGHT_LIFETIME_MS,
      });
    } catch (error) {
      throw new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'Rate limiter unavailable', { cause: error });
    }
    const state = { limit, remaining: Math.max(0, limit - result.used) };
    if (!result.admitted) {
      caller.context.throttledBy = 'tpm';
      throw GatewayError.rateLimited(result.retryAfterSeconds, {
        ...headers,
        'x-ratelimit-remaining-tokens': String(state.remaining),
        'x-ratelimit-scope': 'tokens',
      });
    }
    return state;
  }

  /** The request is over (charged, released or never held): its estimate leaves, the tokens it used count. Never throws. */
  settle(caller: Caller, taken: TokensTaken, tokens: number): void {
    const keys = this.accountKeys.get(caller.accountId);
    this.window
      .settle({
        settledKey: keys.tokensSettled(caller.keyId),
        inFlightKey: keys.tokensInFlight(caller.keyId),
        id: caller.context.generationId,
        estimate: taken.estimate,
        tokens,
        windowMs: this.config.proxy.rateLimitWindowMs,
      })
      .catch((error: unknown) => {
        // The estimate then counts until its lifetime ends: the key is throttled a little early, never too late.
        this.logger.warn(`tokens of ${caller.context.generationId} not recorded: ${(error as Error).message}`);
      });
  }
}
