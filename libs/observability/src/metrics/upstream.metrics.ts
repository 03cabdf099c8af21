import { Counter, Histogram } from 'prom-client';
import { metricGroup, metricsRegistry } from './metrics-registry';
import { DURATION_BUCKETS } from './proxy.metrics';

const registers = [metricsRegistry];

/**
 * How one upstream attempt ended: `success` (2xx), `http_<code>` (the provider answered with that status),
 * `timeout`, `connection_error` (refused, reset, DNS, TLS...), or `aborted` (the client left or the gateway shut
 * down: not the channel's failure).
 */
export type UpstreamAttemptOutcome = 'success' | `http_${number}` | 'timeout' | 'connection_error' | 'aborted';

export const upstreamMetrics = metricGroup(() => ({
  attempts: new Counter({
    name: 'gw_upstream_attempts_total',
    help: 'Upstream attempts per channel (a failover makes several per request)',
    labelNames: ['channel'] as const,
    registers,
  }),
  failures: new Counter({
    name: 'gw_upstream_failures_total',
    help: 'Failed upstream attempts per channel and reason (http_<code>, timeout, connection_error)',
    labelNames: ['channel', 'reason'] as const,
    registers,
  }),
  headersTime: new Histogram({
    name: 'gw_upstream_response_headers_seconds',
    help: 'Per attempt: time until the provider sent response headers (or the attempt failed)',
    labelNames: ['channel'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  }),
}));

/**
 * Records one upstream attempt. `channel` is the channel's name (bounded: the catalog's channels); `seconds` is the
 * time to response headers or to the failure.
 */
export function recordUpstreamAttempt(channel: string, outcome: UpstreamAttemptOutcome, seconds: number): void {
  const metrics = upstreamMetrics();
  metrics.attempts.inc({ channel });
  if (outcome !== 'success' && outcome !== 'aborted') metrics.failures.inc({ channel, reason: outcome });
  metrics.headersTime.observe({ channel }, seconds);
}
