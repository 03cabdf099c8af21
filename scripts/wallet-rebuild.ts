import { formatMicrosAsUsd } from '@gw/common';
import { loadConfig } from '@gw/config';
import { PrismaService, WalletRepository } from '@gw/db';
import { accountId, RebuiltAccount, WalletLoader, WalletRebuild, WalletRedis, WalletStore } from '@gw/wallet';

const USAGE = 'usage: npm run wallet:rebuild -- <accountId> [<accountId>...] | --all';

/**
 * Rebuilds the Redis wallet from PostgreSQL by hand (README, "Rebuilding the wallet"):
 *
 *   npm run wallet:rebuild -- <accountId> [<accountId>...]   each account, loaded or not
 *   npm run wallet:rebuild -- --all                           every account the wallet has loaded
 *
 * Each account's balance becomes PostgreSQL's minus the settlements the wallet has not handed to PostgreSQL yet, its
 * open holds are summed again from their records. Safe while traffic flows. Reads the same environment as the apps
 * (DATABASE_URL, REDIS_URL / WALLET_REDIS_URL / WALLET_REDIS_CLUSTER_NODES, REDIS_KEY_PREFIX, WALLET_SHARDS).
 */
async function main(args: string[]): Promise<void> {
  const all = args.length === 1 && args[0] === '--all';
  if (args.length === 0 || (!all && args.some((arg) => arg.startsWith('-')))) throw new Error(USAGE);
  const accounts = all ? [] : args.map(accountId);
  const config = loadConfig();
  const prisma = new PrismaService(config);
  const redis = new WalletRedis(config);
  try {
    await redis.connected();
    const store = new WalletStore(redis);
    const repository = new WalletRepository(prisma);
    const rebuild = new WalletRebuild(new WalletLoader(store, repository, redis), store, repository);
    if (all) {
      let rebuilt = 0;
      const seen = await rebuild.allLoaded((account) => {
        rebuilt++;
        console.log(describe(account));
      });
      console.log(`${rebuilt} loaded account(s) rebuilt (${seen} accounts looked at; the others load on first use)`);
    } else {
      for (const id of accounts) console.log(describe(await rebuild.account(id)));
    }
  } finally {
    await redis.onModuleDestroy();
    await prisma.onModuleDestroy();
  }
}

function describe(account: RebuiltAccount): string {
  const before = account.before
    ? `was balance ${formatMicrosAsUsd(account.before.balanceMicros)}, held ${formatMicrosAsUsd(account.before.heldMicros)}`
    : 'was not loaded';
  return (
    `account ${account.accountId}: spendable ${formatMicrosAsUsd(account.spendableMicros)} USD, ` +
    `held ${formatMicrosAsUsd(account.heldMicros)}, unwritten settlements ${formatMicrosAsUsd(account.unflushedMicros)} (${before})`
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const reason = (error as { reason?: string }).reason;
  console.error(reason ?? (error instanceof Error ? error.message : error));
  process.exit(1);
});
