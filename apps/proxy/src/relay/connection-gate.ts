/** No connection came free within the wait bound (or none could be waited for). */
export class GateTimeoutError extends Error {
  constructor(readonly waitedMs: number) {
    super(`no upstream connection came free within ${waitedMs} ms`);
    this.name = 'GateTimeoutError';
  }
}

interface Waiter {
  grant: () => void;
  fail: (error: unknown) => void;
}

/**
 * At most `size` holders at once; the next ones wait in arrival order, each for at most its own bound, and a waiter
 * whose signal aborts leaves the line with the signal's reason. A freed slot goes straight to the longest waiter, so
 * no newcomer can overtake the line. Release functions are idempotent.
 */
export class ConnectionGate {
  private holders = 0;
  private readonly line: Waiter[] = [];

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.holders;
  }

  get queued(): number {
    return this.line.length;
  }

  /** A slot at once (its release function), or null when every slot is taken. */
  tryAcquire(): (() => void) | null {
    if (this.holders >= this.size) return null;
    this.holders++;
    return this.releaser();
  }

  /** A slot (its release function), at once or after waiting at most `waitMs`; GateTimeoutError past that. */
  acquire(waitMs: number, signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.holders < this.size) {
      this.holders++;
      return Promise.resolve(this.releaser());
    }
    if (waitMs <= 0) return Promise.reject(new GateTimeoutError(0));
    return new Promise((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const index = this.line.indexOf(waiter);
        if (index >= 0) this.line.splice(index, 1);
      };
      const waiter: Waiter = {
        // The slot is handed over by the releasing holder: the holder count stays as it is.
        grant: () => {
          leave();
          resolve(this.releaser());
        },
        fail: (error) => {
          leave();
          reject(error);
        },
      };
      const onAbort = () => waiter.fail(signal.reason);
      const timer = setTimeout(() => waiter.fail(new GateTimeoutError(waitMs)), waitMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.line.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.line[0];
      if (next) next.grant();
      else this.holders--;
    };
  }
}
