import { Counter, Histogram } from 'prom-client';
import { metricGroup, metricsRegistry } from './metrics-registry';

const registers = [metricsRegistry];

/**
 * Large request bodies handled in worker threads instead of on the event loop (apps/proxy/src/validation/
 * json-offload.ts). Beside Node's own `nodejs_eventloop_lag_*` gauges they show what keeps the event loop free.
 */
export const bodyMetrics = metricGroup(() => ({
  offloaded: new Counter({
    name: 'gw_json_offloaded_total',
    help:
      'Request bodies parsed (operation="parse"), validated (operation="validate": the verdict reached there served the ' +
      'route), translated for a provider of another protocol (operation="translate") or serialised for upstream ' +
      '(operation="serialize") in worker threads',
    labelNames: ['operation'] as const,
    registers,
  }),
  offloadSeconds: new Histogram({
    name: 'gw_json_offload_seconds',
    help: 'Wall time of those operations: queueing and work in a worker thread, plus assembling the result',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  }),
}));
