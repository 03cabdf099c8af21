import { Histogram, Registry } from 'prom-client';
import { SeriesHistogram } from './series-histogram';

const BUCKETS = [0.001, 0.01, 0.1];
type Labels = { protocol: string; stream: string };
const OBSERVED: [Labels, number][] = [
  [{ protocol: 'openai', stream: 'false' }, 0.0005],
  [{ protocol: 'openai', stream: 'false' }, 0.001],
  [{ protocol: 'gemini', stream: 'true' }, 0.05],
  [{ protocol: 'openai', stream: 'true' }, 3],
  [{ protocol: 'openai', stream: 'false' }, 0.2],
];
const keyOf = (labels: Labels) => `${labels.protocol}|${labels.stream}`;

describe(SeriesHistogram.name, () => {
  it('is scraped exactly as prom-client writes the same histogram, line for line (default labels included)', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    for (const registry of [ours, theirs]) registry.setDefaultLabels({ app: 'proxy' });
    const sut = new SeriesHistogram('gw_test_seconds', 'help', ['protocol', 'stream'], BUCKETS, [ours]);
    const reference = new Histogram({ name: 'gw_test_seconds', help: 'help', labelNames: ['protocol', 'stream'], buckets: BUCKETS, registers: [theirs] });
    for (const [labels, value] of OBSERVED) {
      sut.observe(keyOf(labels), labels, value);
      reference.observe(labels, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect((await sut.get()).values).toEqual((await reference.get()).values);
  });

  it('refuses a value that is not a number, as prom-client does, and resets to no series', async () => {
    const registry = new Registry();
    const sut = new SeriesHistogram('gw_test_seconds', 'help', ['protocol', 'stream'], BUCKETS, [registry]);
    expect(() => sut.observe('a', { protocol: 'a', stream: 'false' }, Number.NaN)).toThrow(TypeError);
    sut.observe('a', { protocol: 'a', stream: 'false' }, 1);
    sut.reset();
    expect(await registry.metrics()).not.toContain('gw_test_seconds_count');
  });
});
