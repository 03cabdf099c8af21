import { Inject, Injectable } from '@nestjs/common';
import { CatalogModel, ModelCatalog } from '@gw/catalog';
import { BoundedMemo, GatewayError, GatewayErrorCode } from '@gw/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { effectiveRpmLimits } from '@gw/keys';
import { proxyMetrics } from '@gw/observability';
import {
  ClientAddress,
  RateTier,
  RateTierKeys,
  RateTiersRequest,
  RateTiersResult,
  RateTierScope,
  RateTierState,
  RateTierWindows,
  RedisService,
  toSeconds,
} from '@gw/redis';
import { AuthFailureLimiter } from '../middleware/auth-failure.limiter';
import { addressAllowed, addressNotAllowed } from './client-address.policy';
import { admissionTokenTake, TokenLimit, TOKENS_IN_FLIGHT_LIFETIME_MS, TokensTaken } from './token-limit';
import { OVERLOADED_MESSAGE, overloaded } from '../context/gateway-errors';
import type { Admitted, Caller, RateLimitState, RequestContext } from '../context/request-context';

/** Accounts whose rate-limit keys are kept. */
const ACCOUNT_KEYS_CACHE_SIZE = 10_000;

/** The client's side of the response, as far as admission needs it: a slot is held until it closes. */
export interface ResponseEnd {
  readonly destroyed: boolean;
  once(event: 'close', listener: () => void): unknown;
}

/** Which tier refused a request, as X-RateLimit-Scope says it, and as the throttling metric counts it. */
const THROTTLED_BY: Record<RateTierScope, NonNullable<RequestContext['throttledBy']>> = {
  key: 'rpm',
  account: 'account_rpm',
  model: 'model_rpm',
};

/**
 * The X-RateLimit-* headers of a rate-limit state (spec/proxy.md, "Rate limits"; spec/policy.md): the tightest request
 * tier, and the key's tokens per minute when it has a limit.
 */
export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(state.limit),
    'x-ratelimit-remaining': String(state.remaining),
    'x-ratelimit-reset': String(state.resetSeconds),
  };
  if (state.tokens) {
    headers['x-ratelimit-limit-tokens'] = String(state.tokens.limit);
    headers['x-ratelimit-remaining-tokens'] = String(state.tokens.remaining);
  }
  return headers;
}

/** The state the X-RateLimit-* headers describe: the refusing tier, else the one with the fewest remaining requests. */
function tightest(tiers: readonly RateTierState[], refusedBy: RateTierState | undefined): RateTierState {
  if (refusedBy) return refusedBy;
  let tightest = tiers[0];
  for (const tier of tiers) if (tier.remaining < tightest.remaining) tightest = tier;
  return tightest;
}

/** The rate-limit state of a tiers result: the tightest request tier, and the key's tokens when it has a limit. */
function stateOf(tpmLimit: number | null, result: RateTiersResult): RateLimitState {
  const shown = tightest(result.tiers, result.refusedBy);
  const rateLimit: RateLimitState = { limit: shown.limit, remaining: shown.remaining, resetSeconds: shown.resetSeconds };
  if (tpmLimit !== null) rateLimit.tokens = { limit: tpmLimit, remaining: Math.max(0, tpmLimit - (result.tokensUsed ?? 0)) };
  return rateLimit;
}

/**
 * Stage 3, admit: whether this instance and the caller's rate limits let the request in, before its body is checked
 * or any money moves.
 * - First the key's IP allow-list (client-address.policy.ts): from an address not on it, 403 that takes no slot and
 *   counts in no tier, carrying the X-RateLimit-* (and token) headers of the tiers as they stand, read by the same
 *   script without logging anything (spec/errors.md: on every authenticated response, errors included).
 * - In flight: at most MAX_INFLIGHT_REQUESTS admitted requests in progress on this instance, each counted from here
 *   until its response is over (streams until they end); past it, 503 with Retry-After (load shedding). Slow or
 *   keyless clients never hold a slot: this runs once the caller is authenticated and the body is in.
 * - Rate limits in three tiers (spec/policy.md), sliding windows on the shared Redis, in one Lua script: the key (its
 *   `rpmLimit`, else its account's, else DEFAULT_RPM), the account across its keys (its `accountRpmLimit`, else twice
 *   the key's), and the account on the request's model (the model's `rpmPerAccount`, else
 *   DEFAULT_MODEL_RPM_PER_ACCOUNT; 0: none). The model tier counts the canonical model the name resolves to (an
 *   alias and the id are one model), on routes that name a model (not the lookups); a name the catalog does not
 *   know has no model tier (the resolve stage answers 404). Over any: 429 with Retry-After and X-RateLimit-Scope
 *   from the refusing tier, and the request counts in none. The X-RateLimit-* headers describe the tier with the
 *   fewest remaining requests. The same round trip refuses an address blocked for failed authentications (429), and
 *   reads the key's tokens per minute when it has a limit (X-RateLimit-*-Tokens), taking the request's estimate from
 *   it when its byte bound fits (Admitted.tokens; when it does not, the reserve stage takes it, counted exactly if need
 *   be, and answers its 429 there: after the body's and the model's refusals, as before). Redis unreachable: 503, never
 *   unmetered traffic.
 */
@Injectable()
export class AdmitStage {
  private admitted = 0;
  private readonly windows: RateTierWindows;
  private readonly gauge = proxyMetrics().admitted;
  /** One listener for every request (no closure per request). */
  private readonly leave = (): void => {
    this.admitted--;
    this.gauge.dec();
  };

  /** Each account's Redis keys (one hash tag), built once per account. */
  private readonly accountKeys = new BoundedMemo(ACCOUNT_KEYS_CACHE_SIZE, (accountId) => new RateTierKeys(this.redis, accountId));

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly failures: AuthFailureLimiter,
    private readonly catalog: ModelCatalog,
    private readonly tokenLimit: TokenLimit,
  ) {
    this.windows = new RateTierWindows(redis);
  }

  /**
   * `modelName`: the model the request names (body or path), on routes that name one; undefined for lookups. `body`: the
   * parsed body, not yet validated (undefined when it has a problem), for the key's tokens per minute.
   */
  async admit(caller: Caller, client: ClientAddress, response: ResponseEnd, modelName?: string, body?: unknown): Promise<Admitted> {
    const { key } = caller;
    const windows = await this.windowsOf(caller, modelName, body);
    // An address outside the key's allow-list: 403 before the request takes a slot or counts in any tier, with the
    // X-RateLimit-* of the tiers as they stand (an authenticated answer like any other: spec/errors.md).
    if (!addressAllowed(key, client.ip)) throw addressNotAllowed(await this.standingHeaders(windows, key.tpmLimit));
    // Past the in-flight limit: 503 (load shedding) that counts in no tier, with the X-RateLimit-* of the tiers as they
    // stand, like the 403 above.
    if (!response.destroyed && this.admitted >= this.config.proxy.maxInflightRequests) {
      throw overloaded(caller.context, 'in_flight', OVERLOADED_MESSAGE, await this.standingHeaders(windows, key.tpmLimit));
    }
    this.takeSlot(response);
    let result;
    try {
      result = await this.windows.hit({ ...windows, member: caller.context.generationId, gate: this.failures.gate(client) });
    } catch (error) {
      throw new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'Rate limiter unavailable', { cause: error });
    }
    const rateLimit = stateOf(key.tpmLimit, result);
    const tokens = result.tokensTaken > 0 ? { estimate: result.tokensTaken } : undefined;
    if (tokens) this.returnUnbilled(caller, tokens, response);
    if (result.gateBlockedMs > 0) {
      caller.context.throttledBy = 'auth_failure';
      throw GatewayError.rateLimited(toSeconds(result.gateBlockedMs * 1000), rateLimitHeaders(rateLimit));
    }
    if (result.refusedBy) {
      caller.context.throttledBy = THROTTLED_BY[result.refusedBy.scope];
      throw GatewayError.rateLimited(result.refusedBy.resetSeconds, {
        ...rateLimitHeaders(rateLimit),
        'x-ratelimit-scope': result.refusedBy.scope,
      });
    }
    return { ...caller, rateLimit, tokens };
  }

  /**
   * The admission's tokens go back when the response closes and no hold took them over (context.billed: from then on
   * the settle stage hands them back with the tokens really used): a request refused after admission (the gate beside
   * the tiers, a bad body, an unknown or forbidden model, 402, a daily limit) keeps none. A settlement that follows a
   * hand-back (a client gone before its hold was placed) still logs its tokens: the in-flight entry leaves only once.
   */
  private returnUnbilled(caller: Caller, tokens: TokensTaken, response: ResponseEnd): void {
    const handBack = (): void => {
      if (!caller.context.billed) this.tokenLimit.settle(caller, tokens, 0);
    };
    if (response.destroyed) handBack();
    else response.once('close', handBack);
  }

  /**
   * The request's tiers (key, account, and the account on its model when that has a limit), the key's token logs, and
   * what the admission takes from them (admissionTokenTake).
   */
  private async windowsOf(
    caller: Caller,
    modelName: string | undefined,
    body: unknown,
  ): Promise<Omit<RateTiersRequest, 'member' | 'gate'>> {
    const { key, keyId } = caller;
    const model = modelName === undefined ? undefined : await this.modelNamed(modelName);
    const limits = effectiveRpmLimits(key, this.config.proxy.defaultRpm);
    // The model's own rpmPerAccount, else DEFAULT_MODEL_RPM_PER_ACCOUNT (the catalog filled it in); 0: no tier.
    const modelLimit = model?.rpmPerAccount ?? 0;
    const keys = this.accountKeys.get(caller.accountId);
    const tiers: RateTier[] = [
      { scope: 'key', key: keys.key(keyId), limit: limits.key },
      { scope: 'account', key: keys.account(), limit: limits.account },
    ];
    if (model && modelLimit > 0) tiers.push({ scope: 'model', key: keys.model(model.id), limit: modelLimit });
    return {
      tiers,
      windowMs: this.config.proxy.rateLimitWindowMs,
      tokens:
        key.tpmLimit === null
          ? undefined
          : {
              ...keys.tokens(keyId),
              inFlightLifetimeMs: TOKENS_IN_FLIGHT_LIFETIME_MS,
              take: admissionTokenTake(caller, body, model),
            },
    };
  }

  /**
   * The X-RateLimit-* headers of the tiers as they stand, counting nothing. Redis unreachable: none (the refusal is
   * answered all the same; nothing is admitted, so nothing goes unmetered).
   */
  private async standingHeaders(
    windows: Omit<RateTiersRequest, 'member' | 'gate'>,
    tpmLimit: number | null,
  ): Promise<Record<string, string>> {
    try {
      const result = await this.windows.peek(windows);
      // A full tier does not refuse here: the headers describe the tightest tier, whose remaining is then 0.
      return rateLimitHeaders(stateOf(tpmLimit, { ...result, refusedBy: undefined }));
    } catch {
      return {};
    }
  }

  /** The catalog's model of a name (an alias or the id); one created a moment ago may need the reload in progress. */
  private modelNamed(name: string): CatalogModel | undefined | Promise<CatalogModel | undefined> {
    return this.catalog.resolve(name) ?? this.catalog.resolveAfterReload(name);
  }

  /** Admitted requests in progress on this instance. */
  get inFlight(): number {
    return this.admitted;
  }

  private takeSlot(response: ResponseEnd): void {
    // Already gone (the client left as its body arrived): 'close' has fired, so it must not take a slot.
    if (response.destroyed) return;
    this.admitted++;
    this.gauge.inc();
    response.once('close', this.leave);
  }
}
