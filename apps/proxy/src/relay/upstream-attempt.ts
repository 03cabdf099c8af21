import { GatewayError } from '@gw/common';
import type { UpstreamAttemptOutcome } from '@gw/observability';
import type { AbortState } from './attempt-abort';
import { ClientGoneError, UpstreamTimeoutError } from './upstream-errors';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * How one upstream attempt ended, for gw_upstream_attempts_total / gw_upstream_failures_total: `status` is the
 * provider's HTTP status when it answered, `failure` what the attempt threw (null when it succeeded), `signal` what
 * stopped the attempt, if anything (client gone, deadline, shutdown).
 */
export function attemptOutcome(status: number | null, failure: unknown, signal: AbortState): UpstreamAttemptOutcome {
  if (failure === null) return 'success';
  const reason = signal.aborted ? signal.reason : failure;
  if (reason instanceof UpstreamTimeoutError) return 'timeout';
  if (reason instanceof ClientGoneError || (signal.aborted && reason instanceof GatewayError)) return 'aborted';
  if (status !== null && (status < 200 || status >= 300)) return `http_${status}`;
  const code = (reason as { code?: unknown })?.code ?? (reason as { cause?: { code?: unknown } })?.cause?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return 'timeout';
  if (reason instanceof GatewayError && reason.status === 504) return 'timeout';
  return 'connection_error';
}
