import type { FastifyInstance } from 'fastify';
import { acceptClientRequestId, newRequestId } from '@gw/common';
import './admin-request';

const REQUEST_ID_HEADER = 'x-request-id';

/** Every answer carries X-Request-Id (the client's when it sent a sane one), errors included. */
export function registerRequestId(fastify: FastifyInstance): void {
  fastify.decorateRequest('adminRequestId', undefined);
  fastify.addHook('onRequest', (request, reply, done) => {
    const requestId = acceptClientRequestId(request.headers[REQUEST_ID_HEADER]) ?? newRequestId();
    request.adminRequestId = requestId;
    reply.header(REQUEST_ID_HEADER, requestId);
    done();
  });
}
