import { Inject, Injectable } from '@nestjs/common';
import {
  acceptQuote,
  BillingClosedError,
  boundQuote,
  deliveryProbe,
  countedQuote,
  ExactTokenCounter,
  HOLD_LEDGER,
  HoldLedger,
  HoldPlan,
  holdPlan,
  openHold,
  outputLimit,
  upstreamPriceOf,
  usageRow,
  withOutputLimit,
} from '@gw/billing';
import { formatMicrosAsCents, formatMicrosAsExactUsd, GatewayError, GatewayErrorCode } from '@gw/common';
import type { Held, RateLimitState, Resolved } from '../context/request-context';
import { rateLimitHeaders } from './admit.stage';
import { quoteTokens, TokenEstimate, TokenLimit, TokensTaken } from './token-limit';
import { deriveBody } from '../validation/json-source';

/**
 * Stage 5, reserve (billable routes): holds an upper bound of everything the request can cost before anything is sent
 * upstream (README, "Billing"). 403 when the hold would take the key's spending of the UTC day past its daily limit, 402
 * when the spendable balance cannot cover it: either way nothing held, no upstream call (the store decides both in the
 * one atomic step that places the hold, so concurrent requests cannot both pass). 503 when
 * the gateway is shutting down, or when the store did not answer (the hold may have been placed all the same: it is
 * released at once, which writes the usage record). From an accepted hold on, the settle stage writes the usage record
 * and the provider is asked for no more output than the hold covers. A translated request (resolve stage) is planned on
 * its provider-protocol body, the one sent upstream. A key with a tokens-per-minute limit has taken the request's
 * estimate at admission when its byte bound fitted (AdmitStage); otherwise it is taken here first (its input bound plus
 * the output it may be billed for; the input counted exactly when that bound does not fit; token-limit.ts): 429 before
 * anything is held.
 */
@Injectable()
export class ReserveStage {
  constructor(
    @Inject(HOLD_LEDGER) private readonly ledger: HoldLedger,
    private readonly counter: ExactTokenCounter,
    private readonly tokenLimit: TokenLimit,
  ) {}

  async reserve(resolved: Resolved): Promise<Held> {
    const { context, route, body, model } = resolved;
    // A translated request is held on what goes upstream, in the provider's protocol: still an upper bound of its cost.
    const endpoint = resolved.translation?.endpoint ?? route.endpoint;
    const plan = holdPlan(endpoint, body, model);
    let rateLimit: RateLimitState = resolved.rateLimit;
    // Taken at admission, in the request tiers' round trip, when the byte bound fitted; else taken here.
    let tokens: TokensTaken | undefined = resolved.tokens;
    if (tokens === undefined && resolved.key.tpmLimit !== null) {
      const took = await this.tokenLimit.take(resolved, this.tokenEstimate(plan), rateLimitHeaders(rateLimit));
      tokens = took?.taken;
      rateLimit = { ...rateLimit, tokens: took?.state };
    }
    // Refused below: the tokens taken here are handed back here; the admission's when the response closes unbilled
    // (AdmitStage), so that a request refused before this stage gets them back too.
    const ownTokens = tokens === resolved.tokens ? undefined : tokens;
    const hold = openHold(plan, upstreamPriceOf(model));
    const probe = deliveryProbe(hold, () => context.delivered?.(), this.counter);
    let placed;
    try {
      const subject = {
        generationId: context.generationId,
        keyId: resolved.keyId,
        modelId: model.id,
        requestedModel: resolved.requestedModel,
        protocol: route.protocol,
        endpoint: route.endpoint,
        stream: resolved.stream,
        requestId: context.requestId,
        receivedAt: context.receivedAt,
        dailyLimitMicros: resolved.key.dailyLimitMicros,
      };
      placed = await this.ledger.place(resolved.accountId, subject, plan, probe);
    } catch (error) {
      // Billed from here (the release below writes the record), so the admission's tokens are handed back here too.
      if (tokens) this.tokenLimit.settle(resolved, tokens, 0);
      if (error instanceof BillingClosedError) {
        throw new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'The gateway is shutting down; retry', { cause: error });
      }
      const failure = new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'Billing is temporarily unavailable', {
        cause: error,
      });
      // Released rather than left held until the stale sweep (a no-op when it never existed); the release writes the
      // usage record.
      context.billed = true;
      context.outcome = 'rejected';
      const usage = usageRow(context, resolved, 0n, { status: failure.status, outcome: 'rejected', errorType: failure.type });
      this.ledger.close(resolved.accountId, { generationId: context.generationId, costMicros: 0n, closedBy: 'release', usage });
      throw failure;
    }
    if (!placed.accepted) {
      if (ownTokens) this.tokenLimit.settle(resolved, ownTokens, 0);
      if (placed.refusal === 'daily_limit') {
        throw new GatewayError(
          GatewayErrorCode.PERMISSION_DENIED,
          `Daily spending limit of $${formatMicrosAsExactUsd(resolved.key.dailyLimitMicros ?? 0n)} reached for this key`,
        );
      }
      throw new GatewayError(
        GatewayErrorCode.INSUFFICIENT_QUOTA,
        `Insufficient balance. Current: $${formatMicrosAsCents(placed.balanceMicros)}, ` +
          `Required: $${formatMicrosAsCents(placed.quote.amountMicros)}`,
      );
    }
    acceptQuote(hold, placed.quote);
    context.billed = true;
    const upstreamBody = withOutputLimit(endpoint, body, outputLimit(endpoint, body, model));
    // A copy with the limit set at the top level: its upstream body is still written from the client's bytes.
    deriveBody(upstreamBody, body);
    return { ...resolved, rateLimit, body: upstreamBody, hold, tokens };
  }

  /** The request's tokens for its key's tokens per minute: the byte bound, counted exactly only if that is refused. */
  private tokenEstimate(plan: HoldPlan): TokenEstimate {
    return {
      bound: quoteTokens(boundQuote(plan)),
      floor: plan.input.allowanceTokens + plan.outputTokens,
      exact: async () => {
        const counted = await countedQuote(plan, this.counter);
        return counted === null ? null : quoteTokens(counted);
      },
    };
  }
}
