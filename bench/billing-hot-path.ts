/**
 * The billing hot path alone, against the real database: reservation (on the request path, before the upstream call)
 * and settlement (after the response) as BillingService runs them in the proxy, group commit included, with no HTTP
 * and no upstream. Closed loop: C simulated requests in flight, each reserve -> settle -> next, for a fixed time.
 *
 *   npm run bench:billing        (GW_DIST_DIR=dist-<you> on a shared machine)
 *
 * Uses its own database (BENCH_BILLING_DATABASE_URL, default chuizi_bench_billing, dropped and recreated) and Redis
 * prefix `gwbench_billing:` (the queue is only touched if a settlement has to be handed over). Writes the table to
 * bench/results/billing-hot-path.md.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { BillingService } from '@gw/billing';
import { newGenerationId } from '@gw/common';
import { AppConfig, loadConfig } from '@gw/config';
import { BillingLedgerRepository, HoldLivenessRepository, LedgerRepository, PrismaService, UsageRecordRow } from '@gw/db';
import { JobQueue } from '@gw/jobs';
import { RedisService } from '@gw/redis';
import { ensureDatabase, migrateDeploy } from '../scripts/ensure-database';
import { BenchAccount, benchUsageRow, closedLoop, createBenchAccounts, HOT_PATH, machineLine } from './src/hot-path';
import { summarize } from './src/stats';

const ROOT = join(__dirname, '..', '..');
const DATABASE_URL = process.env.BENCH_BILLING_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/chuizi_bench_billing';
const SECONDS = Number(process.env.BENCH_BILLING_SECONDS ?? 5);
const { warmupSeconds: WARMUP_SECONDS, manyAccounts: MANY_ACCOUNTS, holdMicros: HOLD_MICROS } = HOT_PATH;
const { costMicros: COST_MICROS, modelId: MODEL_ID } = HOT_PATH;

interface Instance {
  prisma: PrismaService;
  redis: RedisService;
  jobs: JobQueue;
  ledger: BillingLedgerRepository;
  billing: BillingService;
}

type Account = BenchAccount;

interface Scenario {
  name: string;
  concurrency: number;
  accounts: 'one' | 'many';
  instances: 1 | 2;
  /** Group commit (BillingService) or one transaction per request (the repository directly). */
  groupCommit: boolean;
}

interface Result {
  scenario: Scenario;
  requests: number;
  perSecond: number;
  reserve: ReturnType<typeof summarize>;
  settle: ReturnType<typeof summarize>;
}

function instance(config: AppConfig, name: string): Instance {
  const scoped = { ...config, instanceId: `bench-${name}` };
  const prisma = new PrismaService(scoped);
  const redis = new RedisService(scoped);
  const jobs = new JobQueue(redis);
  const ledger = new BillingLedgerRepository(prisma);
  const billing = new BillingService(ledger, new HoldLivenessRepository(prisma), jobs, scoped);
  return { prisma, redis, jobs, ledger, billing };
}

/** One simulated request: hold, then settle; returns both latencies in ms. */
async function request(target: Instance, account: Account, groupCommit: boolean): Promise<[number, number]> {
  const generationId = newGenerationId();
  const hold = { generationId, keyId: account.keyId, modelId: MODEL_ID, amountMicros: HOLD_MICROS };
  const close = { generationId, costMicros: COST_MICROS, closedBy: 'settlement' as const, usage: benchUsageRow(account, generationId) };
  const t0 = process.hrtime.bigint();
  const held = groupCommit
    ? await target.billing.reserve(account.id, hold)
    : (await target.ledger.reserve(account.id, [hold], 'bench'))[0];
  const t1 = process.hrtime.bigint();
  if (!held.accepted) throw new Error(`hold refused on ${account.id}`);
  const closed = groupCommit
    ? await target.billing.close(account.id, close)
    : (await target.ledger.close(account.id, [close]))[0];
  const t2 = process.hrtime.bigint();
  if (closed?.outcome !== 'settled') throw new Error(`settlement ${generationId}: ${closed?.outcome ?? 'handed over'}`);
  return [Number(t1 - t0) / 1e6, Number(t2 - t1) / 1e6];
}

async function run(scenario: Scenario, instances: Instance[], hot: Account, many: Account[]): Promise<Result> {
  let next = 0;
  const loop = await closedLoop({
    concurrency: scenario.concurrency,
    seconds: SECONDS,
    request: (worker) =>
      request(
        instances[worker % instances.length],
        scenario.accounts === 'one' ? hot : many[next++ % many.length],
        scenario.groupCommit,
      ),
  });
  return {
    scenario,
    requests: loop.requests,
    perSecond: loop.requests / SECONDS,
    reserve: summarize(loop.hold.values()),
    settle: summarize(loop.settle.values()),
  };
}

const ms = (value: number) => value.toFixed(2);

function table(results: Result[]): string {
  const lines = [
    '| scenario | in flight | requests | req/s | reserve mean | reserve p50 | reserve p99 | settle mean | settle p50 | settle p99 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.scenario.name} | ${r.scenario.concurrency} | ${r.requests} | ${Math.round(r.perSecond)} | ` +
        `${ms(r.reserve.mean)} | ${ms(r.reserve.p50)} | ${ms(r.reserve.p99)} | ` +
        `${ms(r.settle.mean)} | ${ms(r.settle.p50)} | ${ms(r.settle.p99)} |`,
    );
  }
  return lines.join('\n');
}

async function booksConsistent(): Promise<boolean> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ bad: string }>(
      `SELECT count(*)::text AS bad FROM accounts a
        WHERE a.balance_micros <> (SELECT COALESCE(SUM(amount_micros), 0) FROM ledger_entries l WHERE l.account_id = a.id)
           OR a.reserved_micros <> 0`,
    );
    return rows[0].bad === '0';
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  await ensureDatabase(DATABASE_URL, { recreate: true });
  migrateDeploy(DATABASE_URL, ROOT);
  const config = loadConfig({ DATABASE_URL, REDIS_KEY_PREFIX: 'gwbench_billing:', LOG_LEVEL: 'warn', DB_POOL_MAX: '20' });
  const instances = [instance(config, 'a'), instance(config, 'b')];
  const setup = instances[0].prisma;
  const [hot, ...many] = await createBenchAccounts(setup, MANY_ACCOUNTS + 1, 'billing');

  const scenarios: Scenario[] = [
    { name: 'one account', concurrency: 1, accounts: 'one', instances: 1, groupCommit: true },
    { name: 'one account', concurrency: 16, accounts: 'one', instances: 1, groupCommit: true },
    { name: 'one account', concurrency: 64, accounts: 'one', instances: 1, groupCommit: true },
    { name: 'one account', concurrency: 256, accounts: 'one', instances: 1, groupCommit: true },
    { name: 'one account, 2 instances', concurrency: 64, accounts: 'one', instances: 2, groupCommit: true },
    { name: 'one account, no group commit', concurrency: 64, accounts: 'one', instances: 1, groupCommit: false },
    { name: `${MANY_ACCOUNTS} accounts`, concurrency: 16, accounts: 'many', instances: 1, groupCommit: true },
    { name: `${MANY_ACCOUNTS} accounts`, concurrency: 64, accounts: 'many', instances: 1, groupCommit: true },
    { name: `${MANY_ACCOUNTS} accounts`, concurrency: 256, accounts: 'many', instances: 1, groupCommit: true },
  ];
  const loadBefore = loadavg()[0];
  const results: Result[] = [];
  for (const scenario of scenarios) {
    const result = await run(scenario, instances.slice(0, scenario.instances), hot, many);
    results.push(result);
    console.log(
      `${scenario.name.padEnd(30)} x${String(scenario.concurrency).padStart(3)}: ${Math.round(result.perSecond)} req/s, ` +
        `reserve p50 ${ms(result.reserve.p50)} ms p99 ${ms(result.reserve.p99)} ms`,
    );
  }
  const loadAfter = loadavg()[0];
  for (const target of instances) await target.billing.drain(10_000);
  const consistent = await booksConsistent();

  const { rows } = await setup.pool.query<{ server_version: string }>('SHOW server_version');
  const report = [
    '# Billing hot path: reservation + settlement against PostgreSQL',
    '',
    `Run ${new Date().toISOString()} by \`npm run bench:billing\` (bench/billing-hot-path.ts): ${SECONDS} s per row after ` +
      `${WARMUP_SECONDS} s of warm-up, closed loop. Each simulated request reserves its estimate (gw_reserve: on the ` +
      'request path, before the upstream call) then settles (gw_settle: release + charge + usage record, after the ' +
      'response, off the client\'s path) through BillingService as the proxy runs it: group commit in 4 lanes, each ' +
      'batch spanning accounts (gw_reserve_many / gw_settle_many), pg pool of 20 per instance; "no group commit" calls ' +
      'the repository directly, one transaction per call. No HTTP, no upstream. Latencies in milliseconds.',
    '',
    table(results),
    '',
    `Books after the run: ${consistent ? 'every account balance equals its ledger sum, nothing left reserved' : 'INCONSISTENT'}.`,
    '',
    machineLine(rows[0].server_version, loadBefore, loadAfter),
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'bench', 'results', 'billing-hot-path.md'), report);
  console.log(`\n${table(results)}\n\nbooks consistent: ${consistent}\nwritten to bench/results/billing-hot-path.md`);

  for (const target of instances) {
    await target.jobs.onModuleDestroy();
    await target.redis.onModuleDestroy();
    await target.prisma.onModuleDestroy();
  }
  if (!consistent) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
