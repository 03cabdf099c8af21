export interface BreakerSettings {
  /** Failures in a row (each within `windowMs` of the previous) that open the circuit. */
  failureThreshold: number;
  windowMs: number;
  /** How long an open circuit skips the channel before a trial request probes it. */
  cooldownMs: number;
}

/** How an attempt on a channel went, as far as the channel's health goes. */
export type AttemptOutcome = 'success' | 'failure' | 'neutral';

/** One attempt's hold on a channel; settle it exactly once (later calls are ignored). */
export interface BreakerPermit {
  /** The half-open probe: its outcome alone closes or re-opens the circuit. */
  readonly trial: boolean;
  settle(outcome: AttemptOutcome): void;
}

type State = 'closed' | 'open' | 'half_open';

/**
 * The circuit breaker of one channel in this process:
 * - closed: every request may use it; `failureThreshold` failures in a row, each within `windowMs` of the previous,
 *   open it (any success starts the count again, so an occasional error on a busy channel never trips it);
 * - open: skipped until `cooldownMs` have passed;
 * - half-open: one trial request probes it (others keep skipping it); success closes, failure re-opens for another
 *   cool-down, and a trial that ends without a verdict (the client left) lets the next request probe instead.
 * Outcomes of requests that started before the circuit opened are ignored once it is no longer closed.
 */
export class ChannelBreaker {
  private state: State = 'closed';
  private failures = 0;
  private lastFailureAt = 0;
  private openUntil = 0;
  private trialTaken = false;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a request could use the channel now (changes nothing). */
  get available(): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') return this.now() >= this.openUntil;
    return !this.trialTaken;
  }

  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  /** Milliseconds until a probe may be sent (0 when the channel is usable or its cool-down is over). */
  get retryInMs(): number {
    return this.state === 'open' ? Math.max(0, this.openUntil - this.now()) : 0;
  }

  /** Takes the channel for one attempt, or null when the circuit is open (or the half-open probe is taken). */
  acquire(): BreakerPermit | null {
    if (this.state === 'closed') return this.permit(false);
    if (this.state === 'open') {
      if (this.now() < this.openUntil) return null;
      this.state = 'half_open';
    }
    if (this.trialTaken) return null;
    this.trialTaken = true;
    return this.permit(true);
  }

  private permit(trial: boolean): BreakerPermit {
    let settled = false;
    return {
      trial,
      settle: (outcome) => {
        if (settled) return;
        settled = true;
        if (trial) this.settleTrial(outcome);
        else if (this.state === 'closed') this.settleClosed(outcome);
      },
    };
  }

  private settleTrial(outcome: AttemptOutcome): void {
    this.trialTaken = false;
    if (outcome === 'success') this.close();
    else if (outcome === 'failure') this.open();
  }

  private settleClosed(outcome: AttemptOutcome): void {
    if (outcome === 'success') {
      this.failures = 0;
      return;
    }
    if (outcome === 'neutral') return;
    const now = this.now();
    if (now - this.lastFailureAt > this.settings.windowMs) this.failures = 0;
    this.failures++;
    this.lastFailureAt = now;
    if (this.failures >= this.settings.failureThreshold) this.open();
  }

  private open(): void {
    this.state = 'open';
    this.openUntil = this.now() + this.settings.cooldownMs;
    this.failures = 0;
  }

  private close(): void {
    this.state = 'closed';
    this.failures = 0;
  }
}
