import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  errorBodyText,
  GatewayError,
  GatewayErrorCode,
  protocolOfUrl,
  WireProtocol,
} from '@gw/common';
import { IntervalLog } from '@gw/observability';
import { toGatewayError } from '../context/gateway-errors';
import { requestLogFields } from '../context/request-context';
import { ClientGoneError } from '../relay/upstream-errors';

const logger = new Logger('ProxyErrors');

function refusalLog(intervalMs: number): IntervalLog {
  return new IntervalLog(intervalMs, (kind, suppressed) => {
    logger.warn(`${kind}: ${suppressed} more in the last ${intervalMs / 1000} s`);
  });
}

/**
 * Expected refusals (503: a dependency unavailable, load shed, upstream overloaded; 502/504: the provider failing) are
 * the gateway working as designed: during an outage every request gets one, so each kind is logged once per
 * REFUSAL_LOG_INTERVAL_MS at warn, then with the count of those left out (IntervalLog). Unexpected errors (500) are
 * logged every time, at error, with their stack.
 */
let refusals = refusalLog(10_000);

export function configureRefusalLog(intervalMs: number): void {
  refusals = refusalLog(intervalMs);
}

function logFailure(request: FastifyRequest, error: GatewayError): void {
  // Never the query: it may carry a key (Gemini's ?key=).
  const where = `${request.method} ${request.url.split('?')[0]} (generation ${request.gw?.generationId})`;
  if (error.code === GatewayErrorCode.INTERNAL || error.status === 500) {
    const cause = error.cause ?? error;
    logger.error({
      msg: `${where} -> ${error.status} ${error.message}: ${(cause as Error)?.stack ?? String(cause)}`,
      ...requestLogFields(request.gw),
    });
    return;
  }
  const kind = `${error.status} ${error.message}`;
  const cause = error.cause instanceof Error ? `; cause: ${error.cause.message}` : '';
  // The first of its kind for a while is written here, with this request's ids; the next ones are counted.
  if (refusals.hit(kind)) logger.warn({ msg: `${where} -> ${kind}${cause}`, ...requestLogFields(request.gw) });
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
  if (error.status >= 500) logFailure(request, error);
  if (reply.sent || reply.raw.headersSent) {
    // A stream reports its own errors in-band (relay/stream-relay.ts); never leave one open.
    if (!reply.raw.writableEnded) reply.raw.end();
    return;
  }
  reply
    .status(error.status)
    .headers(error.headers)
    .header('content-type', 'application/json')
    .send(errorBodyText(wire, error));
}
