import { Counter, Gauge, Histogram } from 'prom-client';
import { metricGroup, metricsRegistry } from './metrics-registry';
import { SeriesCounter } from './series-counter';
import { SeriesHistogram } from './series-histogram';
import { DURATION_BUCKETS } from './proxy.metrics';

const registers = [metricsRegistry];

/**
 * How one upstream attempt ended: `success` (2xx), `http_<code>` (the provider answered with that status),
 * `timeout`, `connection_error` (refused, reset, DNS, TLS...), or `aborted` (the client left or the gateway shut
 * down: not the channel's failure).
 */
export type UpstreamAttemptOutcome = 'success' | `http_${number}` | 'timeout' | 'connection_error' | 'aborted';

export const upstreamMetrics = metricGroup(() => ({
  // Counted on every attempt: a series per channel, without prom-client's label hashing (series-counter.ts).
  attempts: new SeriesCounter(
    'gw_upstream_attempts_total',
    'Upstream attempts per channel (a failover makes several per request)',
    ['channel'] as const,
    registers,
  ),
  failures: new Counter({
    name: 'gw_upstream_failures_total',
    help: 'Failed upstream attempts per channel and reason (http_<code>, timeout, connection_error)',
    labelNames: ['channel', 'reason'] as const,
    registers,
  }),
  // Observed on every attempt: a series per channel, without prom-client's label hashing (series-histogram.ts).
  headersTime: new SeriesHistogram(
    'gw_upstream_response_headers_seconds',
    'Per attempt: time until the provider sent response headers (or the attempt failed)',
    ['channel'] as const,
    DURATION_BUCKETS,
    registers,
  ),
}));

/**
 * Records one upstream attempt. `channel` is the channel's name (bounded: the catalog's channels); `seconds` is the
 * time to response headers or to the failure.
 */
export function recordUpstreamAttempt(channel: string, outcome: UpstreamAttemptOutcome, seconds: number): void {
  const metrics = upstreamMetrics();
  metrics.attempts.inc(channel, { channel });
  if (outcome !== 'success' && outcome !== 'aborted') metrics.failures.inc({ channel, reason: outcome });
  metrics.headersTime.observe(channel, { channel }, seconds);
}

/** One upstream origin's pool, as read on scrape. */
export interface UpstreamPoolStats {
  origin: string;
  /** UPSTREAM_POOL_CONNECTIONS. */
  size: number;
  /** Requests holding a connection (streams until they end). */
  inUse: number;
  /** Requests waiting for one. */
  queued: number;
  /** Connections open (busy or idle). */
  connected: number;
}

let poolStats: () => UpstreamPoolStats[] = () => [];

/** Pool saturation per origin: read on scrape from `stats`, so the request path pays nothing for these gauges. */
export const upstreamPoolMetrics = metricGroup(() => {
  const gauge = (name: string, help: string, read: (stats: UpstreamPoolStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['origin'] as const,
      registers,
      collect() {
        this.reset();
        for (const stats of poolStats()) this.set({ origin: stats.origin }, read(stats));
      },
    });
  return {
    size: gauge('gw_upstream_pool_size', 'Connection limit of the pool of an upstream origin', (s) => s.size),
    inUse: gauge('gw_upstream_pool_in_use', 'Requests holding an upstream connection (streams until they end)', (s) => s.inUse),
    queued: gauge('gw_upstream_pool_queued', 'Requests waiting for an upstream connection', (s) => s.queued),
    connected: gauge('gw_upstream_pool_connections', 'Upstream connections open, busy or idle', (s) => s.connected),
    wait: new Histogram({
      name: 'gw_upstream_pool_wait_seconds',
      help: 'Time requests that found the pool full waited for a connection (got one or gave up)',
      labelNames: ['origin'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    waitTimeouts: new Counter({
      name: 'gw_upstream_pool_wait_timeouts_total',
      help: 'Requests that found no free upstream connection within UPSTREAM_POOL_QUEUE_TIMEOUT_MS (channel skipped)',
      labelNames: ['origin'] as const,
      registers,
    }),
  };
});

/** Where the pool gauges read from (the proxy's UpstreamPools). */
export function reportUpstreamPools(stats: () => UpstreamPoolStats[]): void {
  poolStats = stats;
  upstreamPoolMetrics();
}
