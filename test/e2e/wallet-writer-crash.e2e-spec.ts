import { Client } from 'pg';
import { LedgerRepository } from '../../libs/db/src';
import { LEDGER_WRITERS_GROUP } from '../../libs/wallet/src';
import { holdContext, newGeneration, walletCustomer, walletRequest } from '../factories/wallet-request.factory';
import { AppProcess } from '../support/app-process';
import { closeTestDb, testDb } from '../support/test-db';
import { TEST_DATABASE_URL } from '../support/test-env';
import { walletAccountRow, walletBooksViolations } from '../support/wallet-books';
import { flushWalletPrefix, WalletHarness, walletPrefix } from '../support/wallet-harness';
import { waitFor } from '../support/wait-for';

/**
 * The worker as production runs it (its own process), on a wallet key prefix of this suite's own: its ledger writer
 * killed (SIGKILL) in the middle of a batch, another worker taking over; its relay and its sweep.
 */
describe('worker: the ledger writer killed mid-batch, the credit relay and the hold sweep', () => {
  const NAME = 'wworker';
  const env = {
    REDIS_KEY_PREFIX: walletPrefix(NAME),
    WALLET_WRITER_CLAIM_IDLE_MS: '1000',
    WALLET_WRITER_POLL_MS: '20',
    WALLET_SWEEP_EVERY_S: '1',
  };
  let h: WalletHarness;
  const workers: AppProcess[] = [];

  beforeAll(async () => {
    await flushWalletPrefix(NAME);
    h = WalletHarness.create(NAME);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await h.close();
    await closeTestDb();
  });

  /** A failed wait, told with what the worker was doing and what the stream still holds. */
  function explainWith(worker: AppProcess): (error: Error) => Promise<never> {
    return async (error) => {
      const pending = await pendingEntries().catch((e: Error) => e.message);
      throw new Error(`${error.message}\nentries pending: ${pending}\n${worker.diagnosis()}`);
    };
  }

  async function pendingEntries(): Promise<number> {
    let pending = 0;
    for (const shard of h.store.keys.allShards()) {
      const summary = (await h.redis
        .call('pending', (c) => c.xpending(h.store.keys.events(shard), LEDGER_WRITERS_GROUP))
        .catch(() => [0])) as unknown[];
      pending += Number(summary[0] ?? 0);
    }
    return pending;
  }

  it('loses nothing and writes nothing twice when a writer is killed inside its transaction', async () => {
    const customer = await walletCustomer('20.00');
    let expected = 20_000_000n;
    for (let i = 0; i < 50; i++) {
      const cost = BigInt(10_000 + i);
      await walletRequest(h.wallet, customer, 50_000n, cost);
      expected -= cost;
    }
    // Hold the account's row: the writer's batch blocks inside gw_wallet_apply, its transaction open.
    const blocker = new Client({ connectionString: TEST_DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [customer.accountId]);
      const first = await AppProcess.start('worker', env);
      workers.push(first);
      // The writer's transaction waits for our row lock (its statement text may not show yet: ask who we block).
      await waitFor(async () => {
        const { rows } = await blocker.query(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE pg_backend_pid() = ANY (pg_blocking_pids(pid))`,
        );
        return rows[0].waiting > 0;
      }, 30_000).catch(explainWith(first));
      expect(await pendingEntries()).toBeGreaterThanOrEqual(50);
      await first.stop('SIGKILL');
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
    }

    // Another worker claims the dead writer's entries once they have been idle long enough, and writes them.
    const second = await AppProcess.start('worker', env);
    workers.push(second);
    await waitFor(
      async () => (await walletAccountRow(customer.accountId)).walletSeq === 50n && (await pendingEntries()) === 0,
      30_000,
    ).catch(explainWith(second));
    expect(await walletAccountRow(customer.accountId)).toEqual({ balance: expected, walletSeq: 50n, usage: 50 });
    const db = await testDb();
    expect(await db.ledgerEntry.count({ where: { accountId: customer.accountId, kind: 'settlement' } })).toBe(50);
    expect(await walletBooksViolations(customer.accountId)).toEqual([]);
    const [inspected] = [...(await h.inspector.inspect([customer.accountId])).values()];
    expect(inspected.unflushed.size).toBe(0);
    expect(inspected.balanceMicros).toBe(expected);
  });

  it('relays a credit whose wallet call never happened, and sweeps the hold of a process that stopped beating', async () => {
    expect(workers.some((worker) => worker.child.exitCode === null)).toBe(true);
    const customer = await walletCustomer('1.00');
    await h.loader.ensureLoaded(customer.accountId);
    // Committed, then "the admin process died": no wallet call.
    await new LedgerRepository(await testDb()).post(customer.accountId, 'top_up', 3_000_000n, 'relay me', null);
    await waitFor(async () => (await h.inspector.balances([customer.accountId]))[0]?.balanceMicros === 4_000_000n, 30_000);

    const generation = newGeneration();
    await h.store.hold(customer.accountId, generation, 250_000n, 1, 'dead-proxy', JSON.stringify(holdContext(customer)));
    const db = await testDb();
    await waitFor(async () => (await db.usageRecord.findUnique({ where: { generationId: generation } }))?.outcome === 'abandoned', 30_000);
    expect((await h.inspector.balances([customer.accountId]))[0]).toMatchObject({ balanceMicros: 4_000_000n, heldMicros: 0n });
  });
});
