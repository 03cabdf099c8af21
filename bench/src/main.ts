import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchConfig, loadBenchConfig, type TargetName } from './bench-config';
import { checkBooks, prepareBenchDatabase } from './bench-database';
import type { ChildApp } from './child-app';
import { CpuMeter } from './cpu-meter';
import { loadAverage, machineInfo } from './machine-info';
import { clearRedisPrefix } from './redis-tools';
import type { Measurement } from './aggregate';
import { type BenchReport, renderReport } from './report';
import { waitForLedgerWriter } from './wallet-ledger';
import { failures, type RunResult } from './run-result';
import { requestFor, scenarios } from './scenarios';
import {
  portkeyHeaders,
  startMockUpstream,
  startPassthrough,
  startPortkey,
  startProxy,
  startWorker,
  TARGET_LABELS,
  type Target,
} from './targets';
import { chatBody, chatRequest, responseVerifier } from './workload';

/**
 * `npm run bench`: the gateway side by side with the upstream itself, a bare passthrough and Portkey, on one machine,
 * in one run. Starts everything it needs (database included) and stops all of it, whatever happens.
 */
const running: ChildApp[] = [];

function log(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function stopAll(): Promise<void> {
  // The targets first (the proxy settles its last requests against the mock's answers already received), the mock last.
  for (const app of [...running].reverse()) await app.stop();
  running.length = 0;
}

async function startTarget(name: TargetName, config: BenchConfig, mockUrl: string): Promise<Target> {
  const label = TARGET_LABELS[name];
  switch (name) {
    case 'direct':
      return { name, label, url: mockUrl, extraHeaders: {}, app: null };
    case 'passthrough': {
      const app = await startPassthrough(config, mockUrl);
      running.push(app);
      return { name, label, url: app.url, extraHeaders: {}, app };
    }
    case 'proxy': {
      if (config.billingStore === 'wallet') running.push(await startWorker(config));
      const app = await startProxy(config);
      running.push(app);
      return { name, label, url: app.url, extraHeaders: {}, app };
    }
    case 'portkey': {
      const app = await startPortkey(config);
      running.push(app);
      return { name, label, url: app.url, extraHeaders: portkeyHeaders(mockUrl), app };
    }
  }
}

/** One request per scenario shape through the target, checked like every measured one: a target that fails is not measured. */
async function smokeTest(target: Target, apiKey: string, config: BenchConfig): Promise<string | null> {
  const { outputTokens } = config;
  for (const stream of [false, true]) {
    const request = chatRequest(apiKey, outputTokens, stream, target.extraHeaders, undefined, config.promptWords);
    try {
      const response = await fetch(`${target.url}${request.path}`, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      if (!response.ok) return `${stream ? 'streaming' : 'non-streaming'} request answered ${response.status}: ${text.slice(0, 300)}`;
      if (!responseVerifier(outputTokens, stream)(text)) {
        return `${stream ? 'streaming' : 'non-streaming'} response incomplete: ${text.slice(0, 300)}`;
      }
    } catch (error) {
      return `${stream ? 'streaming' : 'non-streaming'} request failed: ${(error as Error).message}`;
    }
  }
  return null;
}

function describe(result: RunResult): string {
  const bad = failures(result);
  const rate = result.sentRate !== undefined ? `sent ${result.sentRate.toFixed(0)}/s` : `${result.rps.toFixed(0)} req/s`;
  const first = result.firstByte
    ? `first chunk mean ${result.firstByte.mean.toFixed(2)} ms  p99 ${result.firstByte.p99.toFixed(2)} ms  last byte `
    : '';
  return (
    `${rate.padStart(13)}  ${first}mean ${result.latency.mean.toFixed(2)} ms  p50 ${result.latency.p50.toFixed(2)} ms  ` +
    `p99 ${result.latency.p99.toFixed(2)} ms${bad > 0 ? `  FAILED ${bad} (${JSON.stringify(result.statusCodes)})` : ''}`
  );
}

function timestampForFile(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const startedAt = new Date();
  const loadAverageStart = loadAverage();
  const plan = scenarios(config);
  const perRun = config.targets.length * plan.length;
  log(
    `bench: ${config.targets.join(', ')} x ${plan.map((s) => s.name).join(', ')}; ${config.rounds} round(s) of ` +
      `${config.durationS} s + ${config.warmupS} s warm-up (about ${Math.ceil((perRun * (config.rounds * config.durationS + config.warmupS)) / 60)} min of load)`,
  );

  await clearRedisPrefix(config.redisUrl, config.redisPrefix);
  const mock = await startMockUpstream(config);
  running.push(mock);
  log(`• mock upstream ${mock.url}`);

  log(`• database ${config.databaseUrl.replace(/\/\/[^@]*@/, '//')} (recreated, migrated, seeded)`);
  const seed = await prepareBenchDatabase(config.databaseUrl, config.rootDir, mock.url, config.credentialsKey, config.policy);
  const machine = await machineInfo(config.rootDir, config.databaseUrl, config.redisUrl);

  const targets: Target[] = [];
  const skipped: BenchReport['skipped'] = {};
  for (const name of config.targets) {
    try {
      const target = await startTarget(name, config, mock.url);
      const problem = await smokeTest(target, seed.apiKey, config);
      if (problem) {
        skipped[name] = `smoke test failed: ${problem}`;
        log(`• ${target.label}: NOT MEASURED (${problem})`);
        await target.app?.stop();
        continue;
      }
      targets.push(target);
      log(`• ${target.label} ${target.url}`);
    } catch (error) {
      skipped[name] = `did not start: ${(error as Error).message.split('\n')[0]}`;
      log(`• ${TARGET_LABELS[name]}: NOT MEASURED (${skipped[name]})`);
    }
  }

  let proxy2xx = targets.some((t) => t.name === 'proxy') ? 2 : 0; // the smoke test's two requests
  const countProxy = (target: Target, result: RunResult) => {
    if (target.name === 'proxy') proxy2xx += result.ok + result.mismatches;
  };

  const warmupFailures: string[] = [];
  if (config.warmupS > 0) {
    log(`warm-up (${config.warmupS} s per target and scenario)`);
    for (const scenario of plan) {
      for (const target of targets) {
        const request = requestFor(scenario, seed.apiKey, config, target.extraHeaders);
        const result = await scenario.run(target.url, request, config.warmupS);
        countProxy(target, result);
        if (failures(result) > 0) warmupFailures.push(`${target.label}, ${scenario.name}: ${describe(result).trim()}`);
      }
    }
  }

  const measurements: Measurement[] = [];
  for (let round = 1; round <= config.rounds; round++) {
    for (const scenario of plan) {
      log(`round ${round}/${config.rounds}: ${scenario.title}`);
      // Rotate the order each round so that no target always runs first (or right after the heaviest one).
      const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]);
      for (const target of order) {
        const request = requestFor(scenario, seed.apiKey, config, target.extraHeaders);
        // Let the previous target's trailing work (the proxy's last settlements, GC) finish before measuring the next.
        await sleep(500);
        const meter = await CpuMeter.start(target, mock, config);
        const result = await scenario.run(target.url, request, config.durationS);
        const cpu = await meter.perRequest(result.ok + failures(result));
        countProxy(target, result);
        measurements.push({ target: target.name, scenario: scenario.name, round, result, cpu, loadAverage: loadAverage() });
        log(`  ${target.label.padEnd(38)} ${describe(result)}`);
      }
    }
  }

  const loadAverageEnd = loadAverage();
  // On the wallet, the usage records and ledger entries are the worker's to write: let it catch up before it stops.
  if (config.billingStore === 'wallet' && targets.some((t) => t.name === 'proxy')) await waitForLedgerWriter(config, seed.accountId);
  await stopAll();
  const books = targets.some((t) => t.name === 'proxy')
    ? { ...(await checkBooks(config.databaseUrl, seed.accountId)), proxy2xx }
    : null;
  await clearRedisPrefix(config.redisUrl, config.redisPrefix);

  const report: BenchReport = {
    startedAt,
    finishedAt: new Date(),
    config,
    machine,
    loadAverageStart,
    loadAverageEnd,
    requestBody: chatBody(config.outputTokens, false, undefined, config.promptWords),
    scenarios: plan,
    skipped,
    measurements,
    warmupFailures,
    books,
  };
  const markdown = renderReport(report);
  mkdirSync(config.resultsDir, { recursive: true });
  const stamp = timestampForFile(startedAt);
  writeFileSync(join(config.resultsDir, `${stamp}.md`), markdown);
  writeFileSync(join(config.resultsDir, 'latest.md'), markdown);
  writeFileSync(
    join(config.resultsDir, `${stamp}.json`),
    JSON.stringify({ ...report, scenarios: plan.map(({ name, title, shape }) => ({ name, title, shape })) }, null, 2),
  );
  log(`\n${markdown}`);
  log(`written: ${join(config.resultsDir, `${stamp}.md`)} and latest.md`);
}

const interrupt = (signal: NodeJS.Signals) => {
  log(`\n${signal}: stopping every process the bench started`);
  void stopAll().finally(() => process.exit(130));
};
process.once('SIGINT', interrupt);
process.once('SIGTERM', interrupt);

main()
  .catch(async (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
  });
