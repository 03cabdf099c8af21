import { Counter, Histogram, Registry } from 'prom-client';
import { parseExposition, STAGE_METRIC, stageSnapshot, stageWindow } from './stage-metrics';

/** A /metrics page as prom-client writes it: default labels, other histograms and counters around the stage one. */
function page(stages: Record<string, [sum: number, count: number]>, stageLabelFirst = false): string {
  // prom-client's escaping of label values.
  const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  const labels = (stage: string, extra = '') =>
    stageLabelFirst
      ? `stage="${escape(stage)}",app="proxy"${extra}`
      : `${extra ? `${extra.slice(1)},` : ''}app="proxy",stage="${escape(stage)}"`;
  const lines = [
    '# HELP process_cpu_user_seconds_total Total user CPU time spent in seconds.',
    '# TYPE process_cpu_user_seconds_total counter',
    'process_cpu_user_seconds_total{app="proxy"} 12.5',
    '# HELP gw_request_duration_seconds Total time from arrival to the last byte of the response (streams included)',
    '# TYPE gw_request_duration_seconds histogram',
    'gw_request_duration_seconds_bucket{le="0.005",app="proxy",protocol="openai",endpoint="chat",stream="false"} 3',
    'gw_request_duration_seconds_sum{app="proxy",protocol="openai",endpoint="chat",stream="false"} 99',
    'gw_request_duration_seconds_count{app="proxy",protocol="openai",endpoint="chat",stream="false"} 3',
    `# HELP ${STAGE_METRIC} Wall time of each pipeline stage`,
    `# TYPE ${STAGE_METRIC} histogram`,
  ];
  for (const [stage, [sum, count]] of Object.entries(stages)) {
    lines.push(
      `${STAGE_METRIC}_bucket{${labels(stage, ',le="0.001"')}} ${count}`,
      `${STAGE_METRIC}_bucket{${labels(stage, ',le="+Inf"')}} ${count}`,
      `${STAGE_METRIC}_sum{${labels(stage)}} ${sum}`,
      `${STAGE_METRIC}_count{${labels(stage)}} ${count}`,
    );
  }
  lines.push('# HELP gw_requests_in_flight Requests being handled', '# TYPE gw_requests_in_flight gauge', 'gw_requests_in_flight{app="proxy"} 0', '');
  return lines.join('\n');
}

describe(parseExposition.name, () => {
  it('reads only the metrics asked for, with their labels, whatever the order of the labels', () => {
    const text = page({ relay: [0.5, 10] });
    const samples = parseExposition(text, new Set([`${STAGE_METRIC}_sum`]));
    expect(samples).toEqual([{ name: `${STAGE_METRIC}_sum`, labels: { app: 'proxy', stage: 'relay' }, value: 0.5 }]);
    const swapped = parseExposition(page({ relay: [0.5, 10] }, true), new Set([`${STAGE_METRIC}_sum`]));
    expect(swapped[0].labels).toEqual({ stage: 'relay', app: 'proxy' });
  });

  it('unescapes label values (backslash, quote, newline) and keeps commas, braces and equals signs in them', () => {
    const text = 'm{a="x\\"y\\\\z\\nw",b="1,2}=3",} 4 1700000000000\nm 5e-6\nm{} NaN\nm_other{a="1"} 7';
    expect(parseExposition(text, new Set(['m']))).toEqual([
      { name: 'm', labels: { a: 'x"y\\z\nw', b: '1,2}=3' }, value: 4 },
      { name: 'm', labels: {}, value: 5e-6 },
      { name: 'm', labels: {}, value: Number.NaN },
    ]);
  });

  it('refuses a label value that never closes rather than misreading the rest of the line', () => {
    expect(() => parseExposition('m{a="open} 1', new Set(['m']))).toThrow(/unterminated/);
  });
});

describe(stageSnapshot.name, () => {
  it('adds up _sum and _count by stage over the other labels', () => {
    const text = [
      `${STAGE_METRIC}_sum{app="proxy",protocol="openai",stage="relay"} 0.25`,
      `${STAGE_METRIC}_sum{stage="relay",app="proxy",protocol="anthropic"} 0.5`,
      `${STAGE_METRIC}_count{protocol="openai",stage="relay",app="proxy"} 100`,
      `${STAGE_METRIC}_count{app="proxy",stage="relay",protocol="anthropic"} 50`,
    ].join('\n');
    expect(stageSnapshot(text).stages.get('relay')).toEqual({ sumSeconds: 0.75, count: 150 });
  });

  it('tells a proxy that has no stage metric from one that has observed nothing yet', () => {
    expect(stageSnapshot(page({})).declared).toBe(true);
    expect(stageSnapshot(page({})).stages.size).toBe(0);
    const without = page({}).split('\n').filter((line) => !line.includes(STAGE_METRIC)).join('\n');
    expect(stageSnapshot(without)).toEqual({ declared: false, stages: new Map() });
  });

  it('does not take a metric whose name only starts like the stage metric', () => {
    const text = `${STAGE_METRIC}_sum_total{stage="relay"} 9\n${STAGE_METRIC}_count{stage="relay"} 1`;
    expect(stageSnapshot(text).stages.get('relay')).toEqual({ sumSeconds: 0, count: 1 });
  });
});

describe('against prom-client itself', () => {
  it('reads the stage histogram of a real registry, default labels and odd stage values included', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ app: 'proxy' });
    const stages = new Histogram({ name: STAGE_METRIC, help: 'stage time', labelNames: ['stage'], registers: [registry] });
    const other = new Counter({ name: 'gw_requests_total', help: 'requests', labelNames: ['stage'], registers: [registry] });
    const odd = 'quote " backslash \\ newline \n, comma } brace';
    const before = stageSnapshot(await registry.metrics());
    stages.observe({ stage: 'relay' }, 0.002);
    stages.observe({ stage: 'relay' }, 0.004);
    stages.observe({ stage: odd }, 0.000_012_34);
    other.inc({ stage: 'relay' }, 1000);
    const after = stageSnapshot(await registry.metrics());
    expect(before).toEqual({ declared: true, stages: new Map() });
    expect(after.stages.get('relay')).toEqual({ sumSeconds: 0.006, count: 2 });
    expect(after.stages.get(odd)?.count).toBe(1);
    expect(after.stages.get(odd)?.sumSeconds).toBeCloseTo(0.000_012_34, 10);
    const [relay] = stageWindow(before, after);
    expect(relay.stage).toBe('relay');
    expect(relay.meanUs).toBeCloseTo(3000);
  });
});

describe(stageWindow.name, () => {
  it('gives requests, mean µs and share per stage for the window, in pipeline order', () => {
    const before = stageSnapshot(page({ relay: [1, 100], authenticate: [0.01, 100], context: [0.001, 100] }));
    const after = stageSnapshot(
      page({ settle: [0.02, 1000], relay: [2.5, 1100], authenticate: [0.03, 1100], context: [0.0015, 1100], 'a"new\\stage': [0.0285, 10] }),
    );
    const rows = stageWindow(before, after);
    expect(rows.map((r) => r.stage)).toEqual(['context', 'authenticate', 'relay', 'settle', 'a"new\\stage']);
    const relay = rows.find((r) => r.stage === 'relay')!;
    expect(relay.requests).toBe(1000);
    expect(relay.meanUs).toBeCloseTo(1500);
    // Window total: 0.0005 + 0.02 + 1.5 + 0.02 + 0.0285 = 1.569 s.
    expect(relay.share).toBeCloseTo(1.5 / 1.569);
    expect(rows.find((r) => r.stage === 'context')!.meanUs).toBeCloseTo(0.5);
    expect(rows.reduce((sum, r) => sum + r.share, 0)).toBeCloseTo(1);
  });

  it('shows a stage that nothing reached in the window with no mean', () => {
    const rows = stageWindow(stageSnapshot(page({ reserve: [0.1, 10] })), stageSnapshot(page({ reserve: [0.1, 10], relay: [1, 10] })));
    expect(rows[0]).toEqual({ stage: 'reserve', requests: 0, meanUs: Number.NaN, share: 0 });
    expect(rows[1].share).toBe(1);
  });

  it('refuses a window across a restart (series that went backwards)', () => {
    expect(() => stageWindow(stageSnapshot(page({ relay: [1, 100] })), stageSnapshot(page({ relay: [0.1, 10] })))).toThrow(
      /went backwards/,
    );
  });
});
