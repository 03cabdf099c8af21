import { Counter, Gauge, Histogram } from 'prom-client';
import { FixedLabelHistogram } from './fixed-label-histogram';
import { SeriesCounter } from './series-counter';
import { SeriesHistogram } from './series-histogram';
import { metricGroup, metricsRegistry } from './metrics-registry';

/** Whole requests and streams: milliseconds to minutes. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** The gateway's own share of a request: well under a millisecond to a second. */
export const OVERHEAD_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** The stages of the proxy's request path, in order (apps/proxy/src/pipeline/proxy-pipeline.ts). */
export const PROXY_STAGES = ['context', 'authenticate', 'admit', 'resolve', 'translate', 'reserve', 'relay', 'settle'] as const;
export type ProxyStage = (typeof PROXY_STAGES)[number];

/** One stage of one request: a few microseconds (a cache hit) to a database round trip or an upstream answer. */
export const STAGE_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1];

const registers = [metricsRegistry];

/**
 * The proxy's request metrics. Labels are bounded: protocol (openai|anthropic|gemini), endpoint (the routes or
 * "other"), model (catalog model ids only, "none" before one is resolved), status (the HTTP code), stream (true|false).
 * The counter and histograms touched on every request are SeriesCounter and SeriesHistogram (no label hashing per
 * observation), keyed by requestSeriesKey.
 */
export const proxyMetrics = metricGroup(() => ({
  requests: new SeriesCounter(
    'gw_requests_total',
    'Proxy requests by protocol, endpoint, catalog model and HTTP status (499: client left before the end)',
    ['protocol', 'endpoint', 'model', 'status'] as const,
    registers,
  ),
  duration: new SeriesHistogram(
    'gw_request_duration_seconds',
    'Total time from arrival to the last byte of the response (streams included)',
    ['protocol', 'endpoint', 'stream'] as const,
    DURATION_BUCKETS,
    registers,
  ),
  upstream: new SeriesHistogram(
    'gw_request_upstream_seconds',
    'Time spent waiting on the provider: from the first upstream attempt until its answer was read in full',
    ['protocol', 'endpoint', 'stream'] as const,
    DURATION_BUCKETS,
    registers,
  ),
  overhead: new SeriesHistogram(
    'gw_request_overhead_seconds',
    "The gateway's own time on requests that reached upstream: total minus upstream time",
    ['protocol', 'endpoint', 'stream'] as const,
    OVERHEAD_BUCKETS,
    registers,
  ),
  streamFirstByte: new Histogram({
    name: 'gw_stream_first_byte_seconds',
    help: 'Streams: time from arrival to the first byte sent to the client',
    labelNames: ['protocol', 'endpoint'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  }),
  streamFirstByteOverhead: new Histogram({
    name: 'gw_stream_first_byte_overhead_seconds',
    help: "Streams: the gateway's share of the time to first byte (client first byte minus upstream first chunk)",
    labelNames: ['protocol', 'endpoint'] as const,
    buckets: OVERHEAD_BUCKETS,
    registers,
  }),
  stageDuration: new FixedLabelHistogram(
    'gw_stage_duration_seconds',
    "Time in each stage of the proxy's request path (apps/proxy/src/pipeline): context, authenticate, admit, resolve, " +
      "reserve, relay (until the provider's answer headers), settle (until the settlement is handed to billing)",
    'stage',
    PROXY_STAGES,
    STAGE_BUCKETS,
    registers,
  ),
  throttled: new Counter({
    name: 'gw_throttled_requests_total',
    help:
      'Requests refused with 429, by reason: rpm (the key is over its limit), account_rpm (its account), model_rpm ' +
      '(its account on the model), tpm (the key\'s tokens per minute) or auth_failure (address blocked)',
    labelNames: ['protocol', 'reason'] as const,
    registers,
  }),
  inFlight: new Gauge({
    name: 'gw_requests_in_flight',
    help: 'Requests (streams included) being handled by this process',
    registers,
  }),
  admitted: new Gauge({
    name: 'gw_requests_admitted',
    help: 'Requests admitted past authentication and load shedding and not over yet (what MAX_INFLIGHT_REQUESTS bounds)',
    registers,
  }),
  shed: new Counter({
    name: 'gw_shed_requests_total',
    help: 'Requests refused with 503 to shed load, by reason: event_loop_delay, in_flight, upstream_pool',
    labelNames: ['reason'] as const,
    registers,
  }),
  eventLoopDelay: new Gauge({
    name: 'gw_event_loop_delay_seconds',
    help: 'Mean event-loop delay over the last 500 ms sample, what OVERLOAD_MAX_EVENT_LOOP_DELAY_MS is compared with',
    registers,
  }),
  clientTimeouts: new Counter({
    name: 'gw_client_timeouts_total',
    help: 'Connections cut because a request was not received within HEADERS_TIMEOUT_MS / BODY_TIMEOUT_MS',
    registers,
  }),
}));

/** The key of a request's series in the per-request metrics (label values: protocols, endpoints, model ids, statuses). */
export function requestSeriesKey(...labelValues: string[]): string {
  // A control character: no label value can hold it, so two label sets never share a key.
  return labelValues.join('\u0001');
}
