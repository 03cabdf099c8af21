import { TEST_BILLING_STORE } from '../support/test-env';
import { WalletHarness } from '../support/wallet-harness';

/**
 * On the wallet (TEST_BILLING_STORE=wallet) a request's usage record and ledger entries are written by a ledger
 * writer, not by the proxy. Every e2e suite gets one for its whole run, in-process on the suite's own key prefix (the
 * one testEnv gives its apps), as a worker beside the proxies would be in a deployment: suites that poll PostgreSQL
 * for what a proxy did see it written. books.ts flushes on top of it where a suite needs "every settlement so far"
 * at once. Its own consumer name, distinct from the flush's, so that neither claims what the other is writing.
 */
if (TEST_BILLING_STORE === 'wallet') {
  let harness: WalletHarness | undefined;
  beforeAll(() => {
    harness = WalletHarness.shared({ INSTANCE_ID: `suite-writer-${process.pid}`, WALLET_WRITER_POLL_MS: '20' });
    harness.writer.start();
  });
  afterAll(async () => {
    await harness?.close();
    harness = undefined;
  });
}
