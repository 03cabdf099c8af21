import { Counter, Registry } from 'prom-client';
import { SeriesCounter } from './series-counter';

type Labels = { protocol: string; status: string };
const COUNTED: Labels[] = [
  { protocol: 'openai', status: '200' },
  { protocol: 'gemini', status: '429' },
  { protocol: 'openai', status: '200' },
  { protocol: 'openai', status: '502' },
];

describe(SeriesCounter.name, () => {
  it('is scraped exactly as prom-client writes the same counter, line for line (default labels included)', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    for (const registry of [ours, theirs]) registry.setDefaultLabels({ app: 'proxy' });
    const sut = new SeriesCounter('gw_test_total', 'help', ['protocol', 'status'], [ours]);
    const reference = new Counter({ name: 'gw_test_total', help: 'help', labelNames: ['protocol', 'status'], registers: [theirs] });
    for (const labels of COUNTED) {
      sut.inc(`${labels.protocol}|${labels.status}`, labels);
      reference.inc(labels);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('gw_test_total{protocol="openai",status="200",app="proxy"} 2');
  });

  it('resets to no series', async () => {
    const registry = new Registry();
    const sut = new SeriesCounter('gw_test_total', 'help', ['protocol', 'status'], [registry]);
    sut.inc('a', { protocol: 'a', status: '200' });
    sut.reset();
    expect(await registry.metrics()).not.toContain('gw_test_total{');
  });
});
