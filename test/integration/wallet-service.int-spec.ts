import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { LedgerRepository } from '../../libs/db/src';
import { WalletUnavailableError } from '../../libs/wallet/src';
import { usageRow } from '../factories/usage-row.factory';
import { holdContext, newGeneration, walletCustomer, walletRequest } from '../factories/wallet-request.factory';
import { RedisServer } from '../support/redis-servers';
import { testDb } from '../support/test-db';
import { walletAccountRow, walletBooksViolations } from '../support/wallet-books';
import { flushWalletPrefix, useWalletHarness, WalletHarness } from '../support/wallet-harness';

/** WalletService as the proxy will use it, on real Redis and PostgreSQL. */
describe('WalletService', () => {
  const NAME = 'wservice';
  const h = useWalletHarness(NAME);

  it('loads an account on first use inside hold() (NEED_LOAD) and refuses what it cannot cover with the spendable balance', async () => {
    const customer = await walletCustomer('0.010000');
    const context = holdContext(customer);
    const first = await h.wallet.hold({ accountId: customer.accountId, generationId: newGeneration(), amountMicros: 6_000n, context });
    expect(first).toMatchObject({ status: 'held', spendableMicros: 4_000n });
    const refused = await h.wallet.hold({ accountId: customer.accountId, generationId: newGeneration(), amountMicros: 6_000n, context });
    expect(refused).toEqual({ status: 'refused', spendableMicros: 4_000n, dailyLeftMicros: null });
    expect(h.wallet.openHolds).toBeGreaterThanOrEqual(1);
  });

  it('answers a retried hold and a retried settlement without moving money twice', async () => {
    const customer = await walletCustomer('1.00');
    const generation = newGeneration();
    const hold = { accountId: customer.accountId, generationId: generation, amountMicros: 50_000n, context: holdContext(customer) };
    expect(await h.wallet.hold(hold)).toMatchObject({ status: 'held', spendableMicros: 950_000n });
    expect(await h.wallet.hold(hold)).toMatchObject({ status: 'already_held', spendableMicros: 950_000n });
    const settle = { accountId: customer.accountId, generationId: generation, costMicros: 12_345n, usage: usageRow(customer.accountId, customer.keyId, generation) };
    expect(await h.wallet.settle(settle)).toEqual({ status: 'settled', chargedMicros: 12_345n, heldMicros: 50_000n, spendableMicros: 987_655n });
    expect(await h.wallet.settle(settle)).toEqual({ status: 'duplicate', chargedMicros: 12_345n });
    expect(await h.wallet.hold(hold)).toEqual({ status: 'closed' });
    await h.flush();
    expect(await walletAccountRow(customer.accountId)).toMatchObject({ balance: 987_655n, usage: 1 });
    expect(await walletBooksViolations(customer.accountId)).toEqual([]);
  });

  it('keeps a running request\'s hold alive with heartbeats past its TTL, carrying what it delivered', async () => {
    // A deadline under the heartbeat interval (~333 ms), as the config requires.
    const short = WalletHarness.create(NAME, { WALLET_HOLD_TTL_S: '1', WALLET_COMMAND_TIMEOUT_MS: '300' });
    try {
      const customer = await walletCustomer('1.00');
      const generation = newGeneration();
      await short.wallet.hold({ accountId: customer.accountId, generationId: generation, amountMicros: 90_000n, context: holdContext(customer) });
      short.wallet.reportDelivered(generation, 7_000n, { inputTokens: 5, outputTokens: 9, cachedInputTokens: 0, cacheWriteTokens: 0 });
      await sleep(2_500); // more than twice the TTL: only the heartbeats (every ~333 ms) keep it
      await h.sweeper.sweep();
      const hold = await h.redis.call('read', (c) => c.hgetall(h.store.keys.hold(customer.accountId, generation)));
      expect(hold).toMatchObject({ amt: '90000', dc: '7000', du: '{"inputTokens":5,"outputTokens":9,"cachedInputTokens":0,"cacheWriteTokens":0}' });
      const settled = await short.wallet.settle({ accountId: customer.accountId, generationId: generation, costMicros: 8_000n, usage: usageRow(customer.accountId, customer.keyId, generation) });
      expect(settled).toMatchObject({ status: 'settled', chargedMicros: 8_000n });
      expect(short.wallet.openHolds).toBe(0);
    } finally {
      await short.close();
    }
  });

  it('never overdraws an account under 500 concurrent holds from three clients: exactly what the balance covers is held', async () => {
    const clients = [h, WalletHarness.create(NAME), WalletHarness.create(NAME)];
    try {
      const customer = await walletCustomer('1.00'); // 100 holds of $0.01
      const requests = Array.from({ length: 500 }, (_, i) => ({ generation: newGeneration(), client: clients[i % 3] }));
      const outcomes = await Promise.all(
        requests.map(({ generation, client }) =>
          client.wallet.hold({
            accountId: customer.accountId,
            generationId: generation,
            amountMicros: 10_000n,
            context: holdContext(customer),
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'held')).toHaveLength(100);
      expect(outcomes.filter((o) => o.status === 'refused')).toHaveLength(400);
      for (const outcome of outcomes) {
        if (outcome.status === 'held' || outcome.status === 'refused') {
          expect(outcome.spendableMicros).toBeGreaterThanOrEqual(0n);
        }
      }
      const [balance] = await h.inspector.balances([customer.accountId]);
      expect(balance).toMatchObject({ balanceMicros: 1_000_000n, heldMicros: 1_000_000n, spendableMicros: 0n });

      // Each held request settles from the client that held it, at a cost up to its hold.
      const held = requests.filter((_, i) => outcomes[i].status === 'held');
      const costs = held.map((_, i) => BigInt(1_000 + i * 37));
      const settled = await Promise.all(
        held.map(({ generation, client }, i) =>
          client.wallet.settle({
            accountId: customer.accountId,
            generationId: generation,
            costMicros: costs[i],
            usage: usageRow(customer.accountId, customer.keyId, generation),
          }),
        ),
      );
      expect(settled.every((s) => s.status === 'settled')).toBe(true);
      const total = costs.reduce((sum, cost) => sum + cost, 0n);
      await h.flush();
      expect(await walletAccountRow(customer.accountId)).toMatchObject({ balance: 1_000_000n - total, usage: 100 });
      expect((await h.inspector.balances([customer.accountId]))[0]).toMatchObject({
        balanceMicros: 1_000_000n - total,
        heldMicros: 0n,
      });
      expect(await walletBooksViolations(customer.accountId)).toEqual([]);
    } finally {
      await Promise.all(clients.slice(1).map((client) => client.close()));
    }
  });

  describe('credits: committed in PostgreSQL first, applied to the wallet exactly once', () => {
    it('relays a top-up whose wallet call never happened (a crash between the commit and the apply)', async () => {
      const customer = await walletCustomer('1.00');
      await h.loader.ensureLoaded(customer.accountId);
      // Committed with its outbox row, as the admin API does, and then the process "died": no wallet call.
      await new LedgerRepository(await testDb()).post(customer.accountId, 'top_up', 2_000_000n, 'crash test', null);
      expect((await h.inspector.balances([customer.accountId]))[0]!.balanceMicros).toBe(1_000_000n);
      const relayed = await h.credits.relay(0);
      expect(relayed).toMatchObject({ applied: 1 });
      expect((await h.inspector.balances([customer.accountId]))[0]!.balanceMicros).toBe(3_000_000n);
      const db = await testDb();
      expect(await db.walletCredit.count({ where: { accountId: customer.accountId, appliedAt: null } })).toBe(0);
      // Once only: the relay again, and the admin's own call arriving late, move nothing.
      expect((await h.credits.relay(0)).applied).toBe(0);
      expect(await h.credits.apply(customer.accountId, 2n, 2_000_000n)).toBe('duplicate');
      expect((await h.inspector.balances([customer.accountId]))[0]!.balanceMicros).toBe(3_000_000n);
    });

    it('applies a credit after the ones before it that the wallet missed, in order', async () => {
      const customer = await walletCustomer('1.00');
      await h.loader.ensureLoaded(customer.accountId);
      const ledger = new LedgerRepository(await testDb());
      await ledger.post(customer.accountId, 'top_up', 100n, 'missed', null); // credit 2, never applied
      const third = await ledger.post(customer.accountId, 'adjustment', -30n, 'then this', null); // credit 3
      expect(third.creditSeq).toBe(3n);
      expect(await h.credits.apply(customer.accountId, third.creditSeq, third.creditMicros)).toBe('applied');
      expect((await h.inspector.balances([customer.accountId]))[0]!.balanceMicros).toBe(1_000_070n);
      const db = await testDb();
      expect(await db.walletCredit.count({ where: { accountId: customer.accountId, appliedAt: null } })).toBe(0);
    });

    it('leaves an account that is not loaded alone: its next load reads the credit from PostgreSQL', async () => {
      const customer = await walletCustomer('1.00');
      const posted = await new LedgerRepository(await testDb()).post(customer.accountId, 'top_up', 500_000n, null, null);
      expect(await h.credits.apply(customer.accountId, posted.creditSeq, posted.creditMicros)).toBe('not_loaded');
      await h.loader.ensureLoaded(customer.accountId);
      expect((await h.inspector.balances([customer.accountId]))[0]!.balanceMicros).toBe(1_500_000n);
    });
  });

  it('rebuilds itself from PostgreSQL after its Redis keys are gone, and by hand', async () => {
    const customer = await walletCustomer('2.00');
    for (let i = 0; i < 4; i++) await walletRequest(h.wallet, customer, 10_000n, 3_000n);
    await h.flush();
    await flushWalletPrefix(NAME); // an empty Redis, as after a restart without persistence
    const outcome = await h.wallet.hold({ accountId: customer.accountId, generationId: newGeneration(), amountMicros: 10_000n, context: holdContext(customer) });
    expect(outcome).toMatchObject({ status: 'held', spendableMicros: 2_000_000n - 12_000n - 10_000n });
    await walletRequest(h.wallet, customer, 10_000n, 1_000n);
    await h.flush(); // the writer creates its consumer groups again
    expect(await walletAccountRow(customer.accountId)).toMatchObject({ balance: 1_987_000n, usage: 5 });
    expect(await walletBooksViolations(customer.accountId)).toEqual([]);

    await h.redis.call('corrupt', (c) => c.hset(h.store.keys.account(customer.accountId), 'bal', '5', 'held', '0'));
    const rebuilt = await h.rebuild.account(customer.accountId);
    expect(rebuilt).toMatchObject({ before: { balanceMicros: 5n, heldMicros: 0n }, heldMicros: 10_000n, spendableMicros: 1_977_000n });
    const seen: string[] = [];
    await h.rebuild.allLoaded((account) => seen.push(account.accountId));
    expect(seen).toContain(customer.accountId);
  });

  describe('deadlines', () => {
    let own: RedisServer;
    let paused: WalletHarness;
    let admin: Redis;

    beforeAll(async () => {
      own = await RedisServer.start();
      paused = WalletHarness.create('wsvcpause', { WALLET_REDIS_URL: own.url, WALLET_COMMAND_TIMEOUT_MS: '300' });
      admin = new Redis(own.url);
    });

    afterAll(async () => {
      admin.disconnect();
      await paused.close();
      await own.stop();
    });

    it('fails a hold promptly with WalletUnavailableError while Redis does not answer, defers a settlement and completes both once it answers', async () => {
      const customer = await walletCustomer('1.00');
      const settled = newGeneration();
      await paused.wallet.hold({ accountId: customer.accountId, generationId: settled, amountMicros: 10_000n, context: holdContext(customer) });
      // WRITE: every wallet script waits (they all write); CLIENT UNPAUSE still runs.
      await admin.call('CLIENT', 'PAUSE', '20000', 'WRITE');
      const started = Date.now();
      const refused = newGeneration();
      await expect(
        paused.wallet.hold({ accountId: customer.accountId, generationId: refused, amountMicros: 10_000n, context: holdContext(customer) }),
      ).rejects.toBeInstanceOf(WalletUnavailableError);
      const deferred = await paused.wallet.settle({ accountId: customer.accountId, generationId: settled, costMicros: 4_000n, usage: usageRow(customer.accountId, customer.keyId, settled) });
      expect(deferred).toEqual({ status: 'deferred' });
      expect(Date.now() - started).toBeLessThan(15_000); // well before the pause ends
      await admin.call('CLIENT', 'UNPAUSE');
      expect(await paused.wallet.drain(30_000)).toBe(0);
      // The settlement went through; the timed-out hold (run by Redis once unpaused) was released again.
      const [balance] = await paused.inspector.balances([customer.accountId]);
      expect(balance).toMatchObject({ balanceMicros: 996_000n, heldMicros: 0n, spendableMicros: 996_000n });
    });
  });
});
