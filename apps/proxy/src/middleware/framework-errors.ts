import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '@gw/common';
import { attachRequestContext } from '../context/request-hooks';
import { sendError } from './error-response';

/**
 * The longest path parameter the router takes (Fastify's `maxParamLength`, 100 by default). Past its limit the router
 * answers a bare 414 of its own before any hook runs; Node's parser already bounds the whole request line (about
 * 16 KB, a 400 in the caller's format: client-error.handler.ts), so this only has to be above that: a long
 * `/v1/responses/{id}` is authenticated and answered like any other (a 404 in the caller's format).
 */
export const MAX_PARAM_LENGTH = 65_536;

/** What the client is told of a request the router refused. */
function answerOf(error: FastifyError): unknown {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return GatewayError.invalidRequest('Malformed URL: the path is not valid percent-encoded UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return GatewayError.notFound('Not found: a path segment is too long');
    default:
      // FST_ERR_ASYNC_CONSTRAINT (no route constraint of the proxy is asynchronous): an internal error, logged.
      return error;
  }
}

/**
 * Fastify's `frameworkErrors`: what the router refuses before any hook runs (a path that is not valid percent-encoded
 * UTF-8, such as `/v1/models/%ZZ`, or a path parameter over MAX_PARAM_LENGTH) would otherwise get Fastify's own JSON
 * (`{"error":"Bad Request","code":"FST_ERR_BAD_URL",...}`), without the gateway's ids: it gets them, and the error in
 * the caller's protocol format (the path's prefix), through the one error writer.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (!request.gw) attachRequestContext(request, reply);
  sendError(request, reply, answerOf(error));
}
