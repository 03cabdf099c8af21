import type { Registry } from 'prom-client';

/** One sample as prom-client's registry formats it. */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A histogram with one label whose values are all known up front, observed on every request (the proxy's stages):
 * an observation is a bucket increment in a typed array. prom-client's Histogram validates and hashes the label set on
 * every observation (about a microsecond and a half, seven times per request). Scraped in the same text format: the
 * registry reads get() as it reads any metric, default labels included.
 */
export class FixedLabelHistogram<V extends string> {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  /** Per label value: the count of each bucket (not cumulative), then the count above the last bound. */
  private counts: Float64Array[];
  private sums: Float64Array;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    private readonly values: readonly V[],
    private readonly buckets: readonly number[],
    registers: Registry[],
  ) {
    this.counts = values.map(() => new Float64Array(buckets.length + 1));
    this.sums = new Float64Array(values.length);
    for (const registry of registers) registry.registerMetric(this as never);
  }

  /** The observer of one label value, looked up once. */
  child(value: V): (observed: number) => void {
    const index = this.values.indexOf(value);
    if (index < 0) throw new Error(`${this.name}: unknown ${this.labelName} '${value}'`);
    const counts = this.counts[index];
    return (observed) => {
      let bucket = 0;
      while (bucket < this.buckets.length && observed > this.buckets[bucket]) bucket++;
      counts[bucket]++;
      this.sums[index] += observed;
    };
  }

  async get(): Promise<{ name: string; help: string; type: 'histogram'; values: Sample[]; aggregator: 'sum' }> {
    const values: Sample[] = [];
    this.values.forEach((label, index) => {
      const counts = this.counts[index];
      let cumulative = 0;
      for (let bucket = 0; bucket <= this.buckets.length; bucket++) {
        cumulative += counts[bucket];
        const le = bucket < this.buckets.length ? this.buckets[bucket] : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { le, [this.labelName]: label }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { [this.labelName]: label }, value: this.sums[index] });
      values.push({ metricName: `${this.name}_count`, labels: { [this.labelName]: label }, value: cumulative });
    });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    for (const counts of this.counts) counts.fill(0);
    this.sums.fill(0);
  }
}
