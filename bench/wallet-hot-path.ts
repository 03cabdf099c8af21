/**
 * The wallet alone: holds and settlements through WalletService as the proxy will run them (one Redis script each,
 * on a redis-server of the benchmark's own), then the ledger writer putting the settlement events into PostgreSQL.
 * No HTTP, no upstream. Closed loop: C simulated requests in flight, each hold -> settle -> next, for a fixed time.
 *
 *   npm run bench:wallet        (GW_DIST_DIR=dist-<you> on a shared machine)
 *
 * Uses its own database (BENCH_WALLET_DATABASE_URL, default chuizi_bench_wallet, dropped and recreated) and its own
 * redis-server. Reports requests per second, hold and settle latency, CPU per request of the client, Redis and (for
 * the writer) PostgreSQL, and the writer with the former per-row checks for comparison (foreign keys; the ledger's
 * running-balance trigger).
 * Writes bench/results/wallet-hot-path.md.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { newGenerationId } from '@gw/common';
import { AppConfig, loadConfig } from '@gw/config';
import { PrismaService, WalletRepository } from '@gw/db';
import {
  AccountId,
  accountId,
  generationId,
  keyId,
  LedgerWriter,
  WalletLoader,
  WalletRedis,
  WalletService,
  WalletStore,
} from '@gw/wallet';
import { ensureDatabase, migrateDeploy } from '../scripts/ensure-database';
import { OwnRedis } from './src/own-redis';
import { databaseBackendPids, processCpuMs } from './src/process-cpu';
import { BenchAccount, benchUsageRow, closedLoop, createBenchAccounts, HOT_PATH, machineLine } from './src/hot-path';
import { summarize } from './src/stats';

const ROOT = join(__dirname, '..', '..');
const DATABASE_URL = process.env.BENCH_WALLET_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/chuizi_bench_wallet';
const SECONDS = Number(process.env.BENCH_WALLET_SECONDS ?? 5);
const { warmupSeconds: WARMUP_SECONDS, manyAccounts: MANY_ACCOUNTS, holdMicros: HOLD_MICROS } = HOT_PATH;
const { costMicros: COST_MICROS, modelId: MODEL_ID } = HOT_PATH;

type Account = BenchAccount & { id: AccountId };

interface Instance {
  redis: WalletRedis;
  store: WalletStore;
  wallet: WalletService;
}

interface Scenario {
  name: string;
  concurrency: number;
  accounts: 'one' | 'many';
  instances: 1 | 2;
}

interface Result {
  scenario: Scenario;
  requests: number;
  perSecond: number;
  hold: ReturnType<typeof summarize>;
  settle: ReturnType<typeof summarize>;
  clientCpuUs: number;
  redisCpuUs: number | null;
}

function instance(config: AppConfig, prisma: PrismaService, name: string): Instance {
  const scoped = { ...config, instanceId: `bench-${name}` };
  const redis = new WalletRedis(scoped);
  const store = new WalletStore(redis);
  const wallet = new WalletService(store, new WalletLoader(store, new WalletRepository(prisma), redis), scoped);
  return { redis, store, wallet };
}

/** One simulated request: hold, then settle; returns both latencies in ms. */
async function request(target: Instance, account: Account): Promise<[number, number]> {
  const generation = generationId(newGenerationId());
  const t0 = process.hrtime.bigint();
  const held = await target.wallet.hold({
    accountId: account.id,
    generationId: generation,
    amountMicros: HOLD_MICROS,
    context: {
      keyId: keyId(account.keyId), model: MODEL_ID, requestedModel: null, protocol: 'openai',
      endpoint: 'chat.completions', stream: false, requestId: null, createdAt: new Date(),
    },
  });
  const t1 = process.hrtime.bigint();
  if (held.status !== 'held') throw new Error(`hold refused on ${account.id}: ${held.status}`);
  const settled = await target.wallet.settle({
    accountId: account.id,
    generationId: generation,
    costMicros: COST_MICROS,
    usage: benchUsageRow(account, generation),
  });
  const t2 = process.hrtime.bigint();
  if (settled.status !== 'settled') throw new Error(`settlement ${generation}: ${settled.status}`);
  return [Number(t1 - t0) / 1e6, Number(t2 - t1) / 1e6];
}

async function run(scenario: Scenario, instances: Instance[], hot: Account, many: Account[], redisPid: number): Promise<Result> {
  let next = 0;
  let cpuFrom: NodeJS.CpuUsage | undefined;
  let redisFrom: number | null = null;
  const loop = await closedLoop({
    concurrency: scenario.concurrency,
    seconds: SECONDS,
    request: (worker) =>
      request(instances[worker % instances.length], scenario.accounts === 'one' ? hot : many[next++ % many.length]),
    onMeasureStart: () => {
      cpuFrom = process.cpuUsage();
      redisFrom = processCpuMs(redisPid);
    },
  });
  const cpu = process.cpuUsage(cpuFrom);
  const redisTo = processCpuMs(redisPid);
  const measured = Math.max(1, loop.requests);
  return {
    scenario,
    requests: loop.requests,
    perSecond: loop.requests / SECONDS,
    hold: summarize(loop.hold.values()),
    settle: summarize(loop.settle.values()),
    clientCpuUs: (cpu.user + cpu.system) / measured,
    redisCpuUs: redisTo === null || redisFrom === null ? null : ((redisTo - redisFrom) * 1000) / measured,
  };
}

interface WriterResult {
  name: string;
  events: number;
  seconds: number;
  transactions: number;
  postgresCpuUs: number | null;
  writerCpuUs: number;
}

/** The ledger writer until every event is in PostgreSQL: events/s, PostgreSQL and writer CPU per event. */
async function drainWriter(name: string, writer: LedgerWriter, repository: WalletRepository): Promise<WriterResult> {
  let transactions = 0;
  const apply = repository.applyEvents.bind(repository);
  repository.applyEvents = (events, forceBefore) => {
    transactions++;
    return apply(events, forceBefore);
  };
  await writer.runOnce(); // opens the pool's connection before the meter reads the backends
  const pgFrom = await backendsCpu();
  const cpuFrom = process.cpuUsage();
  const started = performance.now();
  let events = 0;
  for (;;) {
    const pass = await writer.runOnce();
    events += pass.applied;
    if (pass.read === 0) break;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuFrom);
  const pgTo = await backendsCpu();
  repository.applyEvents = apply;
  // Backends gone meanwhile were idle ones the pool closed; backends opened meanwhile count from zero.
  let postgresMs = 0;
  for (const [pid, ms] of pgTo) postgresMs += ms - (pgFrom.get(pid) ?? 0);
  return {
    name,
    events,
    seconds,
    transactions,
    postgresCpuUs: events === 0 ? null : (postgresMs * 1000) / events,
    writerCpuUs: (cpu.user + cpu.system) / Math.max(1, events),
  };
}

/** CPU ms of every backend of the benchmark's database, by pid. */
async function backendsCpu(): Promise<Map<number, number>> {
  const cpu = new Map<number, number>();
  for (const pid of await databaseBackendPids(DATABASE_URL)) {
    const ms = processCpuMs(pid);
    if (ms !== null) cpu.set(pid, ms);
  }
  return cpu;
}

const us = (ms: number) => Math.round(ms * 1000);

function scenarioTable(results: Result[]): string {
  const lines = [
    '| scenario | in flight | requests | req/s | hold mean µs | hold p50 | hold p99 | settle mean µs | settle p50 | settle p99 | client CPU µs/req | Redis CPU µs/req |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.scenario.name} | ${r.scenario.concurrency} | ${r.requests} | ${Math.round(r.perSecond)} | ` +
        `${us(r.hold.mean)} | ${us(r.hold.p50)} | ${us(r.hold.p99)} | ${us(r.settle.mean)} | ${us(r.settle.p50)} | ` +
        `${us(r.settle.p99)} | ${Math.round(r.clientCpuUs)} | ${r.redisCpuUs === null ? 'n/a' : Math.round(r.redisCpuUs)} |`,
    );
  }
  return lines.join('\n');
}

function writerTable(results: WriterResult[]): string {
  const lines = [
    '| ledger writer | events | transactions | events/s | PostgreSQL CPU µs/event | writer CPU µs/event |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.name} | ${r.events} | ${r.transactions} | ${Math.round(r.events / r.seconds)} | ` +
        `${r.postgresCpuUs === null ? 'n/a' : Math.round(r.postgresCpuUs)} | ${Math.round(r.writerCpuUs)} |`,
    );
  }
  return lines.join('\n');
}

/** The ledger's running-balance guard before 2026-12-06: one plpgsql call and index probe per inserted row. */
const ROW_TRIGGER = `
  DROP TRIGGER ledger_entries_running_balance ON ledger_entries;
  CREATE FUNCTION bench_row_running_balance() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE v_previous bigint;
  BEGIN
    SELECT l.balance_after_micros INTO v_previous FROM ledger_entries l WHERE l.account_id = NEW.account_id ORDER BY l.id DESC LIMIT 1;
    IF COALESCE(v_previous, 0) + NEW.amount_micros <> NEW.balance_after_micros THEN
      RAISE EXCEPTION 'running balance' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER ledger_entries_running_balance BEFORE INSERT ON ledger_entries FOR EACH ROW EXECUTE FUNCTION bench_row_running_balance();`;

/** The references before they were checked per statement: foreign keys, one check per inserted row. */
const FOREIGN_KEYS = `
  DROP TRIGGER ledger_entries_account_exists ON ledger_entries;
  DROP TRIGGER usage_records_account_and_key_exist_on_insert ON usage_records;
  DROP TRIGGER usage_records_account_and_key_exist_on_update ON usage_records;
  ALTER TABLE ledger_entries ADD CONSTRAINT bench_ledger_account FOREIGN KEY (account_id) REFERENCES accounts(id);
  ALTER TABLE usage_records ADD CONSTRAINT bench_usage_account FOREIGN KEY (account_id) REFERENCES accounts(id),
    ADD CONSTRAINT bench_usage_key FOREIGN KEY (key_id) REFERENCES api_keys(id);`;

const REFERENCE_TRIGGERS = `
  ALTER TABLE ledger_entries DROP CONSTRAINT bench_ledger_account;
  ALTER TABLE usage_records DROP CONSTRAINT bench_usage_account, DROP CONSTRAINT bench_usage_key;
  CREATE TRIGGER ledger_entries_account_exists AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS gw_new_rows FOR EACH STATEMENT EXECUTE FUNCTION gw_rows_refer_to_accounts();
  CREATE TRIGGER usage_records_account_and_key_exist_on_insert AFTER INSERT ON usage_records
    REFERENCING NEW TABLE AS gw_new_rows FOR EACH STATEMENT EXECUTE FUNCTION gw_rows_refer_to_keys();
  CREATE TRIGGER usage_records_account_and_key_exist_on_update AFTER UPDATE ON usage_records
    REFERENCING NEW TABLE AS gw_new_rows FOR EACH STATEMENT EXECUTE FUNCTION gw_rows_refer_to_keys();`;

const STATEMENT_TRIGGER = `
  DROP TRIGGER ledger_entries_running_balance ON ledger_entries;
  DROP FUNCTION bench_row_running_balance();
  CREATE TRIGGER ledger_entries_running_balance AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION gw_ledger_running_balance();`;

async function sql(text: string): Promise<void> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Every account: stored balance = ledger sum = wallet balance, nothing held or unwritten. */
async function booksConsistent(store: WalletStore, accounts: Account[]): Promise<boolean> {
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ bad: string }>(
      `SELECT count(*)::text AS bad FROM accounts a
        WHERE a.balance_micros <> (SELECT COALESCE(SUM(amount_micros), 0) FROM ledger_entries l WHERE l.account_id = a.id)`,
    );
    if (rows[0].bad !== '0') return false;
    const balances = await store.balances(accounts.map((a) => a.id));
    const stored = await client.query<{ id: string; balance: string }>(
      'SELECT id::text, balance_micros::text AS balance FROM accounts WHERE id = ANY($1::uuid[])',
      [accounts.map((a) => a.id)],
    );
    const byId = new Map(stored.rows.map((row) => [row.id, BigInt(row.balance)]));
    return accounts.every((a, i) => balances[i] === null || (balances[i]!.balanceMicros === byId.get(a.id) && balances[i]!.heldMicros === 0n));
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  await ensureDatabase(DATABASE_URL, { recreate: true });
  migrateDeploy(DATABASE_URL, ROOT);
  const own = await OwnRedis.start();
  const config = loadConfig({
    DATABASE_URL,
    REDIS_URL: own.url,
    REDIS_KEY_PREFIX: 'gwbench_wallet:',
    LOG_LEVEL: 'warn',
    DB_POOL_MAX: '4',
    WALLET_WRITER_BATCH: process.env.BENCH_WALLET_BATCH ?? '500',
  });
  const prisma = new PrismaService(config);
  const instances = [instance(config, prisma, 'a'), instance(config, prisma, 'b')];
  const writerRedis = new WalletRedis({ ...config, instanceId: 'bench-writer' });
  const repository = new WalletRepository(prisma);
  const writer = new LedgerWriter(writerRedis, new WalletStore(writerRedis), repository, { ...config, instanceId: 'bench-writer' });
  const [hot, ...many] = (await createBenchAccounts(prisma, MANY_ACCOUNTS + 1, 'wallet')).map((account) => ({
    ...account,
    id: accountId(account.id),
  }));

  const scenarios: Scenario[] = [
    { name: 'one account', concurrency: 1, accounts: 'one', instances: 1 },
    { name: 'one account', concurrency: 16, accounts: 'one', instances: 1 },
    { name: 'one account', concurrency: 64, accounts: 'one', instances: 1 },
    { name: 'one account', concurrency: 256, accounts: 'one', instances: 1 },
    { name: 'one account, 2 instances', concurrency: 64, accounts: 'one', instances: 2 },
    { name: `${MANY_ACCOUNTS} accounts`, concurrency: 64, accounts: 'many', instances: 1 },
    { name: `${MANY_ACCOUNTS} accounts`, concurrency: 256, accounts: 'many', instances: 1 },
  ];
  const loadBefore = loadavg()[0];
  const results: Result[] = [];
  for (const scenario of scenarios) {
    const result = await run(scenario, instances.slice(0, scenario.instances), hot, many, own.child.pid!);
    results.push(result);
    console.log(
      `${scenario.name.padEnd(26)} x${String(scenario.concurrency).padStart(3)}: ${Math.round(result.perSecond)} req/s, ` +
        `hold p50 ${us(result.hold.p50)} µs, settle p50 ${us(result.settle.p50)} µs`,
    );
  }
  const writers: WriterResult[] = [];
  writers.push(await drainWriter('as migrated: guards and references checked per statement', writer, repository));
  console.log(writerTable(writers));
  await sql(FOREIGN_KEYS);
  await run(scenarios[5], instances.slice(0, 1), hot, many, own.child.pid!);
  writers.push(await drainWriter('references as foreign keys, checked per row (before 2026-12-07)', writer, repository));
  await sql(REFERENCE_TRIGGERS);
  await sql(ROW_TRIGGER);
  await run(scenarios[5], instances.slice(0, 1), hot, many, own.child.pid!);
  writers.push(await drainWriter('running-balance guard per row (before 2026-12-06)', writer, repository));
  await sql(STATEMENT_TRIGGER);
  const loadAfter = loadavg()[0];
  for (const target of instances) await target.wallet.drain(10_000);
  const consistent = await booksConsistent(instances[0].store, [hot, ...many]);

  const { rows } = await prisma.pool.query<{ server_version: string }>('SHOW server_version');
  const report = [
    '# Wallet hot path: holds and settlements in Redis, the ledger written in batches',
    '',
    `Run ${new Date().toISOString()} by \`npm run bench:wallet\` (bench/wallet-hot-path.ts): ${SECONDS} s per row after ` +
      `${WARMUP_SECONDS} s of warm-up, closed loop. Each simulated request holds its estimate (WalletService.hold: one ` +
      'Redis script) then settles (WalletService.settle: one script, the settlement event appended to its stream), as ' +
      'the proxy will; no HTTP, no upstream, no PostgreSQL on the path. Redis is a redis-server of the benchmark\'s own ' +
      '(no persistence), so its CPU is the wallet\'s alone. Latencies in µs. Then the ledger writer (WALLET_WRITER_BATCH ' +
      `${config.wallet.writer.batchSize}) writes every event to PostgreSQL: one ledger row and one usage record per request, ` +
      'the balance once per account and transaction; its PostgreSQL CPU is the backends\' (from /proc) per event written.',
    '',
    scenarioTable(results),
    '',
    writerTable(writers),
    '',
    `Books after the run: ${consistent ? 'every account balance equals its ledger sum and its wallet balance, nothing held' : 'INCONSISTENT'}.`,
    '',
    machineLine(rows[0].server_version, loadBefore, loadAfter),
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'bench', 'results', 'wallet-hot-path.md'), report);
  console.log(`\n${scenarioTable(results)}\n\n${writerTable(writers)}\n\nbooks consistent: ${consistent}`);

  for (const target of instances) await target.redis.onModuleDestroy();
  await writerRedis.onModuleDestroy();
  await prisma.onModuleDestroy();
  await own.stop();
  if (!consistent) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
