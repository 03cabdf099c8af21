import 'reflect-metadata';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchConfig, loadBenchConfig, type TargetName } from '../src/bench-config';
import { CpuMeter, type CpuPerRequest } from '../src/cpu-meter';
import { type BenchSeed, FREE_MODEL, prepareBenchDatabase } from '../src/bench-database';
import type { ChildApp } from '../src/child-app';
import { runClosedLoop } from '../src/closed-loop-load';
import { runOpenLoop } from '../src/open-loop-load';
import { loadAverage, machineInfo } from '../src/machine-info';
import { clearRedisPrefix } from '../src/redis-tools';
import { failures, type RunResult } from '../src/run-result';
import { startMockUpstream, startPassthrough, startProxy } from '../src/targets';
import { chatRequest, responseVerifier } from '../src/workload';
import { analyzeProfile, type CallFrame, type CpuProfile, GC, type ProfileAnalysis } from './cpu-profile.analysis';
import { probeCriticalPath } from './critical-path.probe';
import { STAGE_METRIC } from './stage-metrics';
import { type StageTiming, stageTimingLines, StageWindowProbe } from './stage-timing';

/**
 * `npm run bench:profile`: the proxy under the saturation scenario with `node --cpu-prof`, and where its CPU time
 * goes per request stage, beside the bare passthrough profiled the same way (what any Node gateway pays for the hop).
 * Then, without the profiler, the wall time of each awaited step on the request path. Writes
 * bench/results/profile-<timestamp>.md and profile-latest.md; raw profiles stay in bench/results/profiles/.
 *
 * BENCH_PROFILE_DURATION_S (default 20), BENCH_PROFILE_INTERVAL_US (sampling interval, default 200),
 * BENCH_PROFILE_RATE (requests per second: an open loop at that rate instead of saturation, where the latency targets
 * are measured and each request wakes the process on its own), and the BENCH_* variables of `npm run bench`
 * (connections, output tokens, database, Redis).
 */
const running: ChildApp[] = [];

const fnIn = (name: string, fragment: string) => (frame: CallFrame) => frame.functionName === name && frame.url.includes(fragment);
const anyIn = (fragment: string) => (frame: CallFrame) => frame.url.includes(fragment);

/** Functions whose inclusive (synchronous) time says what one stage costs in total, callees included. */
const INCLUSIVE = [
  { name: '0 request telemetry (onRequest, close, access log)', match: anyIn('/apps/proxy/src/observability/request-telemetry') },
  { name: '1 context hook (registerRequestContext)', match: anyIn('/apps/proxy/src/context/request-hooks') },
  { name: '2 key presence hook', match: anyIn('/apps/proxy/src/middleware/key-presence.hook') },
  { name: '2 AuthenticateGuard.canActivate', match: fnIn('canActivate', '/middleware/authenticate.guard') },
  { name: '2 parseJsonDocument (UTF-8, depth, JSON.parse)', match: fnIn('parseJsonDocument', '/validation/json-document') },
  { name: '3 AdmitGuard.canActivate', match: fnIn('canActivate', '/middleware/admit.guard') },
  { name: '4 ResolveGuard.canActivate', match: fnIn('canActivate', '/middleware/resolve.guard') },
  { name: '4 validateBody (Ajv-compiled schema)', match: fnIn('validateBody', '/validation/validate-body') },
  { name: '5 ReserveStage.reserve', match: fnIn('reserve', '/pipeline/reserve.stage') },
  { name: '5 holdPlan (request text, token bound, prices)', match: fnIn('holdPlan', '/libs/billing/src/request/request-estimate') },
  { name: 'gpt-tokenizer (any call)', match: anyIn('/node_modules/gpt-tokenizer/') },
  { name: '5 BillingLedgerRepository.reserve* (payload + query)', match: (f: CallFrame) => /^reserve/.test(f.functionName) && f.url.includes('/billing-ledger.repository') },
  { name: '6 UpstreamClient (any frame)', match: anyIn('/apps/proxy/src/relay/upstream-client') },
  { name: '7 SettleStage (settle/settleFailure/recordUnbilled)', match: anyIn('/apps/proxy/src/pipeline/settle.stage') },
  { name: '7 usageRow', match: fnIn('usageRow', '/libs/billing/src/request/usage-row') },
  { name: '7 BillingLedgerRepository.close*/settle (payload + query)', match: (f: CallFrame) => /^(close|settle)/.test(f.functionName) && f.url.includes('/billing-ledger.repository') },
  { name: 'undici (any frame)', match: anyIn('/node_modules/undici/') },
  { name: 'pg (any frame)', match: (f: CallFrame) => /\/node_modules\/pg(-[a-z]+)?\//.test(f.url) },
  { name: 'ioredis (any frame)', match: anyIn('/node_modules/ioredis/') },
  { name: 'prom-client (any frame)', match: anyIn('/node_modules/prom-client/') },
  { name: 'AsyncResource.bind (node:async_hooks)', match: (f: CallFrame) => f.functionName === 'bind' && f.url === 'node:async_hooks' },
  { name: 'util.deprecate wrappers (node:internal/util)', match: (f: CallFrame) => f.functionName === 'deprecate' && f.url === 'node:internal/util' },
];

interface TargetProfile {
  label: string;
  cpu: CpuPerRequest;
  result: RunResult;
  analysis: ProfileAnalysis;
  profilePath: string;
  requests: number;
  /** The proxy's own per-stage histogram over the measured window (null for targets that have none). */
  stageTiming: StageTiming | null;
}

function newestProfile(dir: string, after: number): string {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => ({ name, mtime: statSync(join(dir, name)).mtimeMs }))
    .filter((file) => file.mtime >= after)
    .sort((a, b) => b.mtime - a.mtime);
  if (files.length === 0) throw new Error(`no .cpuprofile written in ${dir}`);
  return join(dir, files[0].name);
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function cpuText(cpu: CpuPerRequest): string {
  const us = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : `${value.toFixed(0)} µs`);
  const parts = [`${us(cpu.target)} in the process`];
  if (cpu.postgres !== undefined) parts.push(`${us(cpu.postgres)} in its PostgreSQL backends`, `≤ ${us(cpu.redis)} in Redis`);
  return parts.join(' + ');
}

/** Starts a target under --cpu-prof, loads it (warm-up, then the measured window), stops it and analyses the window. */
async function profileTarget(
  name: TargetName,
  label: string,
  mock: ChildApp,
  config: BenchConfig,
  seed: BenchSeed,
  start: (nodeFlags: string[]) => Promise<ChildApp>,
  settings: { durationS: number; warmupS: number; intervalUs: number; profileDir: string; rate: number | null },
): Promise<TargetProfile> {
  const started = Date.now();
  const app = await start([
    '--cpu-prof',
    `--cpu-prof-dir=${settings.profileDir}`,
    `--cpu-prof-interval=${settings.intervalUs}`,
    '-r',
    join(__dirname, 'profile-exit.preload.js'),
  ]);
  running.push(app);
  const request = chatRequest(seed.apiKey, config.outputTokens, false, {}, undefined, config.promptWords);
  const verify = responseVerifier(config.outputTokens, false);
  const load = (durationS: number) =>
    settings.rate === null
      ? runClosedLoop({ baseUrl: app.url, request, connections: config.connections, durationS, verify })
      : runOpenLoop({ baseUrl: app.url, request, rate: settings.rate, durationS, verify });
  console.log(`${label}: warm-up ${settings.warmupS} s, then ${settings.durationS} s profiled`);
  await load(settings.warmupS);
  const meter = await CpuMeter.start({ name, label, url: app.url, extraHeaders: {}, app }, mock, config);
  const stageProbe = name === 'proxy' ? await StageWindowProbe.open(app.url) : null;
  const fromUs = nowUs();
  const result = await load(settings.durationS);
  const toUs = nowUs();
  const cpu = await meter.perRequest(result.ok + failures(result));
  // The last responses' settlements run after their last byte: let them land in the second scrape.
  if (stageProbe) await sleep(500);
  const stageTiming = stageProbe ? await stageProbe.close() : null;
  if (stageTiming && 'missing' in stageTiming) console.log(stageTiming.missing);
  await app.stop();
  running.splice(running.indexOf(app), 1);
  const profilePath = newestProfile(settings.profileDir, started);
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const analysis = analyzeProfile(profile, fromUs, toUs, INCLUSIVE);
  console.log(`${label}: ${result.rps.toFixed(0)} req/s, ${failures(result)} failed`);
  return { label, cpu, result, analysis, profilePath, requests: result.ok + failures(result), stageTiming };
}

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const durationS = Number(process.env.BENCH_PROFILE_DURATION_S || 20);
  const intervalUs = Number(process.env.BENCH_PROFILE_INTERVAL_US || 200);
  const rate = process.env.BENCH_PROFILE_RATE ? Number(process.env.BENCH_PROFILE_RATE) : null;
  if (rate !== null && !(rate > 0)) throw new Error('BENCH_PROFILE_RATE must be a number of requests per second above 0');
  const warmupS = Math.max(config.warmupS, 3);
  const profileDir = join(config.resultsDir, 'profiles');
  mkdirSync(profileDir, { recursive: true });
  const startedAt = new Date();
  const loadStart = loadAverage();

  await clearRedisPrefix(config.redisUrl, config.redisPrefix);
  const mock = await startMockUpstream(config);
  running.push(mock);
  const seed = await prepareBenchDatabase(config.databaseUrl, config.rootDir, mock.url, config.credentialsKey, config.policy);
  const machine = await machineInfo(config.rootDir, config.databaseUrl, config.redisUrl);
  const settings = { durationS, warmupS, intervalUs, profileDir, rate };

  const proxy = await profileTarget('proxy', 'proxy', mock, config, seed, (flags) => startProxy(config, flags), settings);
  const passthrough = await profileTarget('passthrough', 'passthrough', mock, config, seed, (flags) =>
    startPassthrough(config, mock.url, flags),
  settings);

  // Latency side, without the profiler: what each awaited round trip on the request path costs when nothing queues.
  console.log('critical path probe');
  const plainProxy = await startProxy(config);
  running.push(plainProxy);
  const plainPassthrough = await startPassthrough(config, mock.url);
  running.push(plainPassthrough);
  // JIT-warm both before timing single requests (a fresh process is several times slower for its first thousands).
  for (const model of [undefined, FREE_MODEL]) {
    const request = chatRequest(seed.apiKey, config.outputTokens, false, {}, model, config.promptWords);
    const verify = responseVerifier(config.outputTokens, false);
    await runClosedLoop({ baseUrl: plainProxy.url, request, connections: 8, durationS: warmupS, verify });
  }
  await runClosedLoop({
    baseUrl: plainPassthrough.url,
    request: chatRequest(seed.apiKey, config.outputTokens, false, {}, undefined, config.promptWords),
    connections: 8,
    durationS: warmupS,
    verify: responseVerifier(config.outputTokens, false),
  });
  const probe = await probeCriticalPath(config, seed, {
    upstream: mock.url,
    passthrough: plainPassthrough.url,
    proxy: plainProxy.url,
  });
  await stopAll();
  await clearRedisPrefix(config.redisUrl, config.redisPrefix);
  const loadEnd = loadAverage();

  const lines: string[] = [];
  const out = (...text: string[]) => lines.push(...text);
  const perRequest = (target: TargetProfile, ms: number) => (target.requests > 0 ? (ms * 1000) / target.requests : Number.NaN);
  const pct = (target: TargetProfile, ms: number) => ((100 * ms) / target.analysis.busyMs).toFixed(1);
  const summary = (target: TargetProfile) => {
    const { result, analysis } = target;
    return (
      `${target.label}: ${result.rps.toFixed(0)} req/s, mean ${result.latency.mean.toFixed(2)} ms, p99 ` +
      `${result.latency.p99.toFixed(2)} ms, ${target.requests} requests (${failures(result)} failed); process CPU ` +
      `${cpuText(target.cpu)} per request (from /proc, profiler overhead included); main thread busy ` +
      `${((100 * analysis.busyMs) / analysis.sampledMs).toFixed(0)}% of the window; ` +
      `**${perRequest(target, analysis.busyMs).toFixed(0)} µs of main-thread time per request**; raw profile ` +
      `\`${relative(config.rootDir, target.profilePath)}\``
    );
  };

  const loadName = rate === null ? 'under saturation' : `at ${rate} requests/s`;
  out(`# Proxy CPU profile ${loadName}, ${startedAt.toISOString()}`, '');
  out(
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, PostgreSQL ${machine.postgres}, ` +
      `Redis ${machine.redis}; commit ${machine.commit}; load average ${loadStart.toFixed(2)} at start, ` +
      `${loadEnd.toFixed(2)} at end.`,
    '',
    `Load: non-streaming chat completions, ` +
      (rate === null ? `closed loop, ${config.connections} connections, ` : `open loop at ${rate} requests/s, `) +
      `${durationS} s profiled ` +
      `after a ${warmupS} s warm-up, ${config.outputTokens} output tokens, ` +
      `${config.promptWords > 0 ? `a prompt of about ${config.promptWords} words` : 'the short ~60-word prompt'}, ` +
      'the same requests as `npm run bench`. ' +
      `Each target runs as \`node --cpu-prof --cpu-prof-interval=${intervalUs} …\`; only the samples of the measured ` +
      'window count (not start-up, not warm-up). Times are main-thread wall time in each state as sampled by V8: ' +
      'on a busy machine they include time the thread was descheduled, so compare shares and ratios, not absolutes.',
    '',
    `- ${summary(proxy)}`,
    `- ${summary(passthrough)}`,
    '',
    '## Main-thread time per request, by stage',
    '',
    'Each sample goes to the stage of the nearest known frame on its stack (a native `writev` called by pg counts ' +
      'as the PostgreSQL driver; Nest counts only for time in Nest\'s own code).',
    '',
    '| stage | proxy µs/req | proxy % | passthrough µs/req | passthrough % |',
    '|---|---:|---:|---:|---:|',
  );
  const stages = [...new Set([...proxy.analysis.stages, ...passthrough.analysis.stages].map((s) => s.stage))];
  const stageMs = (target: TargetProfile, stage: string) => target.analysis.stages.find((s) => s.stage === stage)?.ms ?? 0;
  stages.sort((a, b) => stageMs(proxy, b) - stageMs(proxy, a));
  for (const stage of stages) {
    const a = stageMs(proxy, stage);
    const b = stageMs(passthrough, stage);
    out(
      `| ${stage}${stage === GC ? ' (all stages)' : ''} | ${perRequest(proxy, a).toFixed(1)} | ${pct(proxy, a)} | ` +
        `${b > 0 ? perRequest(passthrough, b).toFixed(1) : ''} | ${b > 0 ? pct(passthrough, b) : ''} |`,
    );
  }
  out(
    `| **total** | **${perRequest(proxy, proxy.analysis.busyMs).toFixed(0)}** | 100 | ` +
      `**${perRequest(passthrough, passthrough.analysis.busyMs).toFixed(0)}** | 100 |`,
  );
  if (proxy.stageTiming) {
    out(
      '',
      `## Proxy: wall time per request, by pipeline stage (\`${STAGE_METRIC}\`)`,
      '',
      "The proxy's own histogram, scraped from its /metrics before and after the profiled window: the wall time " +
        'each stage took (awaits included: relay holds the wait for the upstream), averaged over the requests that ' +
        'reached the stage, and its share of all the stage time of the window. Measured under the profiler, as above.',
      '',
      ...stageTimingLines(proxy.stageTiming),
    );
  }
  out('', '## Proxy: inclusive time of key functions (synchronous call stacks; callees included)', '');
  out('| function | µs/req | % of busy |', '|---|---:|---:|');
  for (const { name, ms } of proxy.analysis.inclusive) out(`| ${name} | ${perRequest(proxy, ms).toFixed(1)} | ${pct(proxy, ms)} |`);
  out('', '## Proxy: top functions by self time', '');
  out('| function | where | stage | µs/req | % of busy |', '|---|---|---|---:|---:|');
  for (const fn of proxy.analysis.topSelf) {
    out(`| \`${fn.name}\` | ${fn.where} | ${fn.stage} | ${perRequest(proxy, fn.selfMs).toFixed(1)} | ${pct(proxy, fn.selfMs)} |`);
  }
  out('', '## Critical path probe (latency, not CPU)', '');
  out(
    'Sequential requests, one at a time (so nothing queues), against a warmed-up proxy and passthrough without the ' +
      'profiler: what each awaited step of the request path costs in wall time on this machine. The zero-priced ' +
      'model skips the reservation (nothing to hold), so the difference between the two proxy rows is what ' +
      'pre-deduction adds to latency.',
    '',
    '| step | n | mean ms | p50 ms | p99 ms |',
    '|---|---:|---:|---:|---:|',
  );
  for (const step of probe) {
    out(
      `| ${step.name} | ${step.summary.count} | ${step.summary.mean.toFixed(3)} | ${step.summary.p50.toFixed(3)} | ` +
        `${step.summary.p99.toFixed(3)} |`,
    );
  }
  out('');

  const markdown = lines.join('\n');
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  writeFileSync(join(config.resultsDir, `profile-${stamp}.md`), markdown);
  writeFileSync(join(config.resultsDir, 'profile-latest.md'), markdown);
  console.log(`\n${markdown}`);
}

async function stopAll(): Promise<void> {
  for (const app of [...running].reverse()) await app.stop();
  running.length = 0;
}

process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));
process.once('SIGTERM', () => void stopAll().finally(() => process.exit(130)));

main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
