import { Inject, Injectable, Logger } from '@nestjs/common';
import { BoundedMemo, GatewayError, GatewayErrorCode } from '@gw/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { RateTierKeys, RateTierWindows, RedisService, TokenTakeResult, TokenWindow } from '@gw/redis';
import type { Caller, Resolved, TokenLimitState } from '../context/request-context';
import { TOKENS_IN_FLIGHT_LIFETIME_MS } from './admit.stage';

/** Accounts whose token-window keys are kept. */
const ACCOUNT_KEYS_CACHE_SIZE = 10_000;

/** What a request took from its key's tokens per minute: what the settlement hands back. */
export interface TokensTaken {
  estimate: number;
}

/** A request's tokens, as far as its key's tokens per minute needs them (the reserve stage's hold plan). */
export interface TokenEstimate {
  /** The cheap upper bound: the input's byte bound plus the output the request may be billed for. */
  bound: number;
  /** The least any count could make it (the output, the input's fixed allowances): below the limit or nothing fits. */
  floor: number;
  /** The input counted exactly plus the output, asked only when the bound does not fit; null: it cannot be counted. */
  exact(): Promise<number | null>;
}

/** The tokens a request took, and the state for its X-RateLimit-*-Tokens headers. */
export interface TokensTake {
  taken: TokensTaken;
  state: TokenLimitState;
}

/**
 * A key's tokens per minute (spec/policy.md, `tpmLimit`), for the keys that have one: the reserve stage takes the
 * request's estimate before anything is held, 429 with X-RateLimit-Scope: tokens when the settled tokens of the last
 * window, the estimates in flight and this one exceed the limit; the settle stage (either money store) replaces the
 * estimate with the tokens really used. The estimate is the byte bound (no tokenizer), and the input is counted exactly
 * only when that bound does not fit, as for the hold (HoldPlacer), so a key is not throttled for the bound's slack.
 * A request refused here is taken back out of the request tiers it was counted in at admission: a request refused by
 * one limit counts in none. Keys without a limit cost nothing here.
 */
@Injectable()
export class TokenLimit {
  private readonly logger = new Logger(TokenLimit.name);
  private readonly window: TokenWindow;
  private readonly requestTiers: RateTierWindows;
  private readonly accountKeys = new BoundedMemo(ACCOUNT_KEYS_CACHE_SIZE, (accountId) => new RateTierKeys(this.redis, accountId));

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {
    this.window = new TokenWindow(redis);
    this.requestTiers = new RateTierWindows(redis);
  }

  /**
   * Takes the request's tokens from its key, if the key has a limit: what was taken and the state for the
   * X-RateLimit-*-Tokens headers, undefined when the key has none. Refused: 429 (`headers`, the request tiers' state,
   * go on it with one request less, and the scope and Retry-After); Redis down: 503.
   */
  async take(request: Resolved, estimate: TokenEstimate, headers: Record<string, string>): Promise<TokensTake | undefined> {
    const limit = request.key.tpmLimit;
    if (limit === null) return undefined;
    let taken = estimate.bound;
    let result: TokenTakeResult;
    try {
      result = await this.reserve(request, limit, taken);
      if (!result.admitted && result.used + estimate.floor <= limit) {
        const exact = await estimate.exact();
        if (exact !== null && exact < taken) {
          taken = exact;
          result = await this.reserve(request, limit, taken);
        }
      }
    } catch (error) {
      throw new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'Rate limiter unavailable', { cause: error });
    }
    const state = { limit, remaining: Math.max(0, limit - result.used) };
    if (!result.admitted) {
      request.context.throttledBy = 'tpm';
      await this.uncount(request);
      throw GatewayError.rateLimited(result.retryAfterSeconds, {
        ...headers,
        'x-ratelimit-remaining': String(Math.min(request.rateLimit.limit, request.rateLimit.remaining + 1)),
        'x-ratelimit-remaining-tokens': String(state.remaining),
        'x-ratelimit-scope': 'tokens',
      });
    }
    return { taken: { estimate: taken }, state };
  }

  /** The request is over (charged, released or never held): its estimate leaves, the tokens it used count. Never throws. */
  settle(caller: Caller, taken: TokensTaken, tokens: number): void {
    const keys = this.accountKeys.get(caller.accountId);
    this.window
      .settle({
        ...keys.tokens(caller.keyId),
        id: caller.context.generationId,
        estimate: taken.estimate,
        tokens,
        windowMs: this.config.proxy.rateLimitWindowMs,
        inFlightLifetimeMs: TOKENS_IN_FLIGHT_LIFETIME_MS,
      })
      .catch((error: unknown) => {
        // The estimate then counts until its lifetime ends: the key is throttled a little early, never too late.
        this.logger.warn(`tokens of ${caller.context.generationId} not recorded: ${(error as Error).message}`);
      });
  }

  private reserve(request: Resolved, limit: number, estimate: number): Promise<TokenTakeResult> {
    const keys = this.accountKeys.get(request.accountId);
    return this.window.reserve({
      ...keys.tokens(request.keyId),
      limit,
      windowMs: this.config.proxy.rateLimitWindowMs,
      id: request.context.generationId,
      estimate,
      inFlightLifetimeMs: TOKENS_IN_FLIGHT_LIFETIME_MS,
    });
  }

  /**
   * Takes the refused request out of its request tiers (the admit stage's logs: the key, the account, the account on
   * the model; the generation id is its entry). A failure leaves it counted (throttled a little early, never too late).
   */
  private async uncount(request: Resolved): Promise<void> {
    const keys = this.accountKeys.get(request.accountId);
    try {
      await this.requestTiers.forget([keys.key(request.keyId), keys.account(), keys.model(request.model.id)], request.context.generationId);
    } catch (error) {
      this.logger.warn(`request ${request.context.generationId} refused for tokens still counts: ${(error as Error).message}`);
    }
  }
}
