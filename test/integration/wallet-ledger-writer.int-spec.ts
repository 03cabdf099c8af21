import { setTimeout as sleep } from 'node:timers/promises';
import { usageRowToJson } from '../../libs/db/src';
import { LEDGER_WRITERS_GROUP, parseEntry, StreamEntry } from '../../libs/wallet/src';
import { usageRow } from '../factories/usage-row.factory';
import { holdContext, newGeneration, walletCustomer, WalletCustomer, walletRequest } from '../factories/wallet-request.factory';
import { testDb } from '../support/test-db';
import { walletAccountRow, walletBooksViolations } from '../support/wallet-books';
import { useWalletHarness } from '../support/wallet-harness';

/** The ledger writer on real Redis and PostgreSQL: batches, idempotence, redelivery, ordering, late settlements. */
describe('wallet ledger writer', () => {
  const NAME = 'wwriter';
  // Small batches, a short claim idle so that redelivery is exercised within the test, a short retention.
  const h = useWalletHarness(NAME, { WALLET_WRITER_BATCH: '100', WALLET_WRITER_CLAIM_IDLE_MS: '300', WALLET_EVENTS_RETENTION_S: '0' });

  async function redisBalance(customer: WalletCustomer): Promise<bigint> {
    const [balance] = await h.inspector.balances([customer.accountId]);
    return balance!.balanceMicros;
  }

  /** A consumer that takes entries and never acknowledges them: a writer killed after reading. */
  async function deadWriterTakes(count: number): Promise<string[]> {
    const taken: string[] = [];
    for (const shard of h.store.keys.allShards()) {
      const key = h.store.keys.events(shard);
      await h.redis.call('group', (c) => c.xgroup('CREATE', key, LEDGER_WRITERS_GROUP, '0', 'MKSTREAM').catch(() => 'exists'));
      const reply = (await h.redis.call('read', (c) =>
        c.xreadgroup('GROUP', LEDGER_WRITERS_GROUP, 'dead-writer', 'COUNT', count, 'STREAMS', key, '>'),
      )) as [string, StreamEntry[]][] | null;
      taken.push(...(reply?.[0]?.[1] ?? []).map(([id]) => id));
    }
    return taken;
  }

  it('writes many settlements in a few multi-row transactions: one ledger row per charged request, one usage record per request', async () => {
    const customers = await Promise.all([walletCustomer('50.00'), walletCustomer('50.00'), walletCustomer('50.00')]);
    const expected = new Map<string, bigint>();
    let charged = 0;
    for (let i = 0; i < 240; i++) {
      const customer = customers[i % 3];
      const cost = i % 6 === 0 ? 0n : BigInt(1_000 + i); // every sixth request is released without a charge
      if (cost > 0n) charged++;
      const { settled } = await walletRequest(h.wallet, customer, 5_000n, cost);
      expect(settled).toMatchObject({ status: 'settled', chargedMicros: cost, heldMicros: 5_000n });
      expected.set(customer.accountId, (expected.get(customer.accountId) ?? 50_000_000n) - cost);
    }
    const apply = jest.spyOn(h.accounts, 'applyEvents');
    const passes = [await h.writer.runOnce(), await h.writer.runOnce(), await h.writer.runOnce()];
    expect(passes.reduce((sum, pass) => sum + pass.applied, 0)).toBe(240);
    expect(passes.every((pass) => pass.duplicate + pass.deferred + pass.rejected === 0)).toBe(true);
    // 240 events, read up to 100 per shard and pass, written in transactions of at most 100 events: a handful.
    const sizes = apply.mock.calls.map(([events]) => events.length);
    apply.mockRestore();
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(240);
    expect(Math.max(...sizes)).toBe(100);
    expect(sizes.length).toBeLessThanOrEqual(4);

    const db = await testDb();
    for (const customer of customers) {
      const row = await walletAccountRow(customer.accountId);
      expect(row).toMatchObject({ balance: expected.get(customer.accountId), walletSeq: 80n, usage: 80 });
      expect(await redisBalance(customer)).toBe(expected.get(customer.accountId));
      expect(await walletBooksViolations(customer.accountId)).toEqual([]);
    }
    const { rows } = await db.pool.query<{ entries: string }>(
      `SELECT COUNT(*)::text AS entries FROM ledger_entries WHERE account_id = ANY($1::uuid[]) AND kind = 'settlement'`,
      [customers.map((c) => c.accountId)],
    );
    expect(Number(rows[0].entries)).toBe(charged);
    // Written and acknowledged: nothing left for any writer, nothing unflushed.
    expect((await h.writer.runOnce()).read).toBe(0);
    const inspected = await h.inspector.inspect(customers.map((c) => c.accountId));
    for (const account of inspected.values()) expect(account.unflushed.size).toBe(0);
  });

  it('writes nothing twice: the same events applied again are duplicates and move no money', async () => {
    const customer = await walletCustomer('5.00');
    for (let i = 0; i < 5; i++) await walletRequest(h.wallet, customer, 10_000n, 2_000n);
    const shard = h.store.keys.shardOf(customer.accountId);
    const entries = await h.redis.call('read', (c) => c.xrange(h.store.keys.events(shard), '-', '+'));
    const events = entries
      .map((entry) => parseEntry(shard, entry as StreamEntry).event!)
      .filter((event) => event.accountId === customer.accountId);
    expect(events).toHaveLength(5);
    await h.flush();
    const after = await walletAccountRow(customer.accountId);
    const again = await h.accounts.applyEvents(events, null);
    expect([...again.values()]).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(await walletAccountRow(customer.accountId)).toEqual(after);
    expect(after.balance).toBe(5_000_000n - 10_000n);
    expect(await walletBooksViolations(customer.accountId)).toEqual([]);
  });

  it('redelivers what a dead writer read and never acknowledged: claimed after the idle time, written once', async () => {
    const customer = await walletCustomer('5.00');
    await h.flush();
    for (let i = 0; i < 7; i++) await walletRequest(h.wallet, customer, 10_000n, 1_000n);
    const taken = await deadWriterTakes(1_000);
    expect(taken.length).toBeGreaterThanOrEqual(7);
    // The live writer sees nothing new: the entries are pending with the dead one.
    expect((await h.writer.runOnce()).applied).toBe(0);
    expect((await walletAccountRow(customer.accountId)).usage).toBe(0);
    await sleep(400); // past WALLET_WRITER_CLAIM_IDLE_MS
    const pass = await h.writer.runOnce();
    expect(pass.claimed).toBeGreaterThanOrEqual(7);
    await h.flush();
    expect(await walletAccountRow(customer.accountId)).toMatchObject({ balance: 4_993_000n, usage: 7, walletSeq: 7n });
    expect(await walletBooksViolations(customer.accountId)).toEqual([]);
  });

  it('writes an account\'s events in order: later ones wait (deferred) while an earlier one is with a dead writer', async () => {
    const customer = await walletCustomer('5.00');
    await h.flush();
    await walletRequest(h.wallet, customer, 10_000n, 1_000n); // seq 1: taken by the dead writer below
    await deadWriterTakes(1_000);
    await walletRequest(h.wallet, customer, 10_000n, 2_000n); // seq 2
    await walletRequest(h.wallet, customer, 10_000n, 3_000n); // seq 3
    const first = await h.writer.runOnce();
    expect(first).toMatchObject({ deferred: 2, applied: 0 });
    expect(await walletAccountRow(customer.accountId)).toMatchObject({ walletSeq: 0n, usage: 0 });
    await sleep(400);
    await h.flush();
    expect(await walletAccountRow(customer.accountId)).toMatchObject({ walletSeq: 3n, usage: 3, balance: 4_994_000n });
    const db = await testDb();
    const { rows } = await db.pool.query<{ amount: string }>(
      `SELECT amount_micros::text AS amount FROM ledger_entries WHERE account_id = $1 AND kind = 'settlement' ORDER BY id`,
      [customer.accountId],
    );
    expect(rows.map((r) => r.amount)).toEqual(['-1000', '-2000', '-3000']);
  });

  it("writes the usage record's policy columns as the proxy recorded them: provider, reasoning tokens, upstream cost, stop reason", async () => {
    const customer = await walletCustomer('5.00');
    const generation = newGeneration();
    expect(await h.wallet.hold({ accountId: customer.accountId, generationId: generation, amountMicros: 9_000n, context: holdContext(customer) }))
      .toMatchObject({ status: 'held' });
    const facts = { endpoint: 'responses', provider: 'openai' as const, reasoningTokens: 5, upstreamCostMicros: 2_858n, finishReason: 'stop' };
    await h.wallet.settle({ accountId: customer.accountId, generationId: generation, costMicros: 3_000n, usage: usageRow(customer.accountId, customer.keyId, generation, facts) });
    await h.flush();
    const db = await testDb();
    expect(await db.usageRecord.findUniqueOrThrow({ where: { generationId: generation } })).toMatchObject({ ...facts, costMicros: 3_000n });
    expect(await walletBooksViolations(customer.accountId)).toEqual([]);
  });

  it('records a request whose process died as abandoned (charged what it delivered), replaced by its late settlement', async () => {
    const customer = await walletCustomer('5.00');
    const generation = newGeneration();
    await h.loader.ensureLoaded(customer.accountId);
    // A hold whose process stops beating at once (TTL 1 ms), having reported 4,000 delivered.
    await h.store.hold(customer.accountId, generation, 20_000n, 1, 'dead-proxy', JSON.stringify(holdContext(customer)));
    const shard = h.store.keys.shardOf(customer.accountId);
    await h.store.heartbeat(shard, 1, [{ generationId: generation, deliveredMicros: 4_000n, delivered: '{"inputTokens":12,"outputTokens":34}' }]);
    await sleep(20);
    expect((await h.sweeper.sweep()).closed).toBeGreaterThanOrEqual(1);
    await h.flush();
    const db = await testDb();
    const abandoned = await db.usageRecord.findUniqueOrThrow({ where: { generationId: generation } });
    expect(abandoned).toMatchObject({
      outcome: 'abandoned', status: 0, inputTokens: 12, outputTokens: 34, costMicros: 4_000n, reservedMicros: 20_000n,
      usageEstimated: true, keyId: customer.keyId,
    });
    expect(await walletAccountRow(customer.accountId)).toMatchObject({ balance: 4_996_000n });

    const late = await h.wallet.settle({
      accountId: customer.accountId,
      generationId: generation,
      costMicros: 6_500n,
      usage: usageRow(customer.accountId, customer.keyId, generation, { outputTokens: 50 }),
    });
    expect(late).toMatchObject({ status: 'late', chargedMicros: 2_500n, totalMicros: 6_500n });
    await h.flush();
    const replaced = await db.usageRecord.findUniqueOrThrow({ where: { generationId: generation } });
    expect(replaced).toMatchObject({ outcome: 'completed', status: 200, outputTokens: 50, costMicros: 6_500n, reservedMicros: 20_000n });
    const entries = await db.ledgerEntry.findMany({ where: { generationId: generation }, orderBy: { id: 'asc' } });
    expect(entries.map((e) => [e.kind, e.amountMicros])).toEqual([['settlement', -4_000n], ['late_settlement', -2_500n]]);
    expect(await walletAccountRow(customer.accountId)).toMatchObject({ balance: 4_993_500n, usage: 1 });
    expect(await walletBooksViolations(customer.accountId)).toEqual([]);
  });

  it('writes a settlement whose usage record PostgreSQL refuses without that record: the money still moves, the others are unharmed', async () => {
    const customer = await walletCustomer('5.00');
    await h.flush();
    await walletRequest(h.wallet, customer, 10_000n, 1_000n);
    const bad = newGeneration();
    await h.store.hold(customer.accountId, bad, 10_000n, 60_000, 'test', JSON.stringify(holdContext(customer)));
    // A record PostgreSQL refuses (its key does not exist), though every column reads well.
    const refused = usageRow(customer.accountId, '00000000-0000-4000-8000-00000000dead', bad);
    await h.store.settle(customer.accountId, bad, 2_000n, JSON.stringify(usageRowToJson(refused)));
    await walletRequest(h.wallet, customer, 10_000n, 3_000n);
    await h.flush();
    expect(await walletAccountRow(customer.accountId)).toMatchObject({ balance: 4_994_000n, usage: 2, walletSeq: 3n });
    const db = await testDb();
    expect(await db.ledgerEntry.count({ where: { generationId: bad } })).toBe(1);
  });

  it('tells, once a batch committed, the UTC days it wrote usage records for (whose rollups are then due)', async () => {
    const customer = await walletCustomer('5.00');
    await h.flush();
    const told: string[][] = [];
    h.writer.onUsageWritten(async (days) => void told.push(days));
    try {
      const settleDated = async (createdAt: Date) => {
        const generation = newGeneration();
        const held = await h.wallet.hold({ accountId: customer.accountId, generationId: generation, amountMicros: 10_000n, context: holdContext(customer) });
        expect(held.status).toBe('held');
        const usage = usageRow(customer.accountId, customer.keyId, generation, { createdAt });
        await h.wallet.settle({ accountId: customer.accountId, generationId: generation, costMicros: 1_000n, usage });
      };
      const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000);
      const dayOf = (at: Date) => at.toISOString().slice(0, 10);
      // Three and four days ago (a writer catching up on a backlog) beside today: each day once, in order.
      const [today, threeDaysAgo, fourDaysAgo] = [day(0), day(3), day(4)];
      await settleDated(threeDaysAgo);
      await settleDated(today);
      await settleDated(fourDaysAgo);
      await settleDated(threeDaysAgo);
      await h.flush();
      expect(told).toEqual([[dayOf(fourDaysAgo), dayOf(threeDaysAgo), dayOf(today)]]);
      expect(await walletAccountRow(customer.accountId)).toMatchObject({ usage: 4 });
      // A batch that wrote no usage record tells nothing.
      await h.flush();
      expect(told).toHaveLength(1);
    } finally {
      h.writer.onUsageWritten(async () => {});
    }
  });

  it('trims acknowledged entries after the retention, never one still pending', async () => {
    const customer = await walletCustomer('5.00');
    await h.flush();
    await walletRequest(h.wallet, customer, 10_000n, 1_000n);
    await deadWriterTakes(1_000); // pending with a dead writer: must survive the trim
    await walletRequest(h.wallet, customer, 10_000n, 1_000n);
    const shard = h.store.keys.shardOf(customer.accountId);
    const key = h.store.keys.events(shard);
    (h.writer as unknown as { nextTrimAt: number }).nextTrimAt = 0;
    await h.writer.runOnce();
    const left = await h.redis.call('read', (c) => c.xrange(key, '-', '+'));
    const pending = (await h.redis.call('read', (c) => c.xpending(key, LEDGER_WRITERS_GROUP))) as unknown[];
    expect(Number(pending[0])).toBeGreaterThanOrEqual(1);
    // Everything before the oldest pending entry is gone (retention 0), the pending one is still there.
    expect(left[0][0]).toBe(pending[1]);
    await sleep(400);
    await h.flush();
    expect(await walletAccountRow(customer.accountId)).toMatchObject({ usage: 2, walletSeq: 2n });
  });
});
