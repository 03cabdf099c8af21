import type { FastifyInstance } from 'fastify';
import { AuthenticateStage, extractApiKey } from '../pipeline/authenticate.stage';
import { gatewayRouteOf } from '../pipeline/request-context';

/**
 * The authenticate stage's first check, as soon as the headers are in: a gateway request without anything shaped like
 * a key gets its 401 before its body is read, parsed or counted in flight, so that keyless traffic (a slow or huge
 * body, a flood) costs the instance next to nothing (pipeline/authenticate.stage.ts, requireKey).
 */
export function registerKeyPresenceCheck(fastify: FastifyInstance, stage: AuthenticateStage): void {
  fastify.addHook('onRequest', async (request) => {
    const route = gatewayRouteOf(request);
    if (!route) return;
    request.gw.protocol = route.protocol;
    request.gw.endpoint = route.endpoint;
    await stage.requireKey(request.gw, extractApiKey(request.headers, request.raw.rawHeaders), request);
  });
}
