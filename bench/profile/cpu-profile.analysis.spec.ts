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

const LIBS = 'file:///repo/dist/libs';

const NODES = tree([
  [1, null, '(root)', ''],
  [2, 1, '(idle)', ''],
  [3, 1, '(garbage collector)', ''],
  [4, 1, 'runMicrotasks', ''],
  [5, 4, 'handleRequest', `${MODULES}/fastify/lib/handle-request.js`],
  [6, 5, 'canActivate', `${DIST}/middleware/authenticate.guard.js`],
  [7, 6, 'digest', ''], // native, called by the guard
  [8, 5, 'validateBody', `${DIST}/validation/validate-body.js`],
  [9, 8, 'validate', `${MODULES}/ajv/dist/compile/index.js`],
  [10, 4, 'intercept', `${DIST}/middleware/billing.interceptor.js`],
  [11, 10, 'stringify', ''],
  [12, 1, 'onStreamRead', 'node:internal/stream_base_commons'],
  [13, 12, 'parseMessage', `${MODULES}/pg-protocol/dist/parser.js`],
  // One frame of each stage's own code, as the new layout lays it out.
  [14, 4, 'onRequest', `${DIST}/context/request-hooks.js`],
  [15, 4, 'authenticate', `${DIST}/pipeline/authenticate.stage.js`],
  [16, 4, 'hit', `${LIBS}/redis/src/rate-tiers.js`],
  [17, 4, 'admit', `${DIST}/pipeline/admit.stage.js`],
  [18, 4, 'resolve', `${DIST}/pipeline/resolve.stage.js`],
  [19, 4, 'validateChatCompletion', `${DIST}/openai/chat-completion.schema.js`],
  [20, 4, 'holdPlan', `${LIBS}/billing/src/request/request-estimate.js`],
  [21, 4, 'reserve', `${DIST}/pipeline/reserve.stage.js`],
  [22, 4, 'send', `${DIST}/relay/upstream-client.js`],
  [23, 4, 'relayJson', `${DIST}/relay/json-relay.js`],
  [24, 4, 'create', `${DIST}/openai/chat-completions.controller.js`],
  [25, 4, 'generateContent', `${DIST}/gemini/gemini.relay.js`],
  [26, 4, 'settle', `${DIST}/pipeline/settle.stage.js`],
  [27, 4, 'usageRow', `${LIBS}/billing/src/request/usage-row.js`],
  [28, 4, '', `${DIST}/middleware/billing.interceptor.js`], // the tap after the handler
  [29, 4, 'record', `${DIST}/observability/request-telemetry.js`],
  [30, 4, 'sendError', `${DIST}/middleware/error-response.js`],
  [31, 4, 'parseJsonDocument', `${DIST}/validation/json-document.js`],
  [32, 4, 'onRequest', `${DIST}/middleware/key-presence.hook.js`],
  [33, 4, 'observe', `${MODULES}/prom-client/lib/histogram.js`],
  [34, 17, 'get', `${LIBS}/common/src/index.js`], // a barrel's re-export getter, called by the admit stage
  [35, 4, 'place', `${LIBS}/billing/src/request/hold-ledger.port.js`],
  [36, 31, '_parse', `${MODULES}/secure-json-parse/index.js`],
  [37, 15, 'get', `${LIBS}/common/src/bounded-memo.js`], // the key hash memo, called by the authenticate stage
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
    expect(stageMs(analysis, STAGES.authenticate)).toBe(2);
    expect(stageMs(analysis, STAGES.resolve)).toBe(1);
    expect(stageMs(analysis, STAGES.reserve)).toBe(1);
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
    expect(stageMs(analysis, STAGES.authenticate)).toBe(3);
    expect(stageMs(analysis, STAGES.resolve)).toBe(0);
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
    expect(analysis.topSelf[0]).toMatchObject({ name: 'validate', where: 'ajv:1', selfMs: 3 });
  });

  it('puts the code of each pipeline stage, its adapter and its libraries in that stage, none in "other of ours"', () => {
    const expected: [number, string][] = [
      [14, STAGES.context],
      [15, STAGES.authenticate],
      [32, STAGES.authenticate],
      [31, STAGES.bodyParse],
      [36, STAGES.bodyParse],
      [37, STAGES.authenticate],
      [16, STAGES.admit],
      [17, STAGES.admit],
      [18, STAGES.resolve],
      [19, STAGES.resolve],
      [20, STAGES.reserve],
      [21, STAGES.reserve],
      [10, STAGES.reserve],
      [22, STAGES.upstream],
      [23, STAGES.relay],
      [24, STAGES.relay],
      [25, STAGES.relay],
      [26, STAGES.settle],
      [27, STAGES.settle],
      [28, STAGES.settle],
      [29, STAGES.telemetry],
      [33, STAGES.telemetry],
      [30, STAGES.errors],
      [34, STAGES.admit],
      [35, STAGES.reserve],
    ];
    const stageOfFrame = (id: number) => {
      const frame = NODES.find((node) => node.id === id)!.callFrame;
      // One sample on that frame, followed by idle time.
      const [only] = analyzeProfile(profile([id, 2]), 0, 1e9).stages;
      return { frame: `${frame.functionName}@${frame.url}`, stage: only.stage };
    };
    for (const [id, stage] of expected) expect(stageOfFrame(id)).toEqual({ ...stageOfFrame(id), stage });
  });
});
