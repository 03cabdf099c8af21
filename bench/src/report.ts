import { type Aggregate, aggregate, type Measurement } from './aggregate';
import type { BenchConfig, ScenarioName, TargetName } from './bench-config';
import type { BooksCheck } from './bench-database';
import type { CpuPerRequest } from './cpu-meter';
import type { MachineInfo } from './machine-info';
import { int, ms, ratio, signedMs } from './report-format';
import { failures } from './run-result';
import type { Scenario } from './scenarios';
import { proxyTargetChecks } from './proxy-targets';
import { streamRateLines } from './stream-rate-report';
import { TARGET_LABELS } from './targets';

export interface BenchReport {
  startedAt: Date;
  finishedAt: Date;
  config: BenchConfig;
  machine: MachineInfo;
  loadAverageStart: number;
  loadAverageEnd: number;
  requestBody: string;
  scenarios: Scenario[];
  /** Targets that could not be started or failed their smoke test, with the reason. */
  skipped: Partial<Record<TargetName, string>>;
  measurements: Measurement[];
  /** Failures seen during warm-up (not part of the results, but worth knowing). */
  warmupFailures: string[];
  books: (BooksCheck & { proxy2xx: number }) | null;
}

function cpuCell(cpu: CpuPerRequest): string {
  const value = (v: number | null | undefined) => (v === undefined ? '' : v === null ? 'n/a' : int(v));
  return [cpu.target, cpu.mock, cpu.postgres, cpu.redis].map(value).filter((v) => v !== '').join(' / ');
}

function verdict(ok: boolean | null): string {
  if (ok === null) return 'not measured';
  return ok ? 'PASS' : '**FAIL**';
}

/** What a request of (c) costs in CPU across every process involved, beside (b) and (d). */
function cpuLines(proxy: Aggregate | null, passthrough: Aggregate | null, portkey: Aggregate | null): string[] {
  if (!proxy) return [];
  return [
    '',
    `CPU per request of (c), all processes involved: proxy ${int(proxy.cpuTarget)} µs + its PostgreSQL backends ` +
      `${int(proxy.cpuPostgres)} µs + Redis commands ${int(proxy.cpuRedis)} µs (machine-wide, an upper bound) = ` +
      `${int(proxy.cpuTarget + proxy.cpuPostgres + proxy.cpuRedis)} µs, against ${int(passthrough?.cpuTarget ?? NaN)} µs ` +
      `for (b) and ${int(portkey?.cpuTarget ?? NaN)} µs for (d); the mock upstream spends ${int(proxy.cpuMock)} µs on each.`,
  ];
}

/** The report as markdown: machine, parameters, one table per scenario, the targets' checks, and every round. */
export function renderReport(report: BenchReport): string {
  const { config, machine } = report;
  const lines: string[] = [];
  const out = (...text: string[]) => lines.push(...text);
  const byKey = new Map<string, Aggregate | null>();
  const agg = (scenario: ScenarioName, target: TargetName) => {
    const key = `${scenario}/${target}`;
    if (!byKey.has(key)) {
      byKey.set(key, aggregate(report.measurements.filter((m) => m.scenario === scenario && m.target === target)));
    }
    return byKey.get(key) ?? null;
  };

  out(`# Chuizi Gateway benchmark, ${report.startedAt.toISOString()}`, '');
  out(
    'Every target is driven with the same requests, against the same mock upstream process, in one run, on one machine. ' +
      `Figures are medians of ${config.rounds} round(s); targets are interleaved within each round (in a rotating order) ` +
      'so that background load on the machine falls on all of them alike. Latency is measured per request with ' +
      'process.hrtime (request written -> last byte of the response), in milliseconds. "Target CPU µs/req" is the CPU ' +
      'time (user + system, all threads, read from /proc) the target process used during the run divided by the ' +
      'requests it completed: on a shared machine it moves much less than req/s, so it is the steadier comparison.',
    '',
  );

  out('## Machine', '');
  out('| | |', '|---|---|');
  out(`| CPU | ${machine.cpuModel}, ${machine.cores} cores |`);
  out(`| Memory | ${machine.memoryGiB} GiB |`);
  out(`| OS | ${machine.os} |`);
  out(`| Node.js | ${machine.node} |`);
  out(`| PostgreSQL / Redis | ${machine.postgres} / ${machine.redis} |`);
  out(`| Commit | ${machine.commit} |`);
  out(`| Load average (1 min) at start / end | ${report.loadAverageStart.toFixed(2)} / ${report.loadAverageEnd.toFixed(2)} |`);
  out(`| Packages | ${Object.entries(machine.packages).map(([name, version]) => `${name} ${version}`).join(', ')} |`);
  out(`| Run time | ${((report.finishedAt.getTime() - report.startedAt.getTime()) / 1000).toFixed(0)} s |`, '');

  out('## Parameters', '');
  out(
    `- Rounds: ${config.rounds}; measured duration per run: ${config.durationS} s; warm-up per target and scenario: ` +
      `${config.warmupS} s (not counted).`,
  );
  out(
    `- Billing store of (c): \`${config.billingStore}\`` +
      (config.billingStore === 'wallet'
        ? ' (holds and settlements in Redis; a worker writes the ledger in batches: its PostgreSQL backends count in ' +
          '"PostgreSQL CPU", its own process is not measured).'
        : ' (reservations and settlements in PostgreSQL).'),
  );
  out(
    `- Policy of (c)'s key (\`BENCH_POLICY=${config.policy}\`): ` +
      (config.policy === 'all'
        ? 'every control on, at limits the run cannot reach: the IP allow-list, a daily spending limit, tokens per ' +
          'minute, and the three request tiers (key, account, account per model).'
        : "the key's requests per minute only."),
  );
  for (const scenario of report.scenarios) out(`- ${scenario.title}: ${scenario.shape}.`);
  const shown =
    report.requestBody.length > 1200
      ? `${report.requestBody.slice(0, 400)} … ${report.requestBody.slice(-400)}`
      : report.requestBody;
  out(
    `- Request: \`POST /v1/chat/completions\`, ${Buffer.byteLength(report.requestBody)} bytes` +
      `${config.promptWords > 0 ? ` (prompt padded to about ${int(config.promptWords)} words)` : ''}, the same body ` +
      'for every target (streaming adds `"stream":true`):',
    '',
    '  ```json',
    `  ${shown}`,
    '  ```',
    '',
  );
  out(
    '- Targets: (a) the mock upstream itself (the physical limit); (b) bench/passthrough, Fastify + a keep-alive ' +
      'undici Pool, streaming bodies through and nothing else (the practical limit); (c) `node dist/apps/proxy/src/main.js` ' +
      `with everything on: key auth, the key policy above, RPM throttling in Redis (limit ${int(1_000_000)}/min), ` +
      'body validation, token estimate, pre-deduction ' +
      `${config.billingStore === 'wallet' ? 'in the Redis wallet' : 'in PostgreSQL'}, settlement and usage record; ` +
      '(d) @portkey-ai/gateway ' +
      `${machine.packages['@portkey-ai/gateway']} (\`build/start-server.js --headless\`, provider openai with a custom ` +
      'host pointing at the mock).',
    '- Processes: the load generator (this process), the mock upstream and each target run as separate Node processes; ' +
      'PostgreSQL and Redis serve the proxy only.',
    '',
  );

  const skipped = Object.entries(report.skipped);
  if (skipped.length > 0) {
    out('## Targets not measured', '');
    for (const [target, reason] of skipped) out(`- ${TARGET_LABELS[target as TargetName]}: ${reason}`);
    out('');
  }

  out('## Results', '');
  for (const scenario of report.scenarios) {
    const direct = agg(scenario.name, 'direct');
    out(`### ${scenario.title}`, '');
    const proxy = agg(scenario.name, 'proxy');
    const passthrough = agg(scenario.name, 'passthrough');
    const portkey = agg(scenario.name, 'portkey');
    if (scenario.name === 'streaming-fixed-rate') {
      out(...streamRateLines(config.targets, (target) => agg(scenario.name, target)));
      out(...cpuLines(proxy, passthrough, portkey), '');
      continue;
    }
    const openLoop = scenario.name === 'fixed-rate';
    out(
      openLoop
        ? '| target | sent req/s | mean ms | p50 ms | p99 ms | added mean over (a) | added p99 over (a) | target CPU µs/req | failed requests |'
        : '| target | req/s (min-max) | mean ms | p50 ms | p99 ms | added mean over (a) | added p99 over (a) | target CPU µs/req | failed requests |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const target of config.targets) {
      const a = agg(scenario.name, target);
      if (!a) {
        out(`| ${TARGET_LABELS[target]} | not measured | | | | | | | |`);
        continue;
      }
      const flag = a.failures > 0 ? ' ⚠' : '';
      const rate = openLoop ? int(a.sentRate) : `${int(a.rps)} (${int(a.rpsMin)}-${int(a.rpsMax)})`;
      const added = (value: number, base: number | undefined) =>
        target === 'direct' || base === undefined ? '' : signedMs(value - base);
      out(
        `| ${TARGET_LABELS[target]}${flag} | ${rate} | ${ms(a.mean)} | ${ms(a.p50)} | ${ms(a.p99)} | ` +
          `${added(a.mean, direct?.mean)} | ${added(a.p99, direct?.p99)} | ${int(a.cpuTarget)} | ` +
          `${a.failures > 0 ? `**${int(a.failures)}**` : '0'} of ${int(a.requests + a.failures)} |`,
      );
    }
    out(...cpuLines(proxy, passthrough, portkey));
    if (!openLoop && proxy) {
      out(
        '',
        `Throughput ratios: (c)/(b) = ${ratio(proxy.rps / (passthrough?.rps ?? Number.NaN))}, ` +
          `(c)/(d) = ${ratio(proxy.rps / (portkey?.rps ?? Number.NaN))}, ` +
          `(c)/(a) = ${ratio(proxy.rps / (direct?.rps ?? Number.NaN))}.`,
      );
    }
    if (openLoop && proxy && direct) {
      out(
        '',
        `Added mean latency: (c) ${signedMs(proxy.mean - direct.mean)} ms, (b) ${signedMs((passthrough?.mean ?? NaN) - direct.mean)} ms, ` +
          `(d) ${signedMs((portkey?.mean ?? NaN) - direct.mean)} ms.`,
      );
    }
    out('');
  }

  const flagged = report.measurements.filter((m) => failures(m.result) > 0);
  if (flagged.length > 0 || report.warmupFailures.length > 0) {
    out('## Failed requests (⚠ in the tables)', '');
    for (const m of flagged) {
      const r = m.result;
      out(
        `- ${TARGET_LABELS[m.target]}, ${m.scenario}, round ${m.round}: ${r.non2xx} non-2xx, ${r.errors} transport ` +
          `errors/timeouts, ${r.mismatches} incomplete bodies; status codes ${JSON.stringify(r.statusCodes)}`,
      );
    }
    for (const text of report.warmupFailures) out(`- warm-up: ${text}`);
    out('');
  }

  out('## Targets for the proxy', '');
  out('| target | measured | verdict |', '|---|---:|---|');
  const checks = proxyTargetChecks({
    saturation: { proxy: agg('saturation', 'proxy'), passthrough: agg('saturation', 'passthrough'), portkey: agg('saturation', 'portkey') },
    fixedRate: {
      direct: agg('fixed-rate', 'direct'),
      proxy: agg('fixed-rate', 'proxy'),
      passthrough: agg('fixed-rate', 'passthrough'),
      portkey: agg('fixed-rate', 'portkey'),
    },
    books: report.books,
    promptWords: config.promptWords,
  });
  for (const check of checks) out(`| ${check.label} | ${check.measured} | ${verdict(check.ok)} |`);
  out('', 'A target with failed requests fails its check whatever its numbers.', '');

  if (report.books) {
    const b = report.books;
    out('## The proxy kept its books', '');
    out(
      `After the proxy stopped (gracefully, finishing its settlements): ${int(b.proxy2xx)} 2xx responses seen by the load ` +
        `generator (warm-up included), ${int(b.usageRecords)} usage records (${int(b.completedRecords)} completed), ` +
        `${int(b.settledReservations)} settled reservations, ${b.openReservations} still open, reserved $${b.reservedUsd}; ` +
        `spent $${b.spentUsd}, balance $${b.balanceUsd}; ledger sum ${b.ledgerMatchesBalance ? 'equals' : '**differs from**'} ` +
        'the balance.',
      '',
      `Books check (no reservation left open, ledger sum = balance, a usage record for every 2xx response): ` +
        `${verdict(b.openReservations === 0 && b.ledgerMatchesBalance && b.usageRecords >= b.proxy2xx)}.`,
      '',
    );
  }

  out('## Every round', '', '<details><summary>per-run figures</summary>', '');
  out(
    '| scenario | target | round | s | ok | req/s | mean ms | p50 ms | p90 ms | p99 ms | max ms | first chunk mean / p99 ms | ' +
      'bytes/resp | failed | CPU µs/req target / mock / PG / Redis | load avg |',
  );
  out('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
  for (const m of report.measurements) {
    const r = m.result;
    const firstChunk = r.firstByte ? `${ms(r.firstByte.mean)} / ${ms(r.firstByte.p99)}` : '';
    out(
      `| ${m.scenario} | ${m.target} | ${m.round} | ${r.durationS.toFixed(2)} | ${int(r.ok)} | ${int(r.rps)} | ` +
        `${ms(r.latency.mean)} | ${ms(r.latency.p50)} | ${ms(r.latency.p90)} | ${ms(r.latency.p99)} | ${ms(r.latency.max)} | ` +
        `${firstChunk} | ` +
        `${int(r.bytesPerResponse)} | ${failures(r)} | ${cpuCell(m.cpu)} | ${m.loadAverage.toFixed(2)} |`,
    );
  }
  out('', '</details>', '');
  return lines.join('\n');
}
