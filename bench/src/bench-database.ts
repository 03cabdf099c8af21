import { Client } from 'pg';
import { formatMicrosAsUsd, parseUsdToMicros } from '@gw/common';
import { loadConfig } from '@gw/config';
import { ChannelCredentials, LedgerRepository, PrismaService } from '@gw/db';
import { ensureDatabase, migrateDeploy } from '../../scripts/ensure-database';
import { createKey, seedCatalog } from '../../scripts/seed';

const BENCH_ACCOUNT = 'Bench account';
const BENCH_CREDIT_USD = '1000000.00';
/** Throttling stays on (every request is counted in Redis) with a limit the benchmark cannot reach. */
export const BENCH_RPM = 1_000_000;
export const FREE_MODEL = 'bench/free-chat';

/**
 * The policy of the bench key and its account. `all`: every control of spec/policy.md on, each at a limit the run
 * cannot reach, so that each does its work on every request (the "the bench keeps its targets with all of this
 * on"): the IP allow-list (the load generator's 127.0.0.1 on it), the daily spending limit (checked with each hold),
 * tokens per minute (taken at admission, handed back at settle), the account's requests per minute and the per-account
 * limit of every model (the three request tiers all counting). `rpm`: the key's requests per minute only.
 */
export type BenchPolicy = 'all' | 'rpm';
/** The most the admin API accepts, far above the run's use (about 15M tokens a minute at 2,500 requests per second). */
const BENCH_TPM = 100_000_000;
const BENCH_DAILY_LIMIT_USD = '1000000.00';
const BENCH_IP_ALLOWLIST = ['127.0.0.1/32', '::1/128'];

export interface BenchSeed {
  accountId: string;
  apiKey: string;
}

/**
 * A fresh database for the run: dropped and recreated, migrated, the demo catalog pointing at the run's mock
 * upstream, one account credited through the ledger and one key for it.
 */
export async function prepareBenchDatabase(
  databaseUrl: string,
  rootDir: string,
  upstreamUrl: string,
  credentialsKey: string,
  policy: BenchPolicy = 'all',
): Promise<BenchSeed> {
  await ensureDatabase(databaseUrl, { recreate: true });
  migrateDeploy(databaseUrl, rootDir);
  const config = loadConfig({ DATABASE_URL: databaseUrl, DB_POOL_MAX: '2', CHANNEL_CREDENTIALS_KEY: credentialsKey });
  const prisma = new PrismaService(config);
  await prisma.onModuleInit();
  try {
    await seedCatalog(prisma, upstreamUrl, new ChannelCredentials(config));
    const account = await prisma.account.create({ data: { name: BENCH_ACCOUNT, email: 'bench@example.com' } });
    await new LedgerRepository(prisma).post(account.id, 'top_up', parseUsdToMicros(BENCH_CREDIT_USD)!, 'bench-credit', null);
    const apiKey = await createKey(prisma, account.id, 'bench');
    await prisma.apiKey.updateMany({ where: { accountId: account.id }, data: { rpmLimit: BENCH_RPM } });
    // A zero-priced twin of the bench model: its requests reserve nothing, so the profile's probe can tell what the
    // reservation adds to latency.
    const channel = await prisma.channel.findUniqueOrThrow({ where: { name: 'mock-openai' } });
    await prisma.model.create({
      data: {
        id: FREE_MODEL,
        provider: 'openai',
        kind: 'chat',
        upstreamModel: 'gpt-4.1-mini',
        inputMicrosPerMTok: 0n,
        outputMicrosPerMTok: 0n,
        maxOutputTokens: 32_768,
        channels: { create: { channelId: channel.id } },
      },
    });
    if (policy === 'all') {
      await prisma.apiKey.updateMany({
        where: { accountId: account.id },
        data: {
          ipAllowlist: BENCH_IP_ALLOWLIST,
          dailyLimitMicros: parseUsdToMicros(BENCH_DAILY_LIMIT_USD)!,
          tpmLimit: BENCH_TPM,
        },
      });
      await prisma.account.update({ where: { id: account.id }, data: { accountRpmLimit: 2 * BENCH_RPM } });
      await prisma.model.updateMany({ data: { rpmPerAccount: BENCH_RPM } });
    }
    return { accountId: account.id, apiKey };
  } finally {
    await prisma.onModuleDestroy();
  }
}

/** The account's books after the proxy has stopped (and so finished every settlement). */
export interface BooksCheck {
  usageRecords: number;
  completedRecords: number;
  settledReservations: number;
  openReservations: number;
  reservedUsd: string;
  balanceUsd: string;
  spentUsd: string;
  ledgerMatchesBalance: boolean;
}

export async function checkBooks(databaseUrl: string, accountId: string): Promise<BooksCheck> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      usage_records: string;
      completed_records: string;
      settled: string;
      open: string;
      reserved: string;
      balance: string;
      ledger_sum: string;
      spent: string;
    }>(
      `SELECT
         (SELECT count(*) FROM usage_records WHERE account_id = $1) AS usage_records,
         (SELECT count(*) FROM usage_records WHERE account_id = $1 AND outcome = 'completed') AS completed_records,
         (SELECT count(*) FROM reservations WHERE account_id = $1 AND status = 'settled') AS settled,
         (SELECT count(*) FROM reservations WHERE account_id = $1 AND status = 'open') AS open,
         a.reserved_micros::text AS reserved,
         a.balance_micros::text AS balance,
         (SELECT coalesce(sum(amount_micros), 0) FROM ledger_entries WHERE account_id = $1)::text AS ledger_sum,
         (SELECT coalesce(-sum(amount_micros), 0) FROM ledger_entries WHERE account_id = $1 AND kind = 'settlement')::text
           AS spent
       FROM accounts a WHERE a.id = $1`,
      [accountId],
    );
    const row = rows[0];
    return {
      usageRecords: Number(row.usage_records),
      completedRecords: Number(row.completed_records),
      settledReservations: Number(row.settled),
      openReservations: Number(row.open),
      reservedUsd: formatMicrosAsUsd(BigInt(row.reserved)),
      balanceUsd: formatMicrosAsUsd(BigInt(row.balance)),
      spentUsd: formatMicrosAsUsd(BigInt(row.spent)),
      ledgerMatchesBalance: row.ledger_sum === row.balance,
    };
  } finally {
    await client.end();
  }
}
