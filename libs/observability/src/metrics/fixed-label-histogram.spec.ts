import { Histogram, Registry } from 'prom-client';
import { FixedLabelHistogram } from './fixed-label-histogram';

const BUCKETS = [0.001, 0.01, 0.1];
const STAGES = ['a', 'b', 'c'] as const;
const OBSERVED: [(typeof STAGES)[number], number][] = [
  ['a', 0.0005],
  ['a', 0.001],
  ['a', 0.05],
  ['b', 3],
  ['a', 0.2],
];

/** Sample lines, sorted: the text format does not order series or labels. */
const lines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.replace(/\{([^}]*)\}/, (_all, labels: string) => `{${labels.split(',').sort().join(',')}}`))
    .sort();

describe(FixedLabelHistogram.name, () => {
  it('is scraped exactly as prom-client writes the same histogram (default labels included)', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    for (const registry of [ours, theirs]) registry.setDefaultLabels({ app: 'proxy' });
    const sut = new FixedLabelHistogram('gw_test_seconds', 'help', 'stage', STAGES, BUCKETS, [ours]);
    const reference = new Histogram({ name: 'gw_test_seconds', help: 'help', labelNames: ['stage'], buckets: BUCKETS, registers: [theirs] });
    for (const stage of STAGES) reference.zero({ stage });
    for (const [stage, value] of OBSERVED) {
      sut.child(stage)(value);
      reference.observe({ stage }, value);
    }
    const text = await ours.metrics();
    expect(lines(text)).toEqual(lines(await theirs.metrics()));
    expect(text).toContain('# TYPE gw_test_seconds histogram');
    expect(text).toContain('gw_test_seconds_count{stage="a",app="proxy"} 4');
  });

  it('refuses a label value it was not declared with, and resets to zero', async () => {
    const registry = new Registry();
    const sut = new FixedLabelHistogram('gw_test_seconds', 'help', 'stage', STAGES, BUCKETS, [registry]);
    expect(() => sut.child('d' as never)).toThrow("unknown stage 'd'");
    sut.child('c')(1);
    sut.reset();
    expect(await registry.metrics()).toContain('gw_test_seconds_count{stage="c"} 0');
  });
});
