import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, GatewayError, protocolOfUrl, toGatewayError as toClientError, WireProtocol } from '@gw/common';
import { isDatabaseUnreachable } from '@gw/db';
import { ClientGoneError } from '../upstream/upstream-errors';

const logger = new Logger('ProxyErrors');

/** What the client may see of anything thrown on the proxy (a database outage is a retryable 503). */
export function toGatewayError(exception: unknown): GatewayError {
  return toClientError(exception, isDatabaseUnreachable);
}

/** Sends an error in the caller's protocol format, keeping the headers already set (ids, rate-limit state). */
export function sendError(request: FastifyRequest, reply: FastifyReply, exception: unknown, protocol?: WireProtocol): void {
  if (exception instanceof ClientGoneError) {
    // Nobody to answer: the request is settled already (BillingInterceptor); just let the connection go.
    reply.raw.destroy();
    return;
  }
  const error = toGatewayError(exception);
  if (request.gw) request.gw.errorType = error.type;
  const wire = protocol ?? request.gw?.protocol ?? protocolOfUrl(request.url);
  if (error.status >= 500) {
    const cause = error.cause ?? error;
    logger.error(
      `${request.method} ${request.url.split('?')[0]} -> ${error.status} ${error.message}` +
        ` (generation ${request.gw?.generationId}): ${(cause as Error)?.stack ?? String(cause)}`,
    );
  }
  if (reply.sent || reply.raw.headersSent) {
    // A stream reports its own errors in-band (relay/stream-relay.ts); never leave one open.
    if (!reply.raw.writableEnded) reply.raw.end();
    return;
  }
  reply
    .status(error.status)
    .headers(error.headers)
    .header('content-type', 'application/json')
    .send(JSON.stringify(errorBody(wire, error)));
}
