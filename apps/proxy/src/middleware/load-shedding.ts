import { IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { proxyMetrics } from '@gw/observability';
import { overloaded } from '../context/gateway-errors';

/** Probes and scrapes must answer however busy the instance is. */
const EXEMPT_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/** How often the event-loop delay is sampled: the shedding decision holds until the next sample. */
export const EVENT_LOOP_SAMPLE_MS = 500;
/** The histogram's resolution, which its readings include (subtracted, as @fastify/under-pressure does). */
const RESOLUTION_MS = 10;

function isExempt(url: string): boolean {
  return EXEMPT_PATHS.has(url.split('?', 1)[0]);
}

/**
 * The event loop's mean delay over the last sample: how long, on average, anything ready to run waited for its turn.
 * Sampling starts once the server is ready, so start-up work (module loading, catalog load) is not taken for load.
 */
class EventLoopDelaySampler {
  private histogram: IntervalHistogram | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delayMs = 0;
  private sampledAt = 0;

  start(): void {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
    this.sampledAt = performance.now();
    this.timer = setInterval(() => this.sample(), EVENT_LOOP_SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram?.disable();
  }

  /**
   * The last sample's delay, or how late the next sample is, whichever is more. After a stall, the requests that
   * queued up during it may run before the sampling timer does (I/O callbacks come before timers in a loop turn): the
   * overdue timer is then the measure of the stall they waited through.
   */
  currentDelayMs(): number {
    const overdue = performance.now() - this.sampledAt - EVENT_LOOP_SAMPLE_MS;
    return overdue > this.delayMs ? overdue : this.delayMs;
  }

  private sample(): void {
    const histogram = this.histogram!;
    const now = performance.now();
    this.delayMs = meanEventLoopDelayMs(histogram, now - this.sampledAt - EVENT_LOOP_SAMPLE_MS);
    this.sampledAt = now;
    histogram.reset();
    proxyMetrics().eventLoopDelay.set(this.delayMs / 1000);
  }
}

/**
 * The mean event-loop delay of a sample, in ms, from the histogram's readings (each one a resolution interval plus the
 * delay) and how late the sampling timer itself ran. After a stall both timers are due in the same turn; when the
 * sampling timer runs first, the histogram has not yet recorded the stall (its largest reading is below the lateness),
 * and the stall counts as one more reading: else a 2 s stall could read as no delay at all.
 */
export function meanEventLoopDelayMs(readings: Pick<IntervalHistogram, 'count' | 'mean' | 'max'>, lateMs: number): number {
  // No reading at all in a whole interval means the loop was blocked throughout.
  if (readings.count === 0) return EVENT_LOOP_SAMPLE_MS;
  const meanMs = readings.mean / 1e6;
  const unrecorded = lateMs + RESOLUTION_MS > readings.max / 1e6;
  const withStall = unrecorded ? (meanMs * readings.count + lateMs + RESOLUTION_MS) / (readings.count + 1) : meanMs;
  return Math.max(0, withStall - RESOLUTION_MS);
}

/**
 * The first bound of load shedding (docs/upstreams.md, "Load shedding"): while the event loop's mean delay over the
 * last 500 ms exceeds `maxDelayMs`, every new request (probes and scrapes aside) is refused with 503 as soon as its
 * headers are in, before authentication or its body. Event-loop delay measures directly what every admitted request
 * waits for between each of its steps, whatever the mix of short requests and long idle streams (which in-flight
 * counts cannot tell apart); it is measured as @fastify/under-pressure measures it (the mean of Node's
 * monitorEventLoopDelay per sample), but only from readiness on. The second bound, the number of admitted requests,
 * is the admit stage's (pipeline/admit.stage.ts). `maxDelayMs` 0 turns this bound off.
 */
export function registerOverloadShedding(fastify: FastifyInstance, maxDelayMs: number): void {
  if (maxDelayMs <= 0) return;
  const sampler = new EventLoopDelaySampler();
  fastify.addHook('onReady', (done) => {
    sampler.start();
    done();
  });
  fastify.addHook('onClose', (_instance, done) => {
    sampler.stop();
    done();
  });
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (sampler.currentDelayMs() > maxDelayMs && !isExempt(request.url)) {
      done(overloaded(request.gw, 'event_loop_delay'));
      return;
    }
    done();
  });
}
