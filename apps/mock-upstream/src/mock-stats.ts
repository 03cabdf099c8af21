export interface MockStats {
  /** Requests received on every route but the control ones. */
  readonly requests: number;
  readonly byRoute: Readonly<Record<string, number>>;
  /** Requests not yet answered nor closed. */
  readonly inflight: number;
  /** The client closed the connection before the response was complete. */
  readonly aborted: number;
  readonly completed: number;
  /** The mock broke the connection on purpose (`mock:drop_after`). */
  readonly dropped: number;
}

/** How a request ended, as seen when its response closes. */
export type Outcome = 'completed' | 'aborted' | 'dropped';

export class MockStatsRecorder {
  private requests = 0;
  private inflight = 0;
  private aborted = 0;
  private completed = 0;
  private dropped = 0;
  private byRoute = new Map<string, number>();
  // Requests that began before a reset must not count after it; only the gauge of in-flight requests spans resets.
  private epoch = 0;

  /** Counts a new request and returns the token to settle it with. */
  begin(route: string): number {
    this.requests++;
    this.inflight++;
    this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1);
    return this.epoch;
  }

  settle(epoch: number, outcome: Outcome): void {
    this.inflight--;
    if (epoch !== this.epoch) return;
    this[outcome]++;
  }

  reset(): void {
    this.epoch++;
    this.requests = this.aborted = this.completed = this.dropped = 0;
    this.byRoute = new Map();
  }

  snapshot(): MockStats {
    return {
      requests: this.requests,
      byRoute: Object.fromEntries(this.byRoute),
      inflight: this.inflight,
      aborted: this.aborted,
      completed: this.completed,
      dropped: this.dropped,
    };
  }
}
