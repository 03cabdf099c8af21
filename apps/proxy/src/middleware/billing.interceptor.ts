import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { catchError, Observable, tap, throwError } from 'rxjs';
import {
  BillingClosedError,
  BillingService,
  chargeableTokens,
  costMicros,
  DeliveryProbe,
  ExactTokenCounter,
  HoldPlacer,
  TokenUsage,
} from '@gw/billing';
import { formatMicrosAsCents, GatewayError, GatewayErrorCode, GatewayShutdownError } from '@gw/common';
import type { UsageRecordRow } from '@gw/db';
import type { GatewayContext } from '../context/gateway-context';
import type { RelayResult } from '../relay/relay-result';
import { ClientGoneError } from '../upstream/upstream-errors';
import { toGatewayError } from './error-response';
import { GATEWAY_ROUTE, GatewayRouteOptions } from './gateway-route.decorator';
import { holdPlan, outputLimit, priceOf, withOutputLimit } from './request-estimate';
import { buildUsageRow } from './usage-row';

/**
 * Pre-deducts a hold that bounds what the request can cost before the handler calls upstream (402 if the account
 * can't cover it: nothing reserved, no upstream call), and settles on the real usage when the handler is done,
 * whatever happened: completed, failed upstream (full release), client gone, stream cut or the gateway shutting down
 * (settled on what was delivered). While the request runs, its hold's heartbeat carries what it has delivered.
 *
 * Settlement runs after the response is sent and does not delay it; it is retried and, failing that, queued for the
 * worker (BillingService.close), and graceful shutdown waits for it (BillingService.onModuleDestroy).
 */
@Injectable()
export class BillingInterceptor implements NestInterceptor {
  private readonly logger = new Logger(BillingInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly billing: BillingService,
    private readonly placer: HoldPlacer,
    private readonly counter: ExactTokenCounter,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const route = this.reflector.get<GatewayRouteOptions | undefined>(GATEWAY_ROUTE, context.getHandler());
    const gw = context.switchToHttp().getRequest<FastifyRequest>().gw;
    if (!route?.billable || !gw.model || !gw.key) return next.handle();

    await this.reserve(gw, route);
    gw.usageRecorded = true; // from here on the settlement writes the usage record
    return next.handle().pipe(
      tap((result) => void this.settle(gw, result as RelayResult)),
      catchError((error: unknown) => {
        this.settleFailure(gw, error);
        return throwError(() => error);
      }),
    );
  }

  private async reserve(gw: GatewayContext, route: GatewayRouteOptions): Promise<void> {
    const plan = holdPlan(route.endpoint, gw.body!, gw.model!);
    gw.hold = { amountMicros: 0n, inputTokens: 0, maxOutputTokens: plan.outputTokens, input: plan.input, encoding: plan.encoding };
    let placed;
    try {
      placed = await this.placer.place(
        gw.key!.accountId,
        { generationId: gw.generationId, keyId: gw.key!.id, modelId: gw.model!.id },
        plan,
        this.deliveryProbe(gw),
      );
    } catch (error) {
      if (error instanceof BillingClosedError) {
        throw new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'The gateway is shutting down; retry', { cause: error });
      }
      const failure = new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'Billing is temporarily unavailable', {
        cause: error,
      });
      // The hold may have committed although its answer was lost (or came too late): release it now (a no-op when it
      // never existed) rather than leave the money held until the stale sweep. The release writes the usage record.
      gw.usageRecorded = true;
      this.release(gw, buildUsageRow(gw, { status: failure.status, outcome: 'rejected', errorType: failure.type }));
      throw failure;
    }
    if (!placed.accepted) {
      throw new GatewayError(
        GatewayErrorCode.INSUFFICIENT_QUOTA,
        `Insufficient balance. Current: $${formatMicrosAsCents(placed.balanceMicros)}, ` +
          `Required: $${formatMicrosAsCents(placed.quote.amountMicros)}`,
      );
    }
    gw.hold.amountMicros = placed.quote.amountMicros;
    gw.hold.inputTokens = placed.quote.inputTokens;
    // The provider is asked for no more output than the hold covers.
    gw.body = withOutputLimit(route.endpoint, gw.body!, outputLimit(route.endpoint, gw.body!, gw.model!));
  }

  /** What the request has delivered so far, priced: the heartbeat records it for the sweep, should we die. */
  private deliveryProbe(gw: GatewayContext): DeliveryProbe {
    return async () => {
      const delivered = gw.delivered?.();
      if (!delivered) return null;
      const usage = delivered.inputReported ? delivered.usage : { ...delivered.usage, inputTokens: await this.chargedInput(gw) };
      return { ...usage, costMicros: costMicros(priceOf(gw.model!), usage) };
    };
  }

  /**
   * Never throws, and always closes the hold: a hold left open by a live proxy would keep beating, and no sweep would
   * ever take it.
   */
  private async settle(gw: GatewayContext, result: RelayResult): Promise<void> {
    gw.outcome = result.outcome; // for the access log, which may be written before the count below is done
    let usage: TokenUsage = result.usage;
    try {
      usage = await this.countUnreported(gw, result);
    } catch (error) {
      this.logger.warn(`settlement ${gw.generationId}: counting the unreported usage failed: ${(error as Error).message}`);
    }
    let cost = 0n;
    try {
      cost = costMicros(priceOf(gw.model!), usage);
    } catch (error) {
      this.logger.error(`settlement ${gw.generationId}: usage cannot be priced, released uncharged: ${(error as Error).message}`);
      usage = result.usage;
    }
    this.close(gw, cost, buildUsageRow(gw, { ...result, usage, costMicros: cost }));
  }

  /** The usage with what the provider did not report counted by the gateway (off the event loop). */
  private async countUnreported(gw: GatewayContext, result: RelayResult): Promise<TokenUsage> {
    const usage = { ...result.usage };
    if (!result.inputReported) usage.inputTokens = await this.chargedInput(gw);
    if (result.outputText) {
      usage.outputTokens = await chargeableTokens(this.counter, { pieces: [result.outputText], allowanceTokens: 0 }, null);
    }
    return usage;
  }

  private chargedInput(gw: GatewayContext): Promise<number> {
    const hold = gw.hold!;
    return (hold.chargedInput ??= chargeableTokens(this.counter, hold.input, hold.encoding));
  }

  private settleFailure(gw: GatewayContext, error: unknown): void {
    const clientGone = error instanceof ClientGoneError;
    const failure = clientGone ? null : toGatewayError(error);
    const usage = buildUsageRow(gw, {
      status: failure?.status ?? 499,
      outcome: clientGone
        ? 'client_aborted'
        : error instanceof GatewayShutdownError
          ? 'gateway_shutdown'
          : failure!.status >= 500
            ? 'upstream_error'
            : 'rejected',
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
