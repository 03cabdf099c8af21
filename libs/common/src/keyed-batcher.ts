/**
 * Group commit for writes that contend on one row (an account's balance).
 *
 * Items for a key are written by one `flush(key, items)` call at a time. While a flush for a key is in flight, new
 * items for that key queue up and go out together in the next flush. At low load every item is flushed at once (no
 * added latency); under load, one database transaction carries many items, so a hot account costs one row lock and
 * one commit per batch instead of per request. Correctness across processes does not depend on this class: each flush
 * is one transaction that locks the row.
 */
export class KeyedBatcher<TItem, TResult> {
  private readonly queues = new Map<string, Pending<TItem, TResult>[]>();
  private readonly flushing = new Set<string>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly flush: (key: string, items: TItem[]) => Promise<TResult[]>,
    private readonly maxBatch = 256,
  ) {}

  submit(key: string, item: TItem): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) queue.push({ item, resolve, reject });
      else this.queues.set(key, [{ item, resolve, reject }]);
      this.inFlight++;
      if (!this.flushing.has(key)) void this.drain(key);
    });
  }

  /** Number of submitted items not yet resolved. */
  get pending(): number {
    return this.inFlight;
  }

  /** Resolves once every submitted item has been flushed (for graceful shutdown). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(key: string): Promise<void> {
    this.flushing.add(key);
    try {
      for (;;) {
        const queue = this.queues.get(key);
        if (!queue || queue.length === 0) break;
        const batch = queue.splice(0, this.maxBatch);
        if (queue.length === 0) this.queues.delete(key);
        await this.run(key, batch);
      }
    } finally {
      this.flushing.delete(key);
    }
  }

  private async run(key: string, batch: Pending<TItem, TResult>[]): Promise<void> {
    try {
      const results = await this.flush(key, batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`batch flush returned ${results.length} of ${batch.length}`);
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.inFlight -= batch.length;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }
}

interface Pending<TItem, TResult> {
  item: TItem;
  resolve: (result: TResult) => void;
  reject: (error: unknown) => void;
}
