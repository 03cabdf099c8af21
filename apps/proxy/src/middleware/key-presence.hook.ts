import type { FastifyInstance } from 'fastify';
import { API_KEY_PATTERN, GatewayError } from '@gw/common';
import { extractApiKey } from './api-key.guard';
import type { AuthFailureLimiter } from './auth-failure.limiter';
import { gatewayRouteOf } from './gateway-route.decorator';

/**
 * Refuses a gateway request that carries no key, or nothing shaped like one, with the 401 as soon as its headers are
 * in: before its body is read, parsed or counted in flight, so that keyless traffic (a slow or huge body, a flood)
 * costs the instance next to nothing. The failure is counted against the client address as ApiKeyGuard counts it
 * (429 once the address is blocked; 503 when Redis is down). A well-formed key goes on to ApiKeyGuard, which does the
 * real authentication once the body is in.
 */
export function registerKeyPresenceCheck(fastify: FastifyInstance, failures: AuthFailureLimiter): void {
  fastify.addHook('onRequest', async (request) => {
    const route = gatewayRouteOf(request);
    if (!route) return;
    request.gw.protocol = route.protocol;
    request.gw.endpoint = route.endpoint;
    const key = extractApiKey(request);
    if (key !== null && API_KEY_PATTERN.test(key)) return;
    await failures.recordFailure(request);
    throw GatewayError.unauthenticated();
  });
}
