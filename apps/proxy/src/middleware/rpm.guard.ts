import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerRequest,
} from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, GatewayErrorCode } from '@gw/common';
import { RedisService, SlidingWindowStorage } from '@gw/redis';
import { AuthFailureLimiter } from './auth-failure.limiter';
import { GATEWAY_ROUTE, GatewayRouteOptions } from './gateway-route.decorator';

/**
 * Per-key requests per minute (spec/proxy.md, "Rate limits"), after authentication and before the model is resolved
 * or any money moves: a refused request reserves nothing and never reaches upstream. One Redis round trip decides,
 * for every instance at once, and also refuses an address blocked for failed authentications (AuthFailureLimiter).
 * Redis unreachable: 503, never unmetered traffic.
 */
@Injectable()
export class RpmGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() private readonly window: SlidingWindowStorage,
    reflector: Reflector,
    private readonly redis: RedisService,
    private readonly failures: AuthFailureLimiter,
  ) {
    super(options, window, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const route = this.reflector.get<GatewayRouteOptions | undefined>(GATEWAY_ROUTE, context.getHandler());
    return !route || !context.switchToHttp().getRequest<FastifyRequest>().gw?.key;
  }

  /** One counter per API key, whatever the client address or route. */
  protected override async getTracker(request: Record<string, any>): Promise<string> {
    return (request as FastifyRequest).gw.key!.id;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return this.redis.key('rpm', tracker);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler } = props;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const tracker = await props.getTracker(request, context);
    const key = props.generateKey(context, tracker, throttler.name!);

    let record;
    try {
      record = await this.window.hit({
        key,
        limit,
        windowMs: ttl,
        member: request.gw.generationId,
        gate: this.failures.gate(request),
      });
    } catch (error) {
      throw new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'Rate limiter unavailable', { cause: error });
    }

    const state = { limit, remaining: Math.max(0, limit - record.totalHits), resetSeconds: record.timeToExpire };
    request.gw.rateLimit = state;
    // On the reply now, so that errors and streams (which copy the reply's headers) carry them too.
    this.setResponseHeader(reply, `${this.headerPrefix}-Limit`, state.limit);
    this.setResponseHeader(reply, `${this.headerPrefix}-Remaining`, state.remaining);
    this.setResponseHeader(reply, `${this.headerPrefix}-Reset`, state.resetSeconds);
    if (record.isBlocked) {
      request.gw.throttledBy = record.gateBlocked ? 'auth_failure' : 'rpm';
      await this.throwThrottlingException(context, { ...record, limit, ttl, key, tracker });
    }
    return true;
  }

  /** Thrown as the gateway's own error, so that each protocol's filter formats it. */
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw GatewayError.rateLimited(detail.timeToBlockExpire);
  }
}
