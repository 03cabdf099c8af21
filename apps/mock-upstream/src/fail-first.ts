/** Texts remembered at most; past it the oldest are forgotten (a benchmark must not grow the mock without bound). */
const CAPACITY = 10_000;

/**
 * `mock:fail_first=N`: the first N requests whose last user message is this same text fail with 503 (retryable);
 * the ones after are answered. The text identifies a client's request and its retries, so a test can make one
 * request fail once by putting a nonce in it. Forgotten on reset.
 */
export class FailFirstRegistry {
  private readonly seen = new Map<string, number>();

  /** Counts this request; true when it is one of the first `n` with its text. */
  claim(text: string, n: number): boolean {
    const count = (this.seen.get(text) ?? 0) + 1;
    if (!this.seen.has(text) && this.seen.size >= CAPACITY) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(text, count);
    return count <= n;
  }

  reset(): void {
    this.seen.clear();
  }
}
