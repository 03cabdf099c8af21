/**
 * The values of a pure function of a string, computed once per key and kept for the process: for work the request path
 * would otherwise repeat on every request for the same few keys (an API key's hash, a client address's Redis key).
 * Bounded: emptied when it holds `size` keys, so that a flood of distinct keys costs only the computing it cost
 * without the memo, never memory.
 */
export class BoundedMemo<V> {
  private readonly values = new Map<string, V>();

  constructor(
    private readonly size: number,
    private readonly compute: (key: string) => V,
  ) {}

  get(key: string): V {
    let value = this.values.get(key);
    if (value === undefined) {
      if (this.values.size >= this.size) this.values.clear();
      value = this.compute(key);
      this.values.set(key, value);
    }
    return value;
  }
}
