import { HttpException } from '@nestjs/common';
import { GatewayError, GatewayErrorCode, INTERNAL_ERROR_MESSAGE } from './gateway-error';

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

/** Fastify's own client errors (body parsing, limits, URLs) in words a client can act on. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send the body as application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Invalid Content-Length header',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty: expected a JSON object',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_TYPE: 'Invalid content type',
  FST_ERR_BAD_URL: 'Malformed URL',
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is too long',
};

export const SERVICE_UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable; retry';

/**
 * Whatever an app caught -> the GatewayError the client may see (proxy and admin alike). Client errors keep a useful
 * message; a failure `isUnavailable` recognises (e.g. the database is unreachable) is a retryable 503; anything else
 * is a fixed 500 whose details go to the log only.
 */
export function toGatewayError(exception: unknown, isUnavailable: (error: unknown) => boolean = () => false): GatewayError {
  if (exception instanceof GatewayError) return exception;
  if (exception instanceof HttpException) {
    const code = CODE_BY_STATUS[exception.getStatus()];
    if (code) return new GatewayError(code, httpExceptionMessage(exception));
  }
  const fastifyError = exception as { statusCode?: number; code?: string } | null;
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = CODE_BY_STATUS[status] ?? GatewayErrorCode.INVALID_REQUEST;
    return new GatewayError(code, (fastifyError?.code && FASTIFY_MESSAGES[fastifyError.code]) ?? 'Invalid request');
  }
  if (isUnavailable(exception)) {
    return new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE_MESSAGE, { cause: exception });
  }
  return new GatewayError(GatewayErrorCode.INTERNAL, INTERNAL_ERROR_MESSAGE, { cause: exception });
}

function httpExceptionMessage(exception: HttpException): string {
  const status = exception.getStatus();
  if (status === 404 || status === 405) return 'Not found';
  const response = exception.getResponse();
  const message = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
  return Array.isArray(message) ? String(message[0]) : String(message ?? exception.message);
}
