import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBodyText, GatewayError, toGatewayError as toClientError } from '@gw/common';
import { isDatabaseUnreachable } from '@gw/db';

const logger = new Logger('AdminErrors');

/** What the client may see of anything thrown on the admin API (a database outage is a retryable 503). */
export function toGatewayError(exception: unknown): GatewayError {
  return toClientError(exception, isDatabaseUnreachable);
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
    .send(errorBodyText('openai', error));
}
