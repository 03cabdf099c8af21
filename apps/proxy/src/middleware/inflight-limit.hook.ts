import type { FastifyInstance } from 'fastify';
import { errorBody, GatewayError } from '@gw/common';

/** Probes and scrapes must answer however busy the instance is. */
const EXEMPT_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const RETRY_AFTER_S = '1';

/**
 * Sheds load instead of queueing it: past `maxInflight` requests in progress on this instance, a new one is answered
 * 503 `service_unavailable` with Retry-After at once, in its protocol's format, before any other work (no
 * authentication, no database, nothing charged). A request counts from arrival until its response is over, streams
 * included. Register it right after the request context, so that the 503 carries the generation and request ids.
 */
export function registerInflightLimit(fastify: FastifyInstance, maxInflight: number): void {
  let inflight = 0;
  fastify.addHook('onRequest', (request, reply, done) => {
    if (EXEMPT_PATHS.has(request.url.split('?', 1)[0])) {
      done();
      return;
    }
    if (inflight >= maxInflight) {
      const error = GatewayError.unavailable('The gateway is overloaded; retry later', { 'retry-after': RETRY_AFTER_S });
      if (request.gw) request.gw.errorType = error.type;
      reply
        .status(error.status)
        .headers(error.headers)
        .header('content-type', 'application/json')
        .send(JSON.stringify(errorBody(request.gw?.protocol ?? 'openai', error)));
      return;
    }
    inflight++;
    reply.raw.once('close', () => inflight--);
    done();
  });
}
