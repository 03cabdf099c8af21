/** Keys tracked at once; past it a line is written as it comes (a bound on memory, never reached in practice). */
const MAX_KEYS = 1_000;

interface Window {
  suppressed: number;
  timer: NodeJS.Timeout;
}

/**
 * Lets a line of each kind through at most once per interval: `hit` says whether to write this occurrence (the first
 * of its kind for a while), and while more of the same kind keep coming, `summarize(key, suppressed)` writes one line
 * per interval with the number left out. For expected, repetitive events (during an outage every request is refused
 * the same way, thousands a second) the log then says what happens and how often without drowning everything else.
 */
export class IntervalLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly intervalMs: number,
    private readonly summarize: (key: string, suppressed: number) => void,
  ) {}

  /** One occurrence of `key`: true when the caller should write it (the others are counted). */
  hit(key: string): boolean {
    const window = this.windows.get(key);
    if (window) {
      window.suppressed++;
      return false;
    }
    if (this.windows.size < MAX_KEYS) this.open(key);
    return true;
  }

  /** Writes what is pending and forgets every kind (shutdown). */
  flush(): void {
    for (const [key, window] of this.windows) {
      clearTimeout(window.timer);
      if (window.suppressed > 0) this.summarize(key, window.suppressed);
    }
    this.windows.clear();
  }

  private open(key: string): void {
    const timer = setTimeout(() => {
      const window = this.windows.get(key)!;
      this.windows.delete(key);
      if (window.suppressed > 0) {
        // Still happening: say how often, and keep counting for another interval.
        this.summarize(key, window.suppressed);
        this.open(key);
      }
    }, this.intervalMs);
    timer.unref();
    this.windows.set(key, { suppressed: 0, timer });
  }
}
