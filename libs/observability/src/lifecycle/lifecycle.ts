import { Gauge } from 'prom-client';
import { metricGroup, metricsRegistry } from '../metrics/metrics-registry';

const lifecycleMetrics = metricGroup(() => ({
  draining: new Gauge({
    name: 'gw_draining',
    help: '1 while this process is shutting down (not ready, finishing in-flight work), else 0',
    registers: [metricsRegistry],
  }),
}));

/**
 * The process's place in its life: serving, or draining (SIGTERM received: readiness is false, in-flight work is
 * finishing). Also counts in-flight HTTP requests, so that shutdown knows when they are done, and carries the signal
 * that cuts the stragglers when the grace period is over.
 */
export class Lifecycle {
  private drainingFlag = false;
  private inFlightCount = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly stopper = new AbortController();

  constructor() {
    lifecycleMetrics().draining.set(0);
  }

  get draining(): boolean {
    return this.drainingFlag;
  }

  beginDrain(): void {
    this.drainingFlag = true;
    lifecycleMetrics().draining.set(1);
  }

  requestStarted(): void {
    this.inFlightCount++;
  }

  requestEnded(): void {
    this.inFlightCount--;
    if (this.inFlightCount === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Resolves once no request is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlightCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Aborted, with the reason given to stopInFlight(), when the grace period is over and work still running must end. */
  get stopSignal(): AbortSignal {
    return this.stopper.signal;
  }

  stopInFlight(reason: Error): void {
    this.stopper.abort(reason);
  }
}
