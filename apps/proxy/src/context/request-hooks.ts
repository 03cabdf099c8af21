import type { FastifyInstance } from 'fastify';
import { acceptClientRequestId, GatewayError, newGenerationId, newRequestId, protocolOfUrl } from '@gw/common';

export const GENERATION_ID_HEADER = 'x-chuizi-generation-id';
export const REQUEST_ID_HEADER = 'x-request-id';
/**
 * Anthropic's own request id header (its SDK exposes it as `_request_id`): on the Anthropic protocol it carries the
 * generation id, the id support finds a request by.
 */
export const ANTHROPIC_REQUEST_ID_HEADER = 'request-id';

/**
 * Gives every request its generation id and request id before anything else runs, and puts both on the response
 * headers at once, so that every answer carries them: successes, errors from any layer, 404s and streams. Anthropic
 * protocol answers also carry `request-id`, as Anthropic's do.
 */
export function registerRequestContext(fastify: FastifyInstance): void {
  fastify.decorateRequest('gw', null as never);
  fastify.addHook('onRequest', (request, reply, done) => {
    const generationId = newGenerationId();
    const requestId = acceptClientRequestId(request.headers[REQUEST_ID_HEADER]) ?? newRequestId();
    request.gw = {
      generationId,
      requestId,
      startedAt: process.hrtime.bigint(),
      receivedAt: new Date(),
      protocol: protocolOfUrl(request.url),
      stream: false,
    };
    reply.header(GENERATION_ID_HEADER, generationId);
    reply.header(REQUEST_ID_HEADER, requestId);
    if (request.gw.protocol === 'anthropic') reply.header(ANTHROPIC_REQUEST_ID_HEADER, generationId);
    // HTTP/1.1 requires Host (RFC 9112); Node's own check would answer a bare 400, so the server leaves it to us.
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      done(GatewayError.invalidRequest('Missing Host header'));
      return;
    }
    // The server speaks HTTP/1.x only; Node's parser would take "HTTP/2.0" in a request line as if it were 1.x.
    if (request.raw.httpVersionMajor !== 1) {
      done(GatewayError.invalidRequest(`Unsupported HTTP version ${request.raw.httpVersion}`));
      return;
    }
    done();
  });
}
