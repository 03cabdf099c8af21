import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { AppConfig, loadConfig } from '../../libs/config/src';
import { PrismaService, WalletRepository } from '../../libs/db/src';
import {
  LedgerWriter,
  WalletCredits,
  WalletInspector,
  WalletLoader,
  WalletRebuild,
  WalletRedis,
  WalletService,
  WalletStore,
  WalletSweeper,
} from '../../libs/wallet/src';
import { closeTestDb } from './test-db';
import { TEST_REDIS_PREFIX, TEST_REDIS_URL, testEnv } from './test-env';

/**
 * The wallet's services wired by hand (no Nest), on the test database and a Redis key prefix of the suite's own
 * (`<TEST_REDIS_PREFIX><name>:`), so that a suite may flush its wallet, and its ledger writers see only its events.
 * Every instance of one harness name shares that wallet, like proxies of one deployment.
 */
export class WalletHarness {
  readonly prisma: PrismaService;
  readonly redis: WalletRedis;
  readonly store: WalletStore;
  readonly accounts: WalletRepository;
  readonly loader: WalletLoader;
  readonly wallet: WalletService;
  readonly credits: WalletCredits;
  readonly sweeper: WalletSweeper;
  readonly inspector: WalletInspector;
  readonly rebuild: WalletRebuild;
  readonly writer: LedgerWriter;

  constructor(readonly config: AppConfig) {
    this.prisma = new PrismaService(config);
    this.redis = new WalletRedis(config);
    this.store = new WalletStore(this.redis);
    this.accounts = new WalletRepository(this.prisma);
    this.loader = new WalletLoader(this.store, this.accounts, this.redis);
    this.wallet = new WalletService(this.store, this.loader, config);
    this.credits = new WalletCredits(this.store, this.accounts);
    this.sweeper = new WalletSweeper(this.store);
    this.inspector = new WalletInspector(this.redis, this.store);
    this.rebuild = new WalletRebuild(this.loader, this.store, this.accounts);
    this.writer = new LedgerWriter(this.redis, this.store, this.accounts, config);
  }

  /** A harness on the suite's own key prefix; `env` overrides the test environment (e.g. WALLET_HOLD_TTL_S). */
  static create(name: string, env: Record<string, string> = {}): WalletHarness {
    return new WalletHarness(loadConfig(testEnv({ REDIS_KEY_PREFIX: walletPrefix(name), ...HARNESS_ENV, ...env })));
  }

  /** A harness on the run's shared key prefix: the wallet of the apps the e2e suites start. */
  static shared(env: Record<string, string> = {}): WalletHarness {
    return new WalletHarness(loadConfig(testEnv({ ...HARNESS_ENV, ...env })));
  }

  /** Runs writer passes until a pass finds nothing to write (every event so far is in PostgreSQL). */
  async flush(maxPasses = 200): Promise<void> {
    for (let pass = 0; pass < maxPasses; pass++) {
      const result = await this.writer.runOnce();
      if (result.read === 0) return;
    }
    throw new Error('the ledger writer did not catch up');
  }

  async close(): Promise<void> {
    await this.writer.stop();
    // Settlements it is still retrying finish first (up to 5 s), so that nothing of the suite writes after it. Holds a
    // test left open are those of a process that died: not waited for (the sweep's business), so the wallet closes
    // with no grace (HARNESS_ENV), and stops its heartbeats: a harness left beating keeps a timer in the test worker,
    // which goes on to other suites, failing against a Redis its suite has stopped.
    for (const until = Date.now() + 5_000; this.wallet.pendingSettlements > 0 && Date.now() < until; ) await sleep(20);
    await this.wallet.onModuleDestroy();
    await this.redis.onModuleDestroy();
    await this.prisma.onModuleDestroy();
  }
}

/** A harness's own settings, under any the suite passes: a small pool, and no wait for its open holds at close. */
const HARNESS_ENV = { DB_POOL_MAX: '4', SHUTDOWN_GRACE_MS: '0' };

export function walletPrefix(name: string): string {
  return `${TEST_REDIS_PREFIX}${name}:`;
}

/** Deletes every key of the suite's wallet (never anything outside its prefix): an empty Redis, as after a restart. */
export async function flushWalletPrefix(name: string, url = TEST_REDIS_URL): Promise<number> {
  const redis = new Redis(url);
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${walletPrefix(name)}*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/**
 * The harness of a suite on its own key prefix: flushed before the suite, closed after it (with the suite's test
 * database connection). Call at the top of a describe block.
 */
export function useWalletHarness(name: string, env: Record<string, string> = {}): WalletHarness {
  const harness = WalletHarness.create(name, env);
  beforeAll(() => flushWalletPrefix(name));
  afterAll(async () => {
    await harness.close();
    await closeTestDb();
  });
  return harness;
}
