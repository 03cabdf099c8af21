import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { catchError, Observable, tap, throwError } from 'rxjs';
import { BillingClosedError, BillingService, costMicros } from '@gw/billing';
import { formatMicrosAsCents, GatewayError, GatewayErrorCode } from '@gw/common';
import type { UsageRecordRow } from '@gw/db';
import type { GatewayContext } from '../context/gateway-context';
import type { RelayResult } from '../relay/relay-result';
import { ClientGoneError } from '../upstream/upstream-errors';
import { toGatewayError } from './error-response';
import { GATEWAY_ROUTE, GatewayRouteOptions } from './gateway-route.decorator';
import { estimateRequest, priceOf } from './request-estimate';
import { buildUsageRow } from './usage-row';

/**
 * Pre-deducts the estimate before the handler calls upstream (402 if the account can't cover it: nothing reserved,
 * no upstream call) and settles on the real usage when the handler is done, whatever happened: completed, failed
 * upstream (full release), client gone or stream cut (settled on what was delivered).
 *
 * Settlement runs after the response is sent and does not delay it; it is retried and, failing that, queued for the
 * worker (BillingService.close), and graceful shutdown waits for it (BillingService.onModuleDestroy).
 */
@Injectable()
export class BillingInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly billing: BillingService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const route = this.reflector.get<GatewayRouteOptions | undefined>(GATEWAY_ROUTE, context.getHandler());
    const gw = context.switchToHttp().getRequest<FastifyRequest>().gw;
    if (!route?.billable || !gw.model || !gw.key) return next.handle();

    await this.reserve(gw, route);
    gw.usageRecorded = true; // from here on the settlement writes the usage record
    return next.handle().pipe(
      tap((result) => this.settle(gw, result as RelayResult)),
      catchError((error: unknown) => {
        this.settleFailure(gw, error);
        return throwError(() => error);
      }),
    );
  }

  private async reserve(gw: GatewayContext, route: GatewayRouteOptions): Promise<void> {
    const estimate = estimateRequest(route.endpoint, gw.body!, gw.model!);
    gw.hold = { amountMicros: 0n, inputTokens: estimate.inputTokens, maxOutputTokens: estimate.maxOutputTokens };
    if (estimate.amountMicros === 0n) return;
    let result;
    try {
      result = await this.billing.reserve(gw.key!.accountId, {
        generationId: gw.generationId,
        keyId: gw.key!.id,
        modelId: gw.model!.id,
        amountMicros: estimate.amountMicros,
      });
    } catch (error) {
      if (error instanceof BillingClosedError) {
        throw new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'The gateway is shutting down; retry', { cause: error });
      }
      const failure = new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'Billing is temporarily unavailable', {
        cause: error,
      });
      // The hold may have committed although its answer was lost: release it now (a no-op when it never existed)
      // rather than leave the money held until the stale sweep. The release writes this request's usage record.
      gw.usageRecorded = true;
      this.release(gw, buildUsageRow(gw, { status: failure.status, outcome: 'rejected', errorType: failure.type }));
      throw failure;
    }
    if (!result.accepted) {
      throw new GatewayError(
        GatewayErrorCode.INSUFFICIENT_QUOTA,
        `Insufficient balance. Current: $${formatMicrosAsCents(result.balanceMicros)}, ` +
          `Required: $${formatMicrosAsCents(estimate.amountMicros)}`,
      );
    }
    gw.hold.amountMicros = estimate.amountMicros;
  }

  private settle(gw: GatewayContext, result: RelayResult): void {
    const cost = costMicros(priceOf(gw.model!), result.usage);
    this.close(gw, cost, buildUsageRow(gw, { ...result, costMicros: cost }));
  }

  private settleFailure(gw: GatewayContext, error: unknown): void {
    const clientGone = error instanceof ClientGoneError;
    const failure = clientGone ? null : toGatewayError(error);
    const usage = buildUsageRow(gw, {
      status: failure?.status ?? 499,
      outcome: clientGone ? 'client_aborted' : failure!.status >= 500 ? 'upstream_error' : 'rejected',
      errorType: failure?.type ?? null,
    });
    this.close(gw, 0n, usage);
  }

  private close(gw: GatewayContext, cost: bigint, usage: UsageRecordRow): void {
    gw.outcome = usage.outcome;
    if (gw.hold!.amountMicros === 0n) {
      // Nothing was held (a free model: every priced request holds at least a micro-dollar), so nothing is charged:
      // the record says so, as a usage record always matches the ledger.
      this.billing.recordUnbilled({ ...usage, costMicros: 0n, overrunMicros: 0n });
      return;
    }
    void this.billing.close(gw.key!.accountId, {
      generationId: gw.generationId,
      costMicros: cost,
      closedBy: cost > 0n ? 'settlement' : 'release',
      usage,
    });
  }

  private release(gw: GatewayContext, usage: UsageRecordRow): void {
    gw.outcome = usage.outcome;
    void this.billing.close(gw.key!.accountId, { generationId: gw.generationId, costMicros: 0n, closedBy: 'release', usage });
  }
}
