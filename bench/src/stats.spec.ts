import { median, percentile, SampleBuffer, summarize } from './stats';

describe(percentile.name, () => {
  it('is the nearest-rank percentile', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(Float64Array.of(0.25, 0.75, 1.5), 50)).toBe(0.75);
  });

  it('is NaN for no samples', () => {
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
  });
});

describe(summarize.name, () => {
  it('keeps sub-millisecond resolution and does not depend on order', () => {
    const summary = summarize([0.9, 0.3, 0.6, 12.4]);
    expect(summary).toEqual({ count: 4, mean: 3.55, p50: 0.6, p90: 12.4, p99: 12.4, max: 12.4 });
  });
});

describe(median.name, () => {
  it('takes the middle value, or the mean of the two middle ones, ignoring NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });
});

describe(SampleBuffer.name, () => {
  it('grows past its initial capacity without losing samples', () => {
    const buffer = new SampleBuffer();
    for (let i = 0; i < 40_000; i++) buffer.push(i / 1000);
    expect(buffer.length).toBe(40_000);
    expect(buffer.values()[39_999]).toBeCloseTo(39.999);
    expect(summarize(buffer.values()).max).toBeCloseTo(39.999);
  });
});
