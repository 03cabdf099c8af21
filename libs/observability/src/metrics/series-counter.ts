import type { Registry } from 'prom-client';

/**
 * A counter incremented on every request whose label sets are only known at run time but are few (protocol ×
 * endpoint × model × status; a channel): the caller names the series with a key it builds cheaply, and an increment
 * is a map lookup and an addition. prom-client's Counter validates and hashes the label set on every increment.
 * Scraped exactly as prom-client writes a Counter (series in the order they were first counted, each with its labels
 * as first given). The counterpart of SeriesHistogram.
 */
export class SeriesCounter<L extends string> {
  readonly type = 'counter' as const;
  readonly aggregator = 'sum' as const;
  private series = new Map<string, { value: number; labels: Record<string, string> }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    registers: Registry[],
  ) {
    for (const registry of registers) registry.registerMetric(this as never);
  }

  /**
   * Adds one to the series `key` names; `labels` are that series' label values, read only the first time the key is
   * seen (the same key must always come with the same labels).
   */
  inc(key: string, labels: Readonly<Record<L, string>>): void {
    const series = this.series.get(key);
    if (series === undefined) this.series.set(key, { value: 1, labels: { ...labels } });
    else series.value++;
  }

  async get(): Promise<{
    help: string;
    name: string;
    type: 'counter';
    values: { value: number; labels: Record<string, string> }[];
    aggregator: 'sum';
  }> {
    return { help: this.help, name: this.name, type: this.type, values: [...this.series.values()], aggregator: this.aggregator };
  }

  reset(): void {
    this.series = new Map();
  }
}
