import { HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  errorBody,
  GatewayError,
  GatewayErrorCode,
  INTERNAL_ERROR_MESSAGE,
  protocolOfUrl,
  WireProtocol,
} from '@gw/common';
import { isDatabaseUnreachable } from '@gw/db';
import { ClientGoneError } from '../upstream/upstream-errors';

const logger = new Logger('ProxyErrors');
const SERVICE_UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable; retry';

const CODE_BY_STATUS: Record<number, GatewayErrorCode> = {
  400: GatewayErrorCode.INVALID_REQUEST,
  401: GatewayErrorCode.UNAUTHENTICATED,
  402: GatewayErrorCode.INSUFFICIENT_QUOTA,
  403: GatewayErrorCode.PERMISSION_DENIED,
  404: GatewayErrorCode.NOT_FOUND,
  405: GatewayErrorCode.NOT_FOUND,
  413: GatewayErrorCode.PAYLOAD_TOO_LARGE,
  // Wrong or missing content type is a 400 in our contract (spec/errors.md).
  415: GatewayErrorCode.INVALID_REQUEST,
  429: GatewayErrorCode.RATE_LIMITED,
  503: GatewayErrorCode.SERVICE_UNAVAILABLE,
  504: GatewayErrorCode.TIMEOUT,
};

/** Fastify's own client errors (body parsing, limits) in words a client can act on. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send the body as application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Invalid Content-Length header',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty: expected a JSON object',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_TYPE: 'Invalid content type',
  FST_ERR_BAD_URL: 'Malformed URL',
};

/**
 * Whatever was thrown -> a GatewayError the client may see. Client errors keep a useful message; anything unexpected
 * becomes a fixed 500 whose details go to the log only.
 */
export function toGatewayError(exception: unknown): GatewayError {
  if (exception instanceof GatewayError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = CODE_BY_STATUS[status];
    if (code) return new GatewayError(code, httpExceptionMessage(exception));
  }
  const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const code = CODE_BY_STATUS[fastifyError.statusCode] ?? GatewayErrorCode.INVALID_REQUEST;
    const message = (fastifyError.code && FASTIFY_MESSAGES[fastifyError.code]) ?? 'Invalid request';
    return new GatewayError(code, message);
  }
  if (isDatabaseUnreachable(exception)) {
    // Not the client's fault nor a bug: retryable, and readiness already says so (health/health.controller.ts).
    return new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE_MESSAGE, { cause: exception });
  }
  return new GatewayError(GatewayErrorCode.INTERNAL, INTERNAL_ERROR_MESSAGE, { cause: exception });
}

function httpExceptionMessage(exception: HttpException): string {
  if (exception.getStatus() === 404) return 'Not found';
  const response = exception.getResponse();
  const message = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
  return Array.isArray(message) ? String(message[0]) : String(message ?? exception.message);
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
