/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and says where the CPU time of a window went, by request stage.
 *
 * Each sample is attributed to one stage: walking from the sampled frame towards the root, the first frame that
 * belongs to a known stage decides (so JSON.stringify called by the billing repository counts as settlement, and
 * Nest's own plumbing counts as Nest only for the time spent in Nest's code itself). Frames of Node internals are
 * skipped in that walk; samples that only ever were in Node internals (socket reads before any owner's callback,
 * the microtask loop) get a stage of their own.
 */

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export const IDLE = 'idle (event loop waiting)';
export const GC = 'garbage collection';

interface StageRule {
  stage: string;
  test: (frame: CallFrame, pkg: string | null, path: string) => boolean;
}

const inPackage = (...names: string[]) => (_f: CallFrame, pkg: string | null) => pkg !== null && names.includes(pkg);
const inPath = (...fragments: string[]) => (_f: CallFrame, pkg: string | null, path: string) =>
  pkg === null && fragments.some((fragment) => path.includes(fragment));
const named = (names: string[], ...fragments: string[]) => (f: CallFrame, pkg: string | null, path: string) =>
  pkg === null && names.includes(f.functionName) && fragments.some((fragment) => path.includes(fragment));

const PROXY = '/apps/proxy/src/';
const BILLING = '/libs/billing/src/';

/**
 * The proxy's pipeline stages (apps/proxy/src/pipeline/proxy-pipeline.ts) are numbered as there, so the table reads in
 * request order; the rest is the platform under them (HTTP server, Fastify, Nest, drivers) or shared by every stage.
 */
export const STAGES = {
  httpServer: 'HTTP server (node:http parse + write)',
  fastify: 'Fastify (routing, hooks, body parser, reply)',
  nest: 'Nest pipeline (router, guard/interceptor plumbing, rxjs)',
  telemetry: '0 telemetry + load shedding (onRequest/close hooks, metrics, access log)',
  context: '1 context (ids, response headers)',
  authenticate: '2 authenticate (key presence hook, guard, key cache, SHA-256)',
  bodyParse: '2 body parser (ours: UTF-8, depth, JSON.parse)',
  admit: '3 admit (in-flight slot, rate limit + failure gate: guard, Lua call)',
  resolve: '4 resolve (schema validation, model, permissions, protocol headers)',
  reserve: '5 reserve (hold plan, token bound, gw_reserve call)',
  relay: '6 relay: protocol handler (controller, answer rewrite, reply)',
  upstream: '6 relay: upstream call (undici + relay/ upstream client)',
  settle: '7 settle (usage, price, usage record, gw_settle call)',
  batcher: 'billing group commit (KeyedBatcher)',
  pg: 'PostgreSQL driver (pg: protocol, parsing)',
  redis: 'Redis client (ioredis)',
  errors: 'error writer (filters, error bodies)',
  sockets: 'socket I/O, unattributed (node:net/streams)',
  runtime: 'Node runtime (microtasks, timers, events)',
  program: 'V8/native, unattributed ((program))',
} as const;

/** The stage of the billing interceptor's frames: its `intercept` places the hold; what runs after the handler settles. */
const RESERVING = /^(intercept|reserve|place)/;

const RULES: StageRule[] = [
  { stage: STAGES.httpServer, test: (f) => /^node:_?http/.test(f.url) },
  { stage: STAGES.fastify, test: inPackage('fastify', 'find-my-way', 'avvio', 'light-my-request', 'fast-json-stringify', 'fastify-plugin', 'toad-cache', 'process-warning') },
  { stage: STAGES.fastify, test: (f, pkg) => pkg !== null && pkg.startsWith('@fastify/') },
  // Our constraint strategy is part of Fastify's routing (find-my-way asks it for every request on the Gemini paths).
  { stage: STAGES.fastify, test: inPath(`${PROXY}gemini/gemini-method.constraint`) },
  { stage: STAGES.nest, test: inPackage('@nestjs/core', '@nestjs/common', '@nestjs/platform-fastify', 'rxjs', 'reflect-metadata', 'tslib') },
  // 0: before any stage, and after the response (the access log, the request metrics).
  {
    stage: STAGES.telemetry,
    test: inPath(`${PROXY}observability/`, `${PROXY}middleware/load-shedding`, `${PROXY}transport/`, `${PROXY}context/retry-after-ms`, `${PROXY}context/stage-timer`, '/libs/observability/'),
  },
  { stage: STAGES.telemetry, test: inPackage('prom-client', 'pino', 'pino-std-serializers', 'sonic-boom', 'thread-stream', 'fast-redact', 'quick-format-unescaped', 'atomic-sleep', 'on-exit-leak-free', 'safe-stable-stringify') },
  { stage: STAGES.context, test: inPath(`${PROXY}pipeline/context.stage`, `${PROXY}context/request-hooks`, `${PROXY}context/request-context`, '/libs/common/src/ids', '/libs/common/src/branded-ids') },
  { stage: STAGES.authenticate, test: inPath(`${PROXY}pipeline/authenticate.stage`, `${PROXY}middleware/authenticate.guard`, `${PROXY}middleware/key-presence.hook`, '/libs/keys/', '/libs/common/src/crypto') },
  // Our body parser's JSON.parse with prototype-poisoning checks (Fastify's own parsers are removed).
  { stage: STAGES.bodyParse, test: inPackage('secure-json-parse') },
  { stage: STAGES.bodyParse, test: inPath(`${PROXY}validation/json-body`, `${PROXY}validation/body-reader`, `${PROXY}validation/json-document`, `${PROXY}validation/json-depth`, `${PROXY}validation/json-offload`, `${PROXY}validation/json-slices`, '/libs/common/src/http/json-nesting') },
  { stage: STAGES.admit, test: inPath(`${PROXY}pipeline/admit.stage`, `${PROXY}middleware/admit.guard`, `${PROXY}middleware/auth-failure.limiter`, '/libs/redis/src/rate-tiers', '/libs/redis/src/auth-failure') },
  {
    stage: STAGES.resolve,
    test: inPath(`${PROXY}pipeline/resolve.stage`, `${PROXY}middleware/resolve.guard`, `${PROXY}pipeline/anthropic-headers`, `${PROXY}validation/`, `${PROXY}models/`, '.schema.', '/libs/catalog/'),
  },
  { stage: STAGES.resolve, test: inPackage('ajv', 'ajv-formats', 'fast-deep-equal', 'fast-uri', 'json-schema-traverse', 'class-validator', 'class-transformer', 'validator', 'libphonenumber-js') },
  { stage: STAGES.reserve, test: inPackage('gpt-tokenizer') },
  {
    stage: STAGES.reserve,
    test: inPath(`${PROXY}pipeline/reserve.stage`, `${PROXY}pipeline/token-limit`, '/libs/redis/src/token-window', `${BILLING}estimate/`, `${BILLING}token-counters`, `${BILLING}request/request-estimate`),
  },
  { stage: STAGES.reserve, test: named(['holdMicros', 'dearestInputPrice'], `${BILLING}pricing`) },
  { stage: STAGES.reserve, test: named(['openHold', 'acceptQuote', 'deliveryProbe'], `${BILLING}request/request-hold`) },
  {
    stage: STAGES.reserve,
    test: (f, pkg, path) =>
      pkg === null &&
      RESERVING.test(f.functionName) &&
      [`${PROXY}middleware/billing.interceptor`, `${BILLING}billing.service`, '/billing-ledger.repository', `${BILLING}request/hold-ledger`].some((fragment) => path.includes(fragment)),
  },
  {
    stage: STAGES.settle,
    test: inPath(`${PROXY}pipeline/settle.stage`, `${PROXY}middleware/billing.interceptor`, `${BILLING}request/`, `${BILLING}pricing`, `${BILLING}billing.service`, `${BILLING}holds/`, '/billing-ledger.repository', '/usage-record.row', `${PROXY}bootstrap`, '/libs/common/src/money'),
  },
  { stage: STAGES.batcher, test: inPath('/libs/common/src/keyed-batcher') },
  { stage: STAGES.pg, test: inPackage('pg', 'pg-protocol', 'pg-pool', 'pg-types', 'pg-connection-string', 'postgres-array', 'postgres-bytea', 'postgres-date', 'postgres-interval', 'pgpass', 'split2') },
  { stage: STAGES.pg, test: (f, pkg) => pkg !== null && pkg.startsWith('@prisma/') },
  { stage: STAGES.pg, test: inPath('/libs/db/src/prisma.service') },
  { stage: STAGES.redis, test: inPackage('ioredis', 'redis-parser', 'redis-errors', 'denque', 'cluster-key-slot', 'standard-as-callback', 'bullmq') },
  { stage: STAGES.redis, test: inPath('/libs/redis/') },
  { stage: STAGES.upstream, test: inPackage('undici') },
  { stage: STAGES.upstream, test: (f) => f.url.startsWith('wasm://') },
  {
    stage: STAGES.upstream,
    test: inPath(`${PROXY}relay/upstream-`, `${PROXY}relay/connection-gate`, `${PROXY}relay/channel-`, `${PROXY}relay/circuit-breakers`, '/libs/common/src/deadline'),
  },
  { stage: STAGES.relay, test: inPath(`${PROXY}openai/`, `${PROXY}anthropic/`, `${PROXY}gemini/`, `${PROXY}relay/`, '/libs/translate/') },
  { stage: STAGES.relay, test: inPackage('eventsource-parser') },
  {
    stage: STAGES.errors,
    test: inPath(`${PROXY}middleware/error-response`, `${PROXY}middleware/protocol-exception`, `${PROXY}middleware/client-error`, `${PROXY}context/gateway-errors`, '/libs/common/src/errors/', '/libs/common/src/http/client-error'),
  },
];

function packageOf(url: string): string | null {
  const index = url.lastIndexOf('/node_modules/');
  if (index === -1) return null;
  const rest = url.slice(index + '/node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

/**
 * Code that works for whoever calls it, so its time is the caller's: a library's barrel (src/index.ts: compiled to
 * CommonJS, each named import is a getter on it) and the generic once-per-key memo (libs/common/src/bounded-memo).
 */
const CALLERS_OWN = /\/(apps|libs)\/[^/]+\/src\/(index|bounded-memo)\.js$/;

function ruleStage(frame: CallFrame): string | null {
  if (!frame.url) return null;
  // Skipped like Node internals, so the caller's stage gets its time.
  if (CALLERS_OWN.test(frame.url)) return null;
  const pkg = packageOf(frame.url);
  for (const rule of RULES) if (rule.test(frame, pkg, frame.url)) return rule.stage;
  // Anything else of ours or of a package is still named, rather than lumped with Node.
  if (pkg) return `other package: ${pkg}`;
  if (frame.url.startsWith('file://')) return `other of ours: ${frame.url.replace(/^.*\/(apps|libs)\//, '$1/')}`;
  return null;
}

function internalStage(frame: CallFrame): string | null {
  const { url } = frame;
  if (/^node:(net|internal\/stream_base_commons|internal\/streams|stream|internal\/net)/.test(url)) return STAGES.sockets;
  if (url.startsWith('node:')) return STAGES.runtime;
  return null;
}

export interface StageTime {
  stage: string;
  ms: number;
}

export interface FunctionTime {
  name: string;
  where: string;
  stage: string;
  selfMs: number;
}

export interface ProfileAnalysis {
  windowMs: number;
  sampledMs: number;
  idleMs: number;
  busyMs: number;
  stages: StageTime[];
  topSelf: FunctionTime[];
  /** Inclusive busy time of named functions (synchronous stacks only). */
  inclusive: { name: string; ms: number }[];
}

function where(frame: CallFrame): string {
  if (!frame.url) return '(native)';
  const pkg = packageOf(frame.url);
  if (pkg) return pkg;
  return frame.url.replace(/^file:\/\/.*?\/(apps|libs|bench)\//, '$1/').replace(/^file:\/\//, '');
}

/**
 * Attributes the samples between fromUs and toUs (on the profile's clock, which on Linux is CLOCK_MONOTONIC like
 * process.hrtime, so a window measured in another process applies) to stages and functions.
 */
export function analyzeProfile(
  profile: CpuProfile,
  fromUs: number,
  toUs: number,
  inclusiveOf: { name: string; match: (frame: CallFrame) => boolean }[] = [],
): ProfileAnalysis {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }

  const stageOfNode = new Map<number, string>();
  const stageOf = (id: number): string => {
    const cached = stageOfNode.get(id);
    if (cached) return cached;
    const leaf = byId.get(id)!.callFrame;
    let stage: string | null = null;
    if (leaf.functionName === '(idle)') stage = IDLE;
    else if (leaf.functionName === '(garbage collector)') stage = GC;
    else if (leaf.functionName === '(program)') stage = STAGES.program;
    let internal: string | null = null;
    for (let current: number | undefined = id; stage === null && current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)!.callFrame;
      stage = ruleStage(frame);
      internal ??= internalStage(frame);
    }
    stage ??= internal ?? STAGES.program;
    stageOfNode.set(id, stage);
    return stage;
  };

  const inclusiveMs = new Map<string, number>();
  const stageMs = new Map<string, number>();
  const selfMs = new Map<number, number>();
  let time = profile.startTime;
  let sampledUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    if (time < fromUs || time > toUs) continue;
    // A sample stands for the time until the next one.
    const weightUs = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i];
    sampledUs += weightUs;
    const stage = stageOf(id);
    stageMs.set(stage, (stageMs.get(stage) ?? 0) + weightUs / 1000);
    selfMs.set(id, (selfMs.get(id) ?? 0) + weightUs / 1000);
    if (stage === IDLE || inclusiveOf.length === 0) continue;
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)!.callFrame;
      for (const probe of inclusiveOf) {
        if (!seen.has(probe.name) && probe.match(frame)) {
          seen.add(probe.name);
          inclusiveMs.set(probe.name, (inclusiveMs.get(probe.name) ?? 0) + weightUs / 1000);
        }
      }
    }
  }

  const functions = new Map<string, FunctionTime>();
  for (const [id, ms] of selfMs) {
    const frame = byId.get(id)!.callFrame;
    const stage = stageOf(id);
    if (stage === IDLE) continue;
    const name = frame.functionName || '(anonymous)';
    // Per stage too: a native function (writev, JSON.parse) is a different cost in each caller's stage.
    const key = `${name}@${frame.url}:${frame.lineNumber}@${stage}`;
    const entry = functions.get(key) ?? { name, where: `${where(frame)}:${frame.lineNumber + 1}`, stage, selfMs: 0 };
    entry.selfMs += ms;
    functions.set(key, entry);
  }

  const idleMs = stageMs.get(IDLE) ?? 0;
  const sampledMs = sampledUs / 1000;
  return {
    windowMs: (toUs - fromUs) / 1000,
    sampledMs,
    idleMs,
    busyMs: sampledMs - idleMs,
    stages: [...stageMs.entries()]
      .filter(([stage]) => stage !== IDLE)
      .map(([stage, ms]) => ({ stage, ms }))
      .sort((a, b) => b.ms - a.ms),
    topSelf: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, 30),
    inclusive: inclusiveOf.map(({ name }) => ({ name, ms: inclusiveMs.get(name) ?? 0 })),
  };
}
