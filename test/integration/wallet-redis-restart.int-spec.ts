import { setTimeout as sleep } from 'node:timers/promises';
import { WalletUnavailableError } from '../../libs/wallet/src';
import { walletCustomer, WalletCustomer, walletRequest } from '../factories/wallet-request.factory';
import { RedisServer } from '../support/redis-servers';
import { closeTestDb } from '../support/test-db';
import { walletAccountRow, walletBooksViolations } from '../support/wallet-books';
import { WalletHarness } from '../support/wallet-harness';
import { waitFor } from '../support/wait-for';

/**
 * Redis restarted (SIGKILL) in the middle of traffic, with the ledger writer running: PostgreSQL's books balance
 * afterwards whatever Redis lost. Without persistence the settlements Redis had not handed to PostgreSQL yet are lost
 * (never charged: revenue, bounded by the writer's lag) and the wallet reloads every account from PostgreSQL; with an
 * fsync'd append-only file nothing is lost. On a redis-server of the suite's own (the shared one is never restarted).
 */
describe('wallet through a Redis restart mid-load', () => {
  afterAll(() => closeTestDb());

  interface Traffic {
    /** Settlements the wallet confirmed, and their costs. */
    settledMicros: bigint;
    settled: number;
    /** Settlements the wallet did not answer in time: retried in the background (drained before the checks). */
    deferredMicros: bigint;
    deferred: number;
    unavailable: number;
  }

  /** Requests back to back on the customers until `stop` resolves; counts what the wallet confirmed. */
  async function traffic(h: WalletHarness, customers: WalletCustomer[], until: Promise<void>): Promise<Traffic> {
    const totals: Traffic = { settledMicros: 0n, settled: 0, deferredMicros: 0n, deferred: 0, unavailable: 0 };
    let stopped = false;
    void until.then(() => (stopped = true));
    await Promise.all(
      Array.from({ length: 6 }, async (_, lane) => {
        for (let i = 0; !stopped; i++) {
          const cost = BigInt(1_000 + ((lane * 7 + i) % 50));
          try {
            const { settled } = await walletRequest(h.wallet, customers[lane % customers.length], 20_000n, cost);
            // duplicate: the client retried the call after a dropped connection, and Redis had run the first one.
            if (settled?.status === 'settled' || settled?.status === 'unheld' || settled?.status === 'duplicate') {
              totals.settled++;
              totals.settledMicros += cost;
            } else if (settled?.status === 'deferred') {
              totals.deferred++;
              totals.deferredMicros += cost;
            }
          } catch (error) {
            if (!(error instanceof WalletUnavailableError)) throw error;
            totals.unavailable++;
            await sleep(20);
          }
        }
      }),
    );
    return totals;
  }

  /** What the ledger charged the customers (each started with $100) and their usage records; their books balance. */
  async function ledgerTotals(customers: WalletCustomer[]): Promise<{ charged: bigint; records: number }> {
    let charged = 0n;
    let records = 0;
    for (const customer of customers) {
      expect(await walletBooksViolations(customer.accountId)).toEqual([]);
      const row = await walletAccountRow(customer.accountId);
      charged += 100_000_000n - row.balance;
      records += row.usage;
    }
    return { charged, records };
  }

  async function restartMidLoad(persistence: string[]) {
    const redis = await RedisServer.start(persistence);
    const h = WalletHarness.create(`wrestart${persistence.length}`, {
      WALLET_REDIS_URL: redis.url,
      WALLET_COMMAND_TIMEOUT_MS: '500',
      WALLET_WRITER_POLL_MS: '10',
      WALLET_WRITER_CLAIM_IDLE_MS: '500',
    });
    try {
      const customers = [await walletCustomer('100.00'), await walletCustomer('100.00')];
      h.writer.start();
      let stop!: () => void;
      const running = traffic(h, customers, new Promise<void>((resolve) => (stop = resolve)));
      await waitFor(async () => (await walletAccountRow(customers[0].accountId)).usage >= 30, 30_000);
      await redis.restart();
      // Traffic resumes on the restarted Redis (accounts reload from PostgreSQL on their next hold).
      await waitFor(async () => {
        const [balance] = await h.inspector.balances([customers[0].accountId]).catch(() => [null]);
        return balance !== null;
      }, 30_000);
      await sleep(300);
      stop();
      const totals = await running;
      await h.wallet.drain(30_000);
      await h.writer.stop();
      await h.flush();
      return { h, customers, totals, redis };
    } catch (error) {
      await h.close();
      await redis.stop();
      throw error;
    }
  }

  it('without persistence: the books balance; what was lost was never charged; the wallet matches PostgreSQL again', async () => {
    const { h, customers, totals, redis } = await restartMidLoad([]);
    try {
      const { charged, records } = await ledgerTotals(customers);
      // Never more than the requests settled; anything less is what Redis lost unwritten.
      expect(charged).toBeLessThanOrEqual(totals.settledMicros + totals.deferredMicros);
      expect(records).toBeLessThanOrEqual(totals.settled + totals.deferred);
      expect(records).toBeGreaterThan(0);
      // Rebuilt from PostgreSQL: the wallet holds exactly the books' balance.
      await h.rebuild.allLoaded(() => undefined);
      for (const customer of customers) {
        const [balance] = await h.inspector.balances([customer.accountId]);
        expect(balance?.balanceMicros).toBe((await walletAccountRow(customer.accountId)).balance);
      }
    } finally {
      await h.close();
      await redis.stop();
    }
  });

  it('with an fsync\'d append-only file: nothing is lost, every confirmed settlement is in the ledger', async () => {
    const { h, customers, totals, redis } = await restartMidLoad(['--appendonly', 'yes', '--appendfsync', 'always']);
    try {
      const { charged, records } = await ledgerTotals(customers);
      for (const customer of customers) {
        const [balance] = await h.inspector.balances([customer.accountId]);
        expect(balance).toMatchObject({ balanceMicros: (await walletAccountRow(customer.accountId)).balance, heldMicros: 0n });
      }
      // Every settlement, the ones retried across the restart included, charged exactly once.
      expect(charged).toBe(totals.settledMicros + totals.deferredMicros);
      expect(records).toBe(totals.settled + totals.deferred);
    } finally {
      await h.close();
      await redis.stop();
    }
  });
});
