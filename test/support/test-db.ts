import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { loadConfig } from '../../libs/config/src';
import { PrismaService } from '../../libs/db/src';
import { databaseUrlNamed, dropDatabase, ensureDatabase } from '../../scripts/ensure-database';
import { TEST_DATABASE_URL, testEnv } from './test-env';

let prisma: PrismaService | undefined;
/** What else a suite's helpers opened beside its database connection (books.ts's ledger writer), closed with it. */
const alsoClose: (() => Promise<void>)[] = [];

/** Closes `close` with the suite's test database connection (every suite calls closeTestDb in its afterAll). */
export function closeWithTestDb(close: () => Promise<void>): void {
  alsoClose.push(close);
}

/** One PrismaService per test file, on the test database. Close it in afterAll with closeTestDb(). */
export async function testDb(): Promise<PrismaService> {
  if (!prisma) {
    prisma = new PrismaService(loadConfig(testEnv({ DB_POOL_MAX: '5' })));
    await prisma.onModuleInit();
  }
  return prisma;
}

export async function closeTestDb(): Promise<void> {
  for (const close of alsoClose.splice(0)) await close();
  await prisma?.onModuleDestroy();
  prisma = undefined;
}

const TEST_DATABASE_NAME = decodeURIComponent(new URL(TEST_DATABASE_URL).pathname.slice(1));
/** Where the global setup applies the migrations, then copies from: the test database, and each scratchDatabase. */
export const MIGRATED_TEST_DATABASE_URL = databaseUrlNamed(TEST_DATABASE_URL, `${TEST_DATABASE_NAME}_migrated`);

const SCRATCH_PREFIX = `${TEST_DATABASE_NAME}_scratch_`;

/**
 * A database of the test's own, copied from the migrated, empty test database in a fraction of a second, and dropped
 * by `close`. For a test that locks whole tables: TRUNCATE locks its table and every table referring to it, which in
 * the shared test database waits on the suites writing beside it and can deadlock with them.
 */
export async function scratchDatabase(): Promise<{ pool: Pool; close(): Promise<void> }> {
  const url = databaseUrlNamed(TEST_DATABASE_URL, `${SCRATCH_PREFIX}${randomBytes(4).toString('hex')}`);
  await ensureDatabase(url, { template: MIGRATED_TEST_DATABASE_URL });
  const pool = new Pool({ connectionString: url, max: 1 });
  return {
    pool,
    close: async () => {
      await pool.end();
      await dropDatabase(url);
    },
  };
}

/** Drops the scratch databases of an earlier run that was killed before its tests closed them (the global setup). */
export async function dropLeftoverScratchDatabases(): Promise<void> {
  const server = new Client({ connectionString: databaseUrlNamed(TEST_DATABASE_URL, 'postgres') });
  await server.connect();
  try {
    const { rows } = await server.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [SCRATCH_PREFIX]);
    for (const { datname } of rows) await dropDatabase(databaseUrlNamed(TEST_DATABASE_URL, datname));
  } finally {
    await server.end();
  }
}

/** The invariant finance relies on: stored balance = sum of the ledger; reserved = open reservations. */
export async function accountBooks(accountId: string) {
  const db = await testDb();
  const { rows } = await db.pool.query<{ balance: string; reserved: string; ledger_sum: string; open_holds: string }>(
    `SELECT a.balance_micros::text AS balance, a.reserved_micros::text AS reserved,
            (SELECT COALESCE(SUM(amount_micros), 0) FROM ledger_entries l WHERE l.account_id = a.id)::text AS ledger_sum,
            (SELECT COALESCE(SUM(amount_micros), 0) FROM reservations r WHERE r.account_id = a.id AND r.status = 'open')::text AS open_holds
       FROM accounts a WHERE a.id = $1`,
    [accountId],
  );
  const row = rows[0];
  return {
    balance: BigInt(row.balance),
    reserved: BigInt(row.reserved),
    ledgerSum: BigInt(row.ledger_sum),
    openHolds: BigInt(row.open_holds),
  };
}
