import OpenAI, { APIError } from 'openai';
import { setTimeout as sleep } from 'node:timers/promises';
import { accountId } from '../../libs/common/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { AppProcess } from '../support/app-process';
import { RedisServer } from '../support/redis-servers';
import { closeTestDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';
import { walletAccountRow, walletBooksViolations, walletSettled } from '../support/wallet-books';
import { WalletHarness, walletPrefix } from '../support/wallet-harness';

const NAME = 'wrestarte2e';
/** Holds expire 4 s after their last beat, swept every second; the writer polls often (the lag that can be lost). */
const WALLET_ENV = {
  WALLET_HOLD_TTL_S: '4',
  WALLET_SWEEP_EVERY_S: '1',
  WALLET_WRITER_POLL_MS: '20',
  WALLET_WRITER_CLAIM_IDLE_MS: '1000',
  WALLET_COMMAND_TIMEOUT_MS: '500',
};

/**
 * The wallet's Redis (a redis-server of the test's own, without persistence) killed and started again empty while
 * requests flow through a proxy: the proxy answers 503 while it is down and serves again once it is back, every
 * account reloading from PostgreSQL by itself (no rebuild by hand); afterwards the books balance, and the wallet
 * equals PostgreSQL. What Redis lost is bounded by what was in flight (README, "Worst case, a Redis restart without
 * persistence"): fewer records than answers, never a charge without its record. The proxy runs on the wallet whatever
 * TEST_BILLING_STORE says: this is the wallet's own behaviour. Rate limits stay on the shared Redis.
 */
describe('the wallet through a Redis restart without persistence, mid-load through a proxy', () => {
  let redis: RedisServer;
  let h: WalletHarness;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    h = WalletHarness.create(NAME, { ...WALLET_ENV, WALLET_REDIS_URL: redis.url });
    const env = { ...WALLET_ENV, WALLET_REDIS_URL: redis.url, REDIS_KEY_PREFIX: walletPrefix(NAME), BILLING_STORE: 'wallet', DEFAULT_RPM: '1000000' };
    apps.push(...(await AppProcess.together([AppProcess.start('proxy', env), AppProcess.start('worker', env)])));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
    await h?.close();
    await redis?.stop();
    await closeTestDb();
  }, 60_000);

  it('serves again on its own once Redis is back (meanwhile only 503s), and the books balance afterwards', async () => {
    const customers = await Promise.all(
      [0, 1].map(async () => {
        const account = await createAccount({ balanceUsd: '100.00' });
        const client = new OpenAI({ apiKey: (await createApiKey(account.id)).key, baseURL: `${apps[0].url}/v1`, maxRetries: 0 });
        return { account, client };
      }),
    );
    const statuses = new Map<string, number>();
    let restarted = false;
    let servedAfterRestart = 0;
    let answered = 0;
    let stopped = false;
    // Four clients back to back on the two accounts until told to stop.
    const traffic = Promise.all(
      Array.from({ length: 4 }, async (_, lane) => {
        const { client } = customers[lane % 2];
        while (!stopped) {
          let status: string;
          try {
            await client.chat.completions.create({
              model: 'gpt-4.1-mini',
              max_tokens: 8,
              messages: [{ role: 'user', content: `lane ${lane} mock:output_tokens=5` }],
            });
            status = '200';
            if (restarted) servedAfterRestart++;
          } catch (error) {
            if (!(error instanceof APIError)) throw error;
            status = `${error.status} ${(error.error as { type?: string } | undefined)?.type}`;
            await sleep(20);
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          answered++;
        }
      }),
    );

    // Killed once the ledger writer has written some of the traffic, so that Redis holds both written and unwritten events.
    await waitFor(async () => (await walletAccountRow(customers[0].account.id)).usage >= 20, 60_000);
    await redis.restart();
    restarted = true;
    await waitFor(() => servedAfterRestart >= 40, 60_000);
    stopped = true;
    await traffic;

    // Only answers the gateway gives by design: served, or 503 while the wallet could not be reached.
    expect([...statuses.keys()].filter((status) => status !== '200' && status !== '503 service_unavailable')).toEqual([]);
    for (const { account } of customers) {
      // Reloaded from PostgreSQL on its first request after the restart, by the proxy itself.
      const settled = await walletSettled(h, account.id, 60_000);
      expect(await walletBooksViolations(account.id)).toEqual([]);
      expect(settled.walletBalance).toBe(settled.balance);
      expect((await h.inspector.inspect([accountId(account.id)])).get(accountId(account.id))).toMatchObject({ holds: 0, heldMicros: 0n });
    }
    // One record per answered request at most (every one that Redis did not lose unwritten), charges included.
    const records = (await walletAccountRow(customers[0].account.id)).usage + (await walletAccountRow(customers[1].account.id)).usage;
    expect(records).toBeLessThanOrEqual(answered);
    expect(records).toBeGreaterThanOrEqual(20 + servedAfterRestart);
  }, 180_000);
});
