import { Inject, Injectable } from '@nestjs/common';
import {
  acceptQuote,
  BillingClosedError,
  deliveryProbe,
  ExactTokenCounter,
  HOLD_LEDGER,
  HoldLedger,
  holdPlan,
  openHold,
  outputLimit,
  upstreamPriceOf,
  usageRow,
  withOutputLimit,
} from '@gw/billing';
import { formatMicrosAsCents, GatewayError, GatewayErrorCode } from '@gw/common';
import type { Held, Resolved } from '../context/request-context';

/**
 * Stage 5, reserve (billable routes): holds an upper bound of everything the request can cost before anything is sent
 * upstream (README, "Billing"). 402 when the spendable balance cannot cover it: nothing held, no upstream call. 503 when
 * the gateway is shutting down, or when the store did not answer (the hold may have been placed all the same: it is
 * released at once, which writes the usage record). From an accepted hold on, the settle stage writes the usage record
 * and the provider is asked for no more output than the hold covers. A translated request (resolve stage) is planned on
 * its provider-protocol body, the one sent upstream.
 */
@Injectable()
export class ReserveStage {
  constructor(
    @Inject(HOLD_LEDGER) private readonly ledger: HoldLedger,
    private readonly counter: ExactTokenCounter,
  ) {}

  async reserve(resolved: Resolved): Promise<Held> {
    const { context, route, body, model } = resolved;
    // A translated request is held on what goes upstream, in the provider's protocol: still an upper bound of its cost.
    const endpoint = resolved.translation?.endpoint ?? route.endpoint;
    const plan = holdPlan(endpoint, body, model);
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
      };
      placed = await this.ledger.place(resolved.accountId, subject, plan, probe);
    } catch (error) {
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
      throw new GatewayError(
        GatewayErrorCode.INSUFFICIENT_QUOTA,
        `Insufficient balance. Current: $${formatMicrosAsCents(placed.balanceMicros)}, ` +
          `Required: $${formatMicrosAsCents(placed.quote.amountMicros)}`,
      );
    }
    acceptQuote(hold, placed.quote);
    context.billed = true;
    const upstreamBody = withOutputLimit(endpoint, body, outputLimit(endpoint, body, model));
    return { ...resolved, body: upstreamBody, hold };
  }
}
