import { setTimeout as sleep } from 'node:timers/promises';
import { newGenerationId } from '../../libs/common/src';
import {
  accountId,
  AccountId,
  DONE_TTL_S,
  generationId,
  GenerationId,
  LEDGER_WRITERS_GROUP,
  shardOf,
  WalletLayoutError,
} from '../../libs/wallet/src';
import { createAccount } from '../factories/account.factory';
import { useWalletHarness, WalletHarness } from '../support/wallet-harness';

/**
 * Every branch of every wallet script, one Redis round trip each, on the real Redis (the suite's own key prefix) and
 * the test database for loads.
 */
describe('wallet scripts on Redis', () => {
  const NAME = 'wscripts';
  const h = useWalletHarness(NAME);
  const TTL_MS = 60_000;

  const gen = (): GenerationId => generationId(newGenerationId());
  const ctx = JSON.stringify({ keyId: '00000000-0000-4000-8000-000000000000', model: 'm', createdAt: new Date() });

  /** A PostgreSQL account with `balance` micro-dollars, loaded into the wallet. */
  async function loadedAccount(balance = 10_000_000n): Promise<AccountId> {
    const account = accountId((await createAccount({ balanceUsd: (Number(balance) / 1e6).toFixed(6) })).id);
    const snapshot = (await h.accounts.snapshot(account))!;
    expect(await h.store.load(account, snapshot, 'absent')).toMatchObject({ kind: 'LOADED' });
    return account;
  }

  async function accountHash(account: AccountId): Promise<Record<string, string>> {
    return h.redis.call('read', (client) => client.hgetall(h.store.keys.account(account)));
  }

  async function streamEntries(account: AccountId): Promise<Record<string, string>[]> {
    const key = h.store.keys.events(h.store.keys.shardOf(account));
    const entries = await h.redis.call('read', (client) => client.xrange(key, '-', '+'));
    return entries
      .map(([, flat]) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : []))))
      .filter((fields) => fields.a === account);
  }

  describe('hold', () => {
    it('answers NEED_LOAD for an account the wallet has not loaded, and holds nothing', async () => {
      const account = accountId((await createAccount()).id);
      const g = gen();
      expect(await h.store.hold(account, g, 1_000n, TTL_MS, 'test', ctx)).toEqual({ kind: 'NEED_LOAD' });
      expect(await h.redis.call('read', (c) => c.exists(h.store.keys.hold(account, g)))).toBe('0');
    });

    it('holds up to the spendable balance exactly, refuses one micro-dollar more, and reports the spendable balance', async () => {
      const account = await loadedAccount(5_000n);
      const first = await h.store.hold(account, gen(), 3_000n, TTL_MS, 'test', ctx);
      expect(first).toMatchObject({ kind: 'HELD', spendable: 2_000n });
      expect(await h.store.hold(account, gen(), 2_001n, TTL_MS, 'test', ctx)).toEqual({ kind: 'REFUSED', spendable: 2_000n, dailyLeft: null });
      expect(await h.store.hold(account, gen(), 2_000n, TTL_MS, 'test', ctx)).toMatchObject({ kind: 'HELD', spendable: 0n });
      expect(await accountHash(account)).toMatchObject({ bal: '5000', held: '5000' });
    });

    it('records the hold with its expiry (Redis clock) in the shard index', async () => {
      const account = await loadedAccount();
      const g = gen();
      const before = Date.now();
      const reply = await h.store.hold(account, g, 700n, TTL_MS, 'proxy-1', ctx);
      if (reply.kind !== 'HELD') throw new Error(reply.kind);
      expect(reply.expiry).toBeGreaterThanOrEqual(before + TTL_MS - 5_000);
      const hold = await h.redis.call('read', (c) => c.hgetall(h.store.keys.hold(account, g)));
      expect(hold).toMatchObject({ acct: account, amt: '700', own: 'proxy-1', ctx, dc: '0', exp: String(reply.expiry) });
      const score = await h.redis.call('read', (c) => c.zscore(h.store.keys.holds(h.store.keys.shardOf(account)), g));
      expect(score).toBe(String(reply.expiry));
    });

    it('is idempotent per generation: a retried hold answers ALREADY and holds nothing more', async () => {
      const account = await loadedAccount(10_000n);
      const g = gen();
      await h.store.hold(account, g, 4_000n, TTL_MS, 'test', ctx);
      expect(await h.store.hold(account, g, 4_000n, TTL_MS, 'test', ctx)).toMatchObject({ kind: 'ALREADY', spendable: 6_000n });
      expect((await accountHash(account)).held).toBe('4000');
    });

    it('answers CONFLICT when the generation holds money on another account, CLOSED once it was settled', async () => {
      const account = await loadedAccount();
      let other = await loadedAccount();
      while (shardOf(other, h.store.keys.shards) !== shardOf(account, h.store.keys.shards)) other = await loadedAccount();
      const g = gen();
      await h.store.hold(account, g, 100n, TTL_MS, 'test', ctx);
      expect(await h.store.hold(other, g, 100n, TTL_MS, 'test', ctx)).toEqual({ kind: 'CONFLICT' });
      await h.store.settle(account, g, 50n, '');
      expect(await h.store.hold(account, g, 100n, TTL_MS, 'test', ctx)).toEqual({ kind: 'CLOSED' });
    });

    it('refuses a hold of zero or less in the script itself', async () => {
      const account = await loadedAccount();
      await expect(h.store.hold(account, gen(), 0n, TTL_MS, 'test', ctx)).rejects.toThrow(/positive/);
    });
  });

  describe('settle', () => {
    it('releases the hold, charges the cost, appends the event with the usage record, and marks the generation done', async () => {
      const account = await loadedAccount(10_000n);
      const g = gen();
      await h.store.hold(account, g, 4_000n, TTL_MS, 'test', ctx);
      const reply = await h.store.settle(account, g, 1_234n, '{"status":200}');
      expect(reply).toEqual({ kind: 'SETTLED', charged: 1_234n, held: 4_000n, spendable: 8_766n, seq: 1n });
      expect(await accountHash(account)).toMatchObject({ bal: '8766', held: '0', eseq: '1' });
      expect(await streamEntries(account)).toEqual([
        { a: account, g, k: 'settle', c: '1234', t: '1234', h: '4000', s: '1', u: '{"status":200}', d: '' },
      ]);
      const unflushed = await h.redis.call('read', (c) => c.hgetall(h.store.keys.unflushed(account)));
      expect(unflushed).toEqual({ '1': '1234' });
      const done = await h.redis.call('read', (c) => c.get(h.store.keys.done(account, g)));
      expect(done).toBe('settled:1234:4000');
      const ttl = Number(await h.redis.call('read', (c) => c.ttl(h.store.keys.done(account, g))));
      expect(ttl).toBeGreaterThan(DONE_TTL_S - 60);
      expect(await h.redis.call('read', (c) => c.exists(h.store.keys.hold(account, g)))).toBe('0');
    });

    it('keeps the usage record for the generation lookup when asked, in the same call, and a duplicate leaves it be', async () => {
      const account = await loadedAccount(10_000n);
      const g = gen();
      const record = h.store.keys.generationRecord(account, g);
      await h.store.hold(account, g, 4_000n, TTL_MS, 'test', ctx);
      await h.store.settle(account, g, 1_000n, '{"status":200}', 900);
      expect(await h.store.generationRecord(account, g)).toBe('{"status":200}');
      const ttl = Number(await h.redis.call('read', (c) => c.ttl(record)));
      expect(ttl).toBeGreaterThan(800);
      expect(ttl).toBeLessThanOrEqual(900);
      await h.store.settle(account, g, 1_000n, '{"status":500}', 900);
      expect(await h.store.generationRecord(account, g)).toBe('{"status":200}');
      // Not asked (TTL 0), or no record to keep: nothing is written.
      const quiet = gen();
      await h.store.hold(account, quiet, 4_000n, TTL_MS, 'test', ctx);
      await h.store.settle(account, quiet, 1_000n, '{"status":200}');
      expect(await h.store.generationRecord(account, quiet)).toBeNull();
      const unheld = gen();
      await h.store.settle(account, unheld, 10n, '', 900);
      expect(await h.store.generationRecord(account, unheld)).toBeNull();
    });

    it('is a DUPLICATE the second time: nothing moves, no second event', async () => {
      const account = await loadedAccount(10_000n);
      const g = gen();
      await h.store.hold(account, g, 4_000n, TTL_MS, 'test', ctx);
      await h.store.settle(account, g, 1_000n, '');
      expect(await h.store.settle(account, g, 1_000n, '')).toEqual({ kind: 'DUPLICATE', charged: 1_000n });
      expect(await accountHash(account)).toMatchObject({ bal: '9000', held: '0', eseq: '1' });
      expect(await streamEntries(account)).toHaveLength(1);
    });

    it('charges a settlement whose hold is unknown (lost with a restart) anyway: UNHELD', async () => {
      const account = await loadedAccount(10_000n);
      const reply = await h.store.settle(account, gen(), 2_500n, '');
      expect(reply).toMatchObject({ kind: 'UNHELD', charged: 2_500n, spendable: 7_500n, seq: 1n });
      expect((await streamEntries(account))[0]).toMatchObject({ k: 'unheld', c: '2500', h: '0' });
    });

    it('answers NEED_LOAD for an account not loaded and CONFLICT for a hold of another account', async () => {
      const cold = accountId((await createAccount()).id);
      expect(await h.store.settle(cold, gen(), 1n, '')).toEqual({ kind: 'NEED_LOAD' });
      const account = await loadedAccount();
      let other = await loadedAccount();
      while (shardOf(other, h.store.keys.shards) !== shardOf(account, h.store.keys.shards)) other = await loadedAccount();
      const g = gen();
      await h.store.hold(account, g, 100n, TTL_MS, 'test', ctx);
      expect(await h.store.settle(other, g, 10n, '')).toEqual({ kind: 'CONFLICT' });
    });

    it('after the sweep charged the delivered cost, charges only the rest (LATE), or refunds the excess', async () => {
      const account = await loadedAccount(100_000n);
      const [g1, g2] = [gen(), gen()];
      await h.store.hold(account, g1, 9_000n, 1, 'dead-proxy', ctx);
      await h.store.hold(account, g2, 9_000n, 1, 'dead-proxy', ctx);
      const shard = h.store.keys.shardOf(account);
      await h.store.heartbeat(shard, 1, [
        { generationId: g1, deliveredMicros: 3_000n, delivered: '{"outputTokens":30}' },
        { generationId: g2, deliveredMicros: 5_000n, delivered: '{"outputTokens":50}' },
      ]);
      await sleep(20);
      await h.store.sweep(shard, 1_000);
      expect(await accountHash(account)).toMatchObject({ bal: String(100_000 - 8_000), held: '0' });
      expect(await h.store.settle(account, g1, 4_000n, '{"outcome":"completed"}')).toMatchObject({
        kind: 'LATE',
        charged: 1_000n,
        total: 4_000n,
      });
      expect(await h.store.settle(account, g2, 4_500n, '{"outcome":"completed"}')).toMatchObject({
        kind: 'LATE',
        charged: -500n,
        total: 4_500n,
      });
      expect(await accountHash(account)).toMatchObject({ bal: String(100_000 - 8_500) });
      expect(await h.store.settle(account, g1, 4_000n, '')).toEqual({ kind: 'DUPLICATE', charged: 4_000n });
      const kinds = (await streamEntries(account)).map((e) => [e.k, e.g, e.c, e.t, e.h]);
      expect(kinds).toEqual(
        expect.arrayContaining([
          ['abandoned', g1, '3000', '3000', '9000'],
          ['abandoned', g2, '5000', '5000', '9000'],
          ['late', g1, '1000', '4000', '9000'],
          ['late', g2, '-500', '4500', '9000'],
        ]),
      );
    });

    it('refuses a negative cost in the script itself', async () => {
      const account = await loadedAccount();
      await expect(h.store.settle(account, gen(), -1n, '')).rejects.toThrow(/negative/);
    });
  });

  describe("the key's day (daily spending limit)", () => {
    const keyDay = (keyId: string, limitMicros: bigint | null = null) => ({ keyId, limitMicros });
    const newKey = () => `k-${newGenerationId()}`;
    const spent = (account: AccountId, keyId: string) => h.store.keySpentToday(account, keyId);

    it('counts open holds against the limit atomically: LIMITED past it (nothing held), HELD up to it exactly', async () => {
      const account = await loadedAccount(50_000n);
      const key = newKey();
      expect(await h.store.hold(account, gen(), 6_000n, TTL_MS, 'test', ctx, keyDay(key, 10_000n))).toMatchObject({ kind: 'HELD' });
      expect(await h.store.hold(account, gen(), 4_001n, TTL_MS, 'test', ctx, keyDay(key, 10_000n))).toEqual({
        kind: 'LIMITED',
        spendable: 44_000n,
        dailyLeft: 4_000n,
      });
      expect(await accountHash(account)).toMatchObject({ held: '6000' });
      expect(await h.store.hold(account, gen(), 4_000n, TTL_MS, 'test', ctx, keyDay(key, 10_000n))).toMatchObject({ kind: 'HELD' });
      expect(await spent(account, key)).toBe(10_000n);
      // Another key of the account has a day of its own; the balance refuses with what the limit leaves.
      expect(await h.store.hold(account, gen(), 50_000n, TTL_MS, 'test', ctx, keyDay(newKey(), 60_000n))).toEqual({
        kind: 'REFUSED',
        spendable: 40_000n,
        dailyLeft: 60_000n,
      });
    });

    it("moves the day's figure from the hold to the cost on settlement, and to the delivered cost on a sweep", async () => {
      const account = await loadedAccount(50_000n);
      const shard = h.store.keys.shardOf(account);
      const key = newKey();
      const [settled, released, swept] = [gen(), gen(), gen()];
      await h.store.hold(account, settled, 5_000n, TTL_MS, 'test', ctx, keyDay(key));
      await h.store.hold(account, released, 3_000n, TTL_MS, 'test', ctx, keyDay(key));
      await h.store.hold(account, swept, 7_000n, 1, 'dead', ctx, keyDay(key));
      expect(await spent(account, key)).toBe(15_000n);
      await h.store.settle(account, settled, 1_200n, '{}');
      await h.store.settle(account, released, 0n, '{}');
      expect(await spent(account, key)).toBe(8_200n);
      await h.store.heartbeat(shard, 1, [{ generationId: swept, deliveredMicros: 2_000n, delivered: '' }]);
      await sleep(20);
      await h.store.sweep(shard, 10_000);
      expect(await spent(account, key)).toBe(3_200n);
      // A duplicate settlement moves nothing.
      await h.store.settle(account, settled, 1_200n, '{}');
      expect(await spent(account, key)).toBe(3_200n);
    });

    it("leaves a new day's figure alone when a hold of the previous day closes", async () => {
      const account = await loadedAccount(50_000n);
      const key = newKey();
      const g = gen();
      await h.store.hold(account, g, 5_000n, TTL_MS, 'test', ctx, keyDay(key));
      // As if midnight (UTC) passed while the request ran: the key's figure was started afresh by a hold of the new day.
      await h.redis.call('write', (c) => c.hset(h.store.keys.hold(account, g), 'dy', '1'));
      await h.store.settle(account, g, 1_000n, '{}');
      expect(await spent(account, key)).toBe(5_000n);
    });

    it('counts no key without one (scripts driven directly)', async () => {
      const account = await loadedAccount(50_000n);
      expect(await h.store.hold(account, gen(), 60_000n, TTL_MS, 'test', ctx)).toEqual({ kind: 'REFUSED', spendable: 50_000n, dailyLeft: null });
    });
  });

  describe('heartbeat', () => {
    it('extends the holds of a shard and records what each delivered; a closed hold answers gone', async () => {
      const account = await loadedAccount();
      const shard = h.store.keys.shardOf(account);
      const [open, settled] = [gen(), gen()];
      const held = await h.store.hold(account, open, 100n, 2_000, 'test', ctx);
      await h.store.hold(account, settled, 100n, 2_000, 'test', ctx);
      await h.store.settle(account, settled, 10n, '');
      const alive = await h.store.heartbeat(shard, TTL_MS, [
        { generationId: open, deliveredMicros: 42n, delivered: '{"outputTokens":7}' },
        { generationId: settled, deliveredMicros: 10n, delivered: '' },
      ]);
      expect(alive).toEqual([true, false]);
      const hold = await h.redis.call('read', (c) => c.hgetall(h.store.keys.hold(account, open)));
      expect(hold).toMatchObject({ dc: '42', du: '{"outputTokens":7}' });
      expect(Number(hold.exp)).toBeGreaterThan((held as { expiry: number }).expiry + 30_000);
      // The settled generation did not come back into the index.
      expect(await h.redis.call('read', (c) => c.zscore(h.store.keys.holds(shard), settled))).toBeNull();
    });
  });

  describe('sweep', () => {
    it('closes expired holds only: released, charged the delivered cost, abandoned event with context and delivered usage', async () => {
      const account = await loadedAccount(50_000n);
      const shard = h.store.keys.shardOf(account);
      const [dead, alive] = [gen(), gen()];
      await h.store.hold(account, dead, 7_000n, 1, 'dead', ctx);
      await h.store.hold(account, alive, 7_000n, TTL_MS, 'alive', ctx);
      await h.store.heartbeat(shard, 1, [{ generationId: dead, deliveredMicros: 2_000n, delivered: '{"outputTokens":3}' }]);
      await sleep(20);
      const report = await h.store.sweep(shard, 10_000);
      expect(report.closed).toBeGreaterThanOrEqual(1);
      expect(await accountHash(account)).toMatchObject({ bal: '48000', held: '7000' });
      const [event] = (await streamEntries(account)).filter((e) => e.g === dead);
      expect(event).toMatchObject({ k: 'abandoned', c: '2000', h: '7000', u: ctx, d: '{"outputTokens":3}' });
      expect(await h.redis.call('read', (c) => c.get(h.store.keys.done(account, dead)))).toBe('swept:2000:7000');
      expect(await h.redis.call('read', (c) => c.exists(h.store.keys.hold(account, alive)))).toBe('1');
    });

    it('closes each hold once however many sweepers run at the same time, and drops index entries without a hold', async () => {
      const account = await loadedAccount(1_000_000n);
      const shard = h.store.keys.shardOf(account);
      const gens = Array.from({ length: 30 }, gen);
      for (const g of gens) await h.store.hold(account, g, 1_000n, 1, 'dead', ctx);
      await h.redis.call('plant', (c) => c.zadd(h.store.keys.holds(shard), 1, 'gen-without-hold'));
      await sleep(20);
      const reports = await Promise.all(Array.from({ length: 5 }, () => h.store.sweep(shard, 10_000)));
      expect(reports.reduce((sum, r) => sum + r.orphans, 0)).toBeGreaterThanOrEqual(1);
      expect(await accountHash(account)).toMatchObject({ bal: '1000000', held: '0' });
      const abandoned = (await streamEntries(account)).filter((e) => e.k === 'abandoned');
      expect(abandoned).toHaveLength(30);
      expect(new Set(abandoned.map((e) => e.s)).size).toBe(30);
    });
  });

  describe('credit', () => {
    it('applies credits in order exactly once: APPLIED, DUPLICATE, GAP', async () => {
      const account = await loadedAccount(1_000n);
      // createAccount's top-up was credit 1 (in the snapshot).
      expect(await h.store.credit(account, 1n, 1_000n)).toEqual({ kind: 'DUPLICATE', creditSeq: 1n });
      expect(await h.store.credit(account, 3n, 500n)).toEqual({ kind: 'GAP', creditSeq: 1n });
      expect(await h.store.credit(account, 2n, 250n)).toEqual({ kind: 'APPLIED', spendable: 1_250n });
      expect(await h.store.credit(account, 2n, 250n)).toEqual({ kind: 'DUPLICATE', creditSeq: 2n });
      expect(await h.store.credit(account, 3n, -500n)).toEqual({ kind: 'APPLIED', spendable: 750n });
      expect(await accountHash(account)).toMatchObject({ bal: '750', cseq: '3' });
    });

    it('answers NOT_LOADED for an account not loaded, and remembers the credit for a racing load', async () => {
      const account = accountId((await createAccount()).id);
      expect(await h.store.credit(account, 5n, 1n)).toEqual({ kind: 'NOT_LOADED' });
      expect(await h.redis.call('read', (c) => c.get(h.store.keys.credited(account)))).toBe('5');
      expect(await h.redis.call('read', (c) => c.exists(h.store.keys.account(account)))).toBe('0');
    });
  });

  describe('load', () => {
    it('loads from the snapshot, once: a second absent-mode load answers PRESENT and changes nothing', async () => {
      const account = accountId((await createAccount({ balanceUsd: '3.00' })).id);
      const snapshot = (await h.accounts.snapshot(account))!;
      expect(snapshot).toEqual({ balanceMicros: 3_000_000n, creditSeq: 1n, walletSeq: 0n });
      expect(await h.store.load(account, snapshot, 'absent')).toMatchObject({ kind: 'LOADED', spendable: 3_000_000n, before: null });
      expect(await h.store.load(account, { ...snapshot, balanceMicros: 1n }, 'absent')).toEqual({ kind: 'PRESENT' });
      expect(await accountHash(account)).toEqual({ bal: '3000000', held: '0', cseq: '1', eseq: '0' });
    });

    it('takes off the balance the events PostgreSQL does not have yet (seq above wallet_seq), and keeps numbering after them', async () => {
      const account = await loadedAccount(10_000n);
      for (const cost of [100n, 200n, 300n]) await h.store.settle(account, gen(), cost, '');
      await h.redis.call('drop', (c) => c.del(h.store.keys.account(account))); // lost, the events are not
      const reply = await h.store.load(account, { balanceMicros: 9_900n, creditSeq: 1n, walletSeq: 1n }, 'absent');
      expect(reply).toMatchObject({ kind: 'LOADED', spendable: 9_400n, eventSeq: 3n, unflushed: 500n });
      expect(await accountHash(account)).toMatchObject({ bal: '9400', eseq: '3' });
    });

    it('refuses a snapshot older than the wallet: STALE when a writer confirmed a later event or a credit arrived', async () => {
      const account = await loadedAccount(10_000n);
      await h.store.settle(account, gen(), 100n, '');
      await h.store.acknowledge(h.store.keys.shardOf(account), [], new Map([[account, [1n]]]));
      await h.redis.call('drop', (c) => c.del(h.store.keys.account(account)));
      expect(await h.store.load(account, { balanceMicros: 10_000n, creditSeq: 1n, walletSeq: 0n }, 'absent')).toEqual({
        kind: 'STALE',
      });
      expect(await h.store.credit(account, 2n, 5n)).toEqual({ kind: 'NOT_LOADED' });
      expect(await h.store.load(account, { balanceMicros: 9_900n, creditSeq: 1n, walletSeq: 1n }, 'absent')).toEqual({
        kind: 'STALE',
      });
      expect(await h.store.load(account, { balanceMicros: 9_905n, creditSeq: 2n, walletSeq: 1n }, 'absent')).toMatchObject({
        kind: 'LOADED',
        spendable: 9_905n,
      });
    });

    it('rebuilds a loaded account in replace mode: balance from the snapshot, held summed from its hold records', async () => {
      const account = await loadedAccount(10_000n);
      const g = gen();
      await h.store.hold(account, g, 3_000n, TTL_MS, 'test', ctx);
      await h.redis.call('corrupt', (c) => c.hset(h.store.keys.account(account), 'bal', '1', 'held', '999'));
      const reply = await h.store.load(account, { balanceMicros: 10_000n, creditSeq: 1n, walletSeq: 0n }, 'replace');
      expect(reply).toMatchObject({ kind: 'LOADED', spendable: 7_000n, held: 3_000n, before: { balance: 1n, held: 999n } });
      expect(await h.store.load(account, { balanceMicros: 10_000n, creditSeq: 0n, walletSeq: 0n }, 'replace')).toEqual({
        kind: 'STALE',
      });
    });
  });

  describe('layout', () => {
    it('refuses to run with another shard count than the wallet was set up with', async () => {
      await loadedAccount(); // the suite's wallet has its layout (16 shards) recorded
      const other = WalletHarness.create(NAME, { WALLET_SHARDS: '8' });
      try {
        const account = accountId((await createAccount()).id);
        await expect(other.store.hold(account, gen(), 1n, TTL_MS, 'test', ctx)).rejects.toBeInstanceOf(WalletLayoutError);
        await expect(other.store.credit(account, 1n, 1n)).rejects.toThrow(/WALLET_SHARDS is 8 but this Redis holds a wallet of 16/);
      } finally {
        await other.close();
      }
    });
  });

  describe('acknowledge and inspect', () => {
    it('acknowledges entries, drops the unflushed events written, and records the highest seq written', async () => {
      const account = await loadedAccount(10_000n);
      const shard = h.store.keys.shardOf(account);
      const key = h.store.keys.events(shard);
      await h.redis.call('group', (c) => c.xgroup('CREATE', key, LEDGER_WRITERS_GROUP, '0', 'MKSTREAM').catch(() => 'exists'));
      for (const cost of [10n, 20n, 30n]) await h.store.settle(account, gen(), cost, '');
      const read = (await h.redis.call('read', (c) =>
        c.xreadgroup('GROUP', LEDGER_WRITERS_GROUP, 'test', 'COUNT', 10_000, 'STREAMS', key, '>'),
      )) as [string, [string, string[]][]][];
      const mine = read[0][1].filter(([, f]) => f[1] === account).map(([id]) => id);
      expect(await h.store.acknowledge(shard, mine.slice(0, 2), new Map([[account, [1n, 2n]]]))).toBe(2);
      expect(await h.redis.call('read', (c) => c.hgetall(h.store.keys.unflushed(account)))).toEqual({ '3': '30', f: '2' });
      const inspection = await h.store.inspect(shard, [account], 0);
      expect(inspection.accounts[0]).toMatchObject({ loaded: true, balanceMicros: 9_940n, eventSeq: 3n, holds: 0 });
      expect([...inspection.accounts[0].unflushed]).toEqual([[3n, 30n]]);
    });

    it('sums each account\'s hold records and counts the shard\'s holds expired beyond the grace', async () => {
      const account = await loadedAccount(10_000n);
      const shard = h.store.keys.shardOf(account);
      await h.store.hold(account, gen(), 1_000n, TTL_MS, 'test', ctx);
      await h.store.hold(account, gen(), 2_000n, TTL_MS, 'test', ctx);
      const cold = accountId((await createAccount()).id);
      const inspection = await h.store.inspect(shard, [account, cold], 0);
      expect(inspection.accounts[0]).toMatchObject({ loaded: true, heldMicros: 3_000n, holds: 2, holdsMicros: 3_000n });
      expect(inspection.accounts[1]).toMatchObject({ loaded: false, holds: 0 });
    });
  });
});
