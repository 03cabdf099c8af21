import { HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, GatewayError, GatewayErrorCode, INTERNAL_ERROR_MESSAGE } from '@gw/common';
import { isDatabaseUnreachable } from '@gw/db';

const logger = new Logger('AdminErrors');

const CODE_BY_STATUS: Record<number, GatewayErrorCode> = {
  400: GatewayErrorCode.INVALID_REQUEST,
  401: GatewayErrorCode.UNAUTHENTICATED,
  403: GatewayErrorCode.PERMISSION_DENIED,
  404: GatewayErrorCode.NOT_FOUND,
  405: GatewayErrorCode.NOT_FOUND,
  413: GatewayErrorCode.PAYLOAD_TOO_LARGE,
  // A wrong or missing content type is a 400 in our contract (spec/errors.md).
  415: GatewayErrorCode.INVALID_REQUEST,
};

/** Fastify's own client errors (body parsing, limits, URLs) in words a client can act on. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send the body as application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Invalid Content-Length header',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty: expected a JSON object',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_TYPE: 'Invalid content type',
  FST_ERR_BAD_URL: 'Malformed URL',
};

/** Whatever was thrown -> what the client may see. Anything unexpected is a fixed 500; details go to the log only. */
export function toGatewayError(exception: unknown): GatewayError {
  if (exception instanceof GatewayError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = CODE_BY_STATUS[status];
    if (code) return new GatewayError(code, status === 404 || status === 405 ? 'Not found' : exception.message);
  }
  const fastifyError = exception as { statusCode?: number; code?: string } | null;
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = CODE_BY_STATUS[status] ?? GatewayErrorCode.INVALID_REQUEST;
    return new GatewayError(code, (fastifyError?.code && FASTIFY_MESSAGES[fastifyError.code]) ?? 'Invalid request');
  }
  if (isDatabaseUnreachable(exception)) {
    return new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'The service is temporarily unavailable; retry', {
      cause: exception,
    });
  }
  return new GatewayError(GatewayErrorCode.INTERNAL, INTERNAL_ERROR_MESSAGE, { cause: exception });
}

/** `{ "error": { "message", "type", "code" } }` with the contract's status (spec/errors.md, OpenAI format). */
export function sendAdminError(request: FastifyRequest, reply: FastifyReply, exception: unknown): void {
  const error = toGatewayError(exception);
  if (error.status >= 500) {
    const cause = (error.cause ?? error) as Error;
    logger.error(
      `${request.method} ${request.url.split('?')[0]} -> ${error.status} (request ${request.adminRequestId}): ` +
        `${cause?.stack ?? String(cause)}`,
    );
  }
  if (reply.sent) return;
  reply
    .status(error.status)
    .headers(error.headers)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(errorBody('openai', error)));
}
