import { analyzeProfile, type CpuProfile, IDLE, type ProfileNode, STAGES } from './cpu-profile.analysis';

const DIST = 'file:///repo/dist/apps/proxy/src';
const MODULES = 'file:///repo/node_modules';

/** A call tree from [id, parent, functionName, url] rows. */
function tree(rows: [number, number | null, string, string][]): ProfileNode[] {
  const nodes = new Map<number, ProfileNode>();
  for (const [id, , functionName, url] of rows) nodes.set(id, { id, callFrame: { functionName, url, lineNumber: 0 }, children: [] });
  for (const [id, parent] of rows) if (parent !== null) nodes.get(parent)!.children!.push(id);
  return [...nodes.values()];
}

const NODES = tree([
  [1, null, '(root)', ''],
  [2, 1, '(idle)', ''],
  [3, 1, '(garbage collector)', ''],
  [4, 1, 'runMicrotasks', ''],
  [5, 4, 'handleRequest', `${MODULES}/fastify/lib/handle-request.js`],
  [6, 5, 'canActivate', `${DIST}/middleware/api-key.guard.js`],
  [7, 6, 'digest', ''], // native, called by the guard
  [8, 5, 'validateBody', `${DIST}/validation/validate-body.js`],
  [9, 8, 'validateSync', `${MODULES}/class-validator/cjs/index.js`],
  [10, 4, 'reserve', `${DIST}/middleware/billing.interceptor.js`],
  [11, 10, 'stringify', ''],
  [12, 1, 'onStreamRead', 'node:internal/stream_base_commons'],
  [13, 12, 'parseMessage', `${MODULES}/pg-protocol/dist/parser.js`],
]);

/** Samples at 1 ms intervals from t=1000 µs; the weight of sample i is the delta to sample i+1. */
function profile(samples: number[]): CpuProfile {
  return { nodes: NODES, startTime: 0, endTime: 1000 * (samples.length + 1), samples, timeDeltas: samples.map(() => 1000) };
}

const stageMs = (analysis: ReturnType<typeof analyzeProfile>, stage: string) =>
  analysis.stages.find((s) => s.stage === stage)?.ms ?? 0;

describe(analyzeProfile.name, () => {
  it('attributes native leaves to the stage of their nearest known caller', () => {
    const analysis = analyzeProfile(profile([7, 7, 9, 11, 13, 12, 3]), 0, 1e9);
    expect(stageMs(analysis, STAGES.auth)).toBe(2);
    expect(stageMs(analysis, STAGES.validation)).toBe(1);
    expect(stageMs(analysis, STAGES.reservation)).toBe(1);
    expect(stageMs(analysis, STAGES.pg)).toBe(1);
    // A socket read seen before any owner's code ran is not pinned on anyone.
    expect(stageMs(analysis, STAGES.sockets)).toBe(1);
  });

  it('separates idle time from busy time and counts garbage collection on its own', () => {
    const analysis = analyzeProfile(profile([2, 2, 2, 7, 3, 2]), 0, 1e9);
    expect(analysis.idleMs).toBe(3);
    expect(analysis.busyMs).toBe(2);
    expect(analysis.stages.map((s) => s.stage)).not.toContain(IDLE);
    expect(stageMs(analysis, 'garbage collection')).toBe(1);
  });

  it('only counts samples inside the window', () => {
    // Samples are at t = 1000, 2000, ... µs.
    const analysis = analyzeProfile(profile([9, 9, 7, 7, 7, 9]), 2500, 5500);
    expect(stageMs(analysis, STAGES.auth)).toBe(3);
    expect(stageMs(analysis, STAGES.validation)).toBe(0);
  });

  it('reports inclusive time of matched functions once per sample', () => {
    const analysis = analyzeProfile(profile([7, 9, 9, 13]), 0, 1e9, [
      { name: 'fastify', match: (f) => f.url.includes('/fastify/') },
      { name: 'validateBody', match: (f) => f.functionName === 'validateBody' },
    ]);
    expect(analysis.inclusive).toEqual([
      { name: 'fastify', ms: 3 },
      { name: 'validateBody', ms: 2 },
    ]);
  });

  it('lists top functions by self time, per stage', () => {
    const analysis = analyzeProfile(profile([9, 9, 9, 7, 11]), 0, 1e9);
    expect(analysis.topSelf[0]).toMatchObject({ name: 'validateSync', where: 'class-validator:1', selfMs: 3 });
  });
});
