import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma/client';
import { CustomTypesConfig, Pool, QueryConfig, types } from 'pg';
import { APP_CONFIG, AppConfig } from '@gw/config';

const parseBigInt = (value: string) => BigInt(value);

/**
 * Type parsers for our own raw queries (the billing hot path): BIGINT as bigint, never a float or a string. Passed
 * per query rather than set globally, because Prisma's adapter expects pg's defaults on the shared pool.
 */
export const RAW_QUERY_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.INT8 ? parseBigInt : types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

/**
 * The worker's batch scans (reconciliation, usage rollups) may legitimately run longer than a request's deadline
 * (DB_QUERY_TIMEOUT_MS): they get this one instead. Still a deadline: a hung link frees the job, which is retried.
 */
export const BATCH_QUERY_TIMEOUT_MS = 10 * 60_000;

/** A query config with the batch deadline (node-postgres reads `query_timeout` per query too). */
export function batchQuery<T extends QueryConfig>(query: T): T {
  return Object.assign(query, { query_timeout: BATCH_QUERY_TIMEOUT_MS });
}

/**
 * One pg pool per process, shared by Prisma (through the driver adapter: no native engine) and by repositories that
 * need hand-written SQL on the hot path. Pool size comes from DB_POOL_MAX, set per app.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  readonly pool: Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const pool = new Pool({
      connectionString: config.db.url,
      max: config.db.poolMax,
      // Deadlines (DB_QUERY_TIMEOUT_MS) on both steps of every call, so that a hung link (a partition without a
      // reset) fails the caller promptly instead of leaving it on TCP's timers: waiting for a connection (a free one,
      // or a new one's handshake), and each query. A query past its deadline fails and its connection is discarded.
      connectionTimeoutMillis: config.db.queryTimeoutMs,
      query_timeout: config.db.queryTimeoutMs,
      idleTimeoutMillis: 30_000,
      // A peer that vanished is noticed by TCP too, not only by the next query's deadline.
      keepAlive: true,
      application_name: `chuizi:${config.instanceId}`,
    });
    super({ adapter: new PrismaPg(pool, { disposeExternalPool: false }) });
    this.pool = pool;
    // An idle client erroring (e.g. PostgreSQL restarted) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
    await this.pool.end();
  }

  /** For readiness probes (bounded by the query deadline like every call). */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}
