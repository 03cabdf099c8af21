import type { FastifyInstance } from 'fastify';
import { acceptClientRequestId, newGenerationId, newRequestId, protocolOfUrl } from '@gw/common';

export const GENERATION_ID_HEADER = 'x-chuizi-generation-id';
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Gives every request its generation id and request id before anything else runs, and puts both on the response
 * headers at once, so that every answer carries them: successes, errors from any layer, 404s and streams.
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
    done();
  });
}
