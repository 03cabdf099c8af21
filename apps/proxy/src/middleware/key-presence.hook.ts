import type { FastifyInstance } from 'fastify';
import { gatewayRouteOf } from '../context/request-context';
import { AuthenticateStage, extractApiKey, isWellFormedKey } from '../pipeline/authenticate.stage';

/**
 * The authenticate stage's first check, as soon as the headers are in: a gateway request without anything shaped like
 * a key gets its 401 before its body is read, parsed or counted in flight, so that keyless traffic (a slow or huge
 * body, a flood) costs the instance next to nothing (pipeline/authenticate.stage.ts, requireKey). A request with a
 * well-formed key goes on synchronously: no promise on the hot path.
 */
export function registerKeyPresenceCheck(fastify: FastifyInstance, stage: AuthenticateStage): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = gatewayRouteOf(request);
    if (!route) return done();
    request.gw.protocol = route.protocol;
    request.gw.endpoint = route.endpoint;
    const apiKey = extractApiKey(request.headers, request.raw.rawHeaders);
    if (isWellFormedKey(apiKey)) return done();
    stage.requireKey(request.gw, apiKey, request).then(() => done(), done);
  });
}
