import type { Registry } from 'prom-client';

/** One sample as prom-client's Histogram hands it to the registry (getForPromString). */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  /** prom-client's buckets carry one (null without exemplars); sums and counts none. */
  exemplar?: null;
}

/** One label set's counts: per bucket (not cumulative), then the observations above the last bound. */
interface Series {
  labels: Record<string, string>;
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram observed on every request whose label sets are only known at run time but are few (protocol × endpoint
 * × stream; a channel): the caller names the series with a key it already has or builds cheaply, and an observation
 * is a map lookup and a bucket increment. prom-client's Histogram builds a closure and a label object, validates the
 * labels and hashes them on every observation (about a microsecond and a half, several times per request). Scraped
 * exactly as prom-client writes a Histogram (series in the order they were first observed, each with its labels as
 * first given), so dashboards and alerts see no difference.
 */
export class SeriesHistogram<L extends string> {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    private readonly buckets: readonly number[],
    registers: Registry[],
  ) {
    for (const registry of registers) registry.registerMetric(this as never);
  }

  /**
   * Observes `value` in the series `key` names; `labels` are that series' label values, read only the first time the
   * key is seen (the same key must always come with the same labels).
   */
  observe(key: string, labels: Readonly<Record<L, string>>, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels: { ...labels }, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    let bucket = 0;
    while (bucket < this.buckets.length && value > this.buckets[bucket]) bucket++;
    series.counts[bucket]++;
    series.sum += value;
    series.count++;
  }

  /** What the registry formats: the samples prom-client's Histogram gives for the same observations. */
  async getForPromString(): Promise<{ name: string; help: string; type: 'histogram'; values: Sample[]; aggregator: 'sum' }> {
    const values: Sample[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const { labels, counts, sum, count } of this.series.values()) {
      let cumulative = 0;
      for (let bucket = 0; bucket < this.buckets.length; bucket++) {
        cumulative += counts[bucket];
        values.push({ metricName: bucketName, labels: { le: this.buckets[bucket] }, sharedLabels: labels, value: cumulative, exemplar: null });
      }
      values.push({ metricName: bucketName, labels: { le: '+Inf' }, sharedLabels: labels, value: count, exemplar: null });
      values.push({ metricName: `${this.name}_sum`, labels: {}, sharedLabels: labels, value: sum });
      values.push({ metricName: `${this.name}_count`, labels: {}, sharedLabels: labels, value: count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As prom-client's get(): each sample's series labels merged into its own (JSON export, aggregation). */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; values: Omit<Sample, 'sharedLabels'>[]; aggregator: 'sum' }> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...sample }) => ({ ...sample, labels: { ...labels, ...sharedLabels } })),
    };
  }

  reset(): void {
    this.series = new Map();
  }
}
