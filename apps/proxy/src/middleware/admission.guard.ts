import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { proxyMetrics } from '@gw/observability';
import { GATEWAY_ROUTE } from './gateway-route.decorator';
import { overloaded } from './load-shedding';

/**
 * The hard cap of load shedding: at most MAX_INFLIGHT_REQUESTS admitted requests in progress on this instance, each
 * counted from its admission until its response is over (streams until they end). A request is admitted once it is
 * authenticated and its body is in (this guard runs right after ApiKeyGuard), so slow or keyless clients never hold a
 * slot; past the cap it is answered 503 with Retry-After before its rate limit is counted or any money moves.
 */
@Injectable()
export class AdmissionGuard implements CanActivate {
  private admitted = 0;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.reflector.get(GATEWAY_ROUTE, context.getHandler())) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const response = context.switchToHttp().getResponse<FastifyReply>().raw;
    // Already gone (the client left as its body arrived): 'close' has fired, so it must not take a slot.
    if (response.destroyed) return true;
    if (this.admitted >= this.config.proxy.maxInflightRequests) throw overloaded(request.gw, 'in_flight');
    const gauge = proxyMetrics().admitted;
    this.admitted++;
    gauge.inc();
    response.once('close', () => {
      this.admitted--;
      gauge.dec();
    });
    return true;
  }
}
