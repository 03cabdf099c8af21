import { applyDecorators, SetMetadata, UseFilters, UseGuards } from '@nestjs/common';
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
  if (options.protocol === 'anthropic') {
    // Route guards run after the global ones (key, rate limit, body and model) and before the billing interceptor.
    return applyDecorators(
      SetMetadata(GATEWAY_ROUTE, options),
      UseFilters(AnthropicErrorFilter),
      UseGuards(AnthropicHeadersGuard, UpstreamAvailabilityGuard),
    );
  }
  return applyDecorators(SetMetadata(GATEWAY_ROUTE, options), UseFilters(OpenAiErrorFilter), UseGuards(UpstreamAvailabilityGuard));
}
