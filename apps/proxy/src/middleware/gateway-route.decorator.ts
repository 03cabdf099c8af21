import { applyDecorators, SetMetadata, UseFilters, UseGuards } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { WireProtocol } from '@gw/common';
import type { GatewayEndpoint } from '../context/gateway-context';
import type { BodySchema } from '../validation/validate-body';
import { AnthropicHeadersGuard } from './anthropic-headers.guard';
import { AnthropicErrorFilter, OpenAiErrorFilter } from './protocol-exception.filters';
import { UpstreamAvailabilityGuard } from './upstream-availability.guard';

export interface GatewayRouteOptions {
  protocol: WireProtocol;
  endpoint: GatewayEndpoint;
  /** Billable routes reserve an estimate before the upstream call and settle after it. */
  billable: boolean;
  /** Schema the JSON body is validated against; routes with a body name a model in it (resolved and checked). */
  body?: BodySchema;
}

export const GATEWAY_ROUTE = Symbol('gateway-route');

/**
 * Declares a proxy route: the global guards and the billing interceptor read this to decide what to do, so a handler
 * states its behaviour in one place.
 */
export function GatewayRoute(options: GatewayRouteOptions): MethodDecorator {
  // Also on the Fastify route, for the hooks that run before the body is read (middleware/key-presence.hook.ts).
  const metadata = [
    SetMetadata(GATEWAY_ROUTE, options),
    RouteConfig({ [GATEWAY_ROUTE_CONFIG]: { protocol: options.protocol, endpoint: options.endpoint } }),
  ];
  if (options.protocol === 'anthropic') {
    // Route guards run after the global ones (key, rate limit, body and model) and before the billing interceptor.
    return applyDecorators(
      ...metadata,
      UseFilters(AnthropicErrorFilter),
      UseGuards(AnthropicHeadersGuard, UpstreamAvailabilityGuard),
    );
  }
  return applyDecorators(...metadata, UseFilters(OpenAiErrorFilter), UseGuards(UpstreamAvailabilityGuard));
}

const GATEWAY_ROUTE_CONFIG = 'gatewayRoute';

/** The gateway route a request matched, from Fastify's route config (known in onRequest, before the body). */
export function gatewayRouteOf(request: FastifyRequest): Pick<GatewayRouteOptions, 'protocol' | 'endpoint'> | undefined {
  const config = request.routeOptions.config as { [GATEWAY_ROUTE_CONFIG]?: Pick<GatewayRouteOptions, 'protocol' | 'endpoint'> };
  return config?.[GATEWAY_ROUTE_CONFIG];
}
