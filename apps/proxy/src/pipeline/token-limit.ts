import { Inject, Injectable, Logger } from '@nestjs/common';
import { boundQuote, holdPlan, HoldQuote } from '@gw/billing';
import { BoundedMemo, GatewayError, GatewayErrorCode } from '@gw/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import type { ModelRecord } from '@gw/db';
import { RateTierKeys, RateTierWindows, RedisService, TokenTakeResult, TokenWindow } from '@gw/redis';
import type { Caller, Resolved, TokenLimitState } from '../context/request-context';

/** Accounts whose token-window keys are kept. */
const ACCOUNT_KEYS_CACHE_SIZE = 10_000;
/**
 * How long a request's token estimate counts as in flight at most: longer than any request lasts (streams included), so
 * only the estimate of a proxy that died mid-request ever expires this way.
 */
export const TOKENS_IN_FLIGHT_LIFETIME_MS = 15 * 60_000;

/** The tokens of a hold's quote (its input and the output it may be billed for): what a request takes. */
export const quoteTokens = (quote: HoldQuote): number => quote.inputTokens + quote.outputTokens;

/**
 * What the admission takes from a key's tokens per minute in its own round trip (RateTierWindows, `tokens.take`), for a
 * billable request of a key with a limit: the byte bound of the body as the client sent it (a translated request's
 * provider body is planned later, and bounds the same request). Undefined when there is nothing to take at admission:
 * no limit, not billable, an unknown model, or a body the estimate cannot read (not yet validated: the resolve stage
 * answers for it); the reserve stage then takes the tokens on its own (TokenLimit.take).
 */
export function admissionTokenTake(
  caller: Caller,
  body: unknown,
  model: ModelRecord | undefined,
): { limit: number; estimate: number } | undefined {
  const limit = caller.key.tpmLimit;
  if (limit === null || !caller.route.billable || model === undefined) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  try {
    const estimate = quoteTokens(boundQuote(holdPlan(caller.route.endpoint, body as Record<string, unknown>, model)));
    return estimate > 0 ? { limit, estimate } : undefined;
  } catch {
    return undefined;
  }
}

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
 * A key's tokens per minute (spec/policy.md, `tpmLimit`), for the keys that have one. The admission takes the request's
 * byte bound in its own script when it fits (admissionTokenTake); otherwise the reserve stage takes the request's
 * estimate here before anything is held, 429 with X-RateLimit-Scope: tokens when the settled tokens of the last
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
