import type { PrismaService } from '../../libs/db/src';

export type SettlementFailure = 'once-after-commit' | 'once-before-commit' | 'always';

/**
 * Makes the settlement queries (gw_settle, gw_settle_many) of this PrismaService's pool fail like a dropped
 * connection: once after the transaction committed (its answer lost), once before, or always (database unreachable).
 * Returns a counter of the failures so far.
 */
export function failSettlements(prisma: PrismaService, mode: SettlementFailure): () => number {
  const pool = prisma.pool as unknown as { query: (...args: unknown[]) => Promise<unknown> };
  const original = pool.query.bind(pool);
  let failures = 0;
  pool.query = async (...args: unknown[]) => {
    const config = args[0];
    const name = typeof config === 'object' && config !== null ? (config as { name?: string }).name : undefined;
    if (name?.startsWith('gw_settle') && (mode === 'always' || failures === 0)) {
      failures++;
      if (mode === 'once-after-commit') await original(...args);
      throw new Error(mode === 'always' ? 'connect ECONNREFUSED 127.0.0.1:5432' : 'Connection terminated unexpectedly');
    }
    return original(...args);
  };
  return () => failures;
}
