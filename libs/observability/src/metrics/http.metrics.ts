import { Counter, Histogram } from 'prom-client';
import { metricGroup, metricsRegistry } from './metrics-registry';
import { DURATION_BUCKETS } from './proxy.metrics';

const registers = [metricsRegistry];

/** Requests of the admin API and the worker's health endpoints, by route template (bounded), method and status. */
export const httpMetrics = metricGroup(() => ({
  requests: new Counter({
    name: 'gw_http_requests_total',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  }),
  duration: new Histogram({
    name: 'gw_http_request_duration_seconds',
    help: 'HTTP request duration by route template and method',
    labelNames: ['route', 'method'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  }),
}));
