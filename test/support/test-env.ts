import { createHash } from 'node:crypto';

/** The environment every test process and every app spawned by a test uses. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/chuizi_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Every Redis key of a test run lives under this prefix (flushed at the start of the run). */
export const TEST_REDIS_PREFIX = process.env.TEST_REDIS_PREFIX ?? 'gwtest:';

export type TestBillingStore = 'postgres' | 'wallet';
/**
 * The money store the apps a test starts run on (passed to them as BILLING_STORE): the jest project's own
 * (GW_BILLING_STORE in its globals: the e2e-postgres project), else TEST_BILLING_STORE, else the wallet, as the apps'
 * own default. The money suites run on either, and read the books through test/support/books.ts, which knows where
 * each store writes them.
 */
export const TEST_BILLING_STORE: TestBillingStore = billingStoreOf(
  (globalThis as { GW_BILLING_STORE?: string }).GW_BILLING_STORE ?? process.env.TEST_BILLING_STORE ?? 'wallet',
);

function billingStoreOf(value: string): TestBillingStore {
  if (value !== 'postgres' && value !== 'wallet') throw new Error(`TEST_BILLING_STORE must be postgres or wallet, not ${value}`);
  return value;
}

/**
 * The Redis key prefix of the running suite's apps. On the wallet, each suite has its own (`<TEST_REDIS_PREFIX>s<8 hex
 * digits of the file name's hash>:`, since a prefix is at most 32 characters): a suite's settlement events go to its own streams, so that its ledger writers (its worker, or the
 * in-test flush of books.ts) never consume another suite's events, whichever suites run beside it. On PostgreSQL the
 * run's shared prefix, as before. Outside a test file (the global setup) the shared prefix.
 */
export function suiteRedisPrefix(): string {
  if (TEST_BILLING_STORE !== 'wallet') return TEST_REDIS_PREFIX;
  const testPath = typeof expect === 'undefined' ? undefined : expect.getState().testPath;
  if (!testPath) return TEST_REDIS_PREFIX;
  const file = testPath.split(/[\\/]/).pop()!;
  return `${TEST_REDIS_PREFIX}s${createHash('sha256').update(file).digest('hex').slice(0, 8)}:`;
}
/** Where the built apps are (GW_DIST_DIR lets several checkouts' test runs share one machine). */
export const DIST_DIR = process.env.GW_DIST_DIR ?? 'dist';
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
/**
 * Channel credentials are sealed in tests as in production (the apps refuse to start without a key unless told to
 * store them in clear). A fixed key: the test database is recreated for every run.
 */
export const TEST_CHANNEL_CREDENTIALS_KEY = '7e57c4a9e1c0ffee0ddba11d15ea5e5a7e57c4a9e1c0ffee0ddba11d15ea5e5a';

export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: suiteRedisPrefix(),
    BILLING_STORE: TEST_BILLING_STORE,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    CHANNEL_CREDENTIALS_KEY: TEST_CHANNEL_CREDENTIALS_KEY,
    LOG_LEVEL: 'warn',
    // Every test client shares 127.0.0.1: the failed-authentication limit is tested on its own, with a low value.
    AUTH_FAILURE_LIMIT: '1000000',
    // Suites run in parallel on a shared machine whose event loop may lag under their bursts: shedding on event-loop
    // delay is tested on its own (load-shedding.e2e-spec.ts), elsewhere it would refuse requests at random.
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    DB_POOL_MAX: '10',
    // Proxies of every suite beat twice a second, so that a suite may sweep with a window of a few seconds without
    // taking the live holds of the suites running beside it.
    HOLD_HEARTBEAT_EVERY_MS: '500',
    // Suites read the records the ledger writer writes after each request: passes 50 ms apart rather than the default
    // 500 (which makes PostgreSQL's work per request cheaper under load) keep their waits short. The gathering itself
    // is tested on its own (wallet-writer-gather.int-spec.ts).
    WALLET_WRITER_GATHER_MS: '50',
    // Balance-alert webhooks of tests are receivers on 127.0.0.1. Every suite's worker checks every account's alerts
    // (one database), so any of them may deliver a suite's event: all of them may reach local receivers.
    ALERT_WEBHOOK_ALLOW_PRIVATE: 'true',
    ...overrides,
  };
}

/** Set by the global setup: where the run's shared mock upstream listens. */
export function sharedMockUrl(): string {
  const url = process.env.GW_TEST_MOCK_URL;
  if (!url) throw new Error('GW_TEST_MOCK_URL is not set: run tests through jest (global setup)');
  return url;
}
