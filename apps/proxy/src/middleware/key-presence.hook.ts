import type { FastifyInstance, FastifyRequest } from 'fastify';
import { gatewayRouteOf, type ProxyRoute } from '../context/request-context';
import { AuthenticateStage, extractApiKey, isWellFormedKey, type KeyCarrier } from '../pipeline/authenticate.stage';

/**
 * The key the presence check read, kept on the request for the authenticate guard: the key, false when the request
 * carries none usable, null until it was read (a decorated property, so every request keeps one shape).
 */
const PRESENTED_KEY = Symbol('presentedKey');

type WithPresentedKey = FastifyRequest & { [PRESENTED_KEY]: string | false | null };

/**
 * The authenticate stage's first check, as soon as the headers are in: a gateway request without anything shaped like
 * a key gets its 401 before its body is read, parsed or counted in flight, so that keyless traffic (a slow or huge
 * body, a flood) costs the instance next to nothing (pipeline/authenticate.stage.ts, requireKey). A request with a
 * well-formed key goes on synchronously: no promise on the hot path.
 */
export function registerKeyPresenceCheck(fastify: FastifyInstance, stage: AuthenticateStage): void {
  fastify.decorateRequest(PRESENTED_KEY, null);
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = gatewayRouteOf(request);
    if (!route) return done();
    request.gw.protocol = route.protocol;
    request.gw.endpoint = route.endpoint;
    const apiKey = extractApiKey(route.protocol, keyCarrier(request));
    // Read once: the guard takes it from here rather than parsing the headers (and scanning the raw ones) again.
    (request as WithPresentedKey)[PRESENTED_KEY] = apiKey ?? false;
    if (isWellFormedKey(apiKey)) return done();
    stage.requireKey(request.gw, apiKey, request).then(() => done(), done);
  });
}

/** The key a gateway request presented for its route's protocol (as the presence check read it before the body). */
export function presentedKey(request: FastifyRequest, route: ProxyRoute): string | null {
  const read = (request as WithPresentedKey)[PRESENTED_KEY];
  if (read === false) return null;
  // Neither headers nor query change after onRequest: reading them again could only give the same key.
  return read ?? extractApiKey(route.protocol, keyCarrier(request));
}

/** Where the authenticate stage reads a request's key (headers, and the query for protocols that take one). */
function keyCarrier(request: FastifyRequest): KeyCarrier {
  return { headers: request.headers, rawHeaders: request.raw.rawHeaders, query: request.query };
}
