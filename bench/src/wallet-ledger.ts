import { setTimeout as sleep } from 'node:timers/promises';
import { accountId } from '@gw/common';
import { loadConfig } from '@gw/config';
import { WalletInspector, WalletRedis, WalletStore } from '@gw/wallet';
import type { BenchConfig } from './bench-config';

/**
 * Waits until the wallet has no hold open and no settlement unwritten for the bench account (the worker's ledger
 * writer has caught up), so that the books check reads every request in PostgreSQL. Gives up after `timeoutMs`:
 * the books check then says what is missing.
 */
export async function waitForLedgerWriter(config: BenchConfig, account: string, timeoutMs = 120_000): Promise<void> {
  const redis = new WalletRedis(
    loadConfig({ DATABASE_URL: config.databaseUrl, REDIS_URL: config.redisUrl, REDIS_KEY_PREFIX: config.redisPrefix }),
  );
  const inspector = new WalletInspector(redis, new WalletStore(redis));
  const id = accountId(account);
  try {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) {
      const state = (await inspector.inspect([id])).get(id);
      if (state && state.holds === 0 && state.unflushed.size === 0) return;
    }
  } finally {
    await redis.onModuleDestroy();
  }
}
