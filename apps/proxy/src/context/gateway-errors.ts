import { GatewayError, toGatewayError as toClientError } from '@gw/common';
import { isDatabaseUnreachable } from '@gw/db';
import { proxyMetrics } from '@gw/observability';
import type { RequestContext } from './request-context';

export const OVERLOADED_MESSAGE = 'The gateway is overloaded; retry later';

export type ShedReason = NonNullable<RequestContext['shedBy']>;

/** What the client may see of anything thrown on the proxy (a database outage is a retryable 503). */
export function toGatewayError(exception: unknown): GatewayError {
  return toClientError(exception, isDatabaseUnreachable);
}

/**
 * The 503 of a request refused to shed load (Retry-After: 1, a couple of samples later), counted by reason; `headers`:
 * more to send with it (an authenticated caller's X-RateLimit-*).
 */
export function overloaded(
  context: RequestContext | undefined,
  reason: ShedReason,
  message = OVERLOADED_MESSAGE,
  headers: Record<string, string> = {},
): GatewayError {
  proxyMetrics().shed.inc({ reason });
  if (context) context.shedBy = reason;
  return GatewayError.unavailable(message, { ...headers, 'retry-after': '1' });
}
