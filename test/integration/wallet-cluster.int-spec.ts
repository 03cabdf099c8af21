import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { LedgerRepository } from '../../libs/db/src';
import { usageRow } from '../factories/usage-row.factory';
import { holdContext, newGeneration, walletCustomer, WalletCustomer, walletRequest } from '../factories/wallet-request.factory';
import { RedisCluster } from '../support/redis-servers';
import { closeTestDb, testDb } from '../support/test-db';
import { walletAccountRow, walletBooksViolations } from '../support/wallet-books';
import { WalletHarness } from '../support/wallet-harness';

/**
 * The wallet on a Redis Cluster of three masters that this suite starts itself (redis-server in cluster mode on
 * spare ports, joined by redis-cli --cluster create) and tears down afterwards: every script touches one slot (its
 * shard's hash tag), so all of them run unchanged, and the shards spread over the masters.
 */
describe('wallet on a three-master Redis Cluster', () => {
  let cluster: RedisCluster | undefined;
  let a: WalletHarness;
  let b: WalletHarness;

  beforeAll(async () => {
    cluster = await RedisCluster.start(3);
    const env = { WALLET_REDIS_CLUSTER_NODES: cluster.seedNodes, WALLET_WRITER_CLAIM_IDLE_MS: '300' };
    a = WalletHarness.create('wcluster', env);
    b = WalletHarness.create('wcluster', env);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await cluster?.stop();
    await closeTestDb();
  });

  /** Customers until their shards cover every master of the cluster. */
  async function customersOnEveryMaster(): Promise<WalletCustomer[]> {
    const client = new Redis(cluster!.nodes[0].port, '127.0.0.1');
    try {
      const slots = (await client.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
      const masterOf = async (key: string) => {
        const slot = Number(await client.cluster('KEYSLOT', key));
        return slots.find(([from, to]) => slot >= from && slot <= to)![2][1];
      };
      const customers: WalletCustomer[] = [];
      const masters = new Set<number>();
      while (masters.size < 3 && customers.length < 60) {
        const customer = await walletCustomer('10.00');
        customers.push(customer);
        masters.add(await masterOf(a.store.keys.account(customer.accountId)));
      }
      expect(masters.size).toBe(3);
      return customers;
    } finally {
      client.disconnect();
    }
  }

  it('holds, settles, beats, sweeps, credits, loads and writes the ledger on every master', async () => {
    const customers = await customersOnEveryMaster();
    const expected = new Map<string, bigint>();
    for (const [i, customer] of customers.entries()) {
      const client = i % 2 === 0 ? a : b;
      const { held, settled } = await walletRequest(client.wallet, customer, 50_000n, 1_000n + BigInt(i));
      expect(held).toMatchObject({ status: 'held' });
      expect(settled).toMatchObject({ status: 'settled', chargedMicros: 1_000n + BigInt(i) });
      expected.set(customer.accountId, 10_000_000n - 1_000n - BigInt(i));
    }

    // A dead process's hold on the first customer: swept, charged what its heartbeat reported, then settled late.
    const [first] = customers;
    const dead = newGeneration();
    await a.store.hold(first.accountId, dead, 30_000n, 1, 'dead', JSON.stringify(holdContext(first)));
    await a.store.heartbeat(a.store.keys.shardOf(first.accountId), 1, [{ generationId: dead, deliveredMicros: 2_000n, delivered: '' }]);
    await sleep(20);
    expect((await b.sweeper.sweep()).closed).toBe(1);
    const late = await b.wallet.settle({
      accountId: first.accountId, generationId: dead, costMicros: 2_500n,
      usage: usageRow(first.accountId, first.keyId, dead),
    });
    expect(late).toMatchObject({ status: 'late', chargedMicros: 500n });
    expected.set(first.accountId, expected.get(first.accountId)! - 2_500n);

    // A top-up on the last customer, applied through the outbox.
    const last = customers[customers.length - 1];
    const posted = await new LedgerRepository(await testDb()).post(last.accountId, 'top_up', 1_000_000n, 'cluster', null);
    expect(await a.credits.apply(last.accountId, posted.creditSeq, posted.creditMicros)).toBe('applied');
    expected.set(last.accountId, expected.get(last.accountId)! + 1_000_000n);

    await a.flush();
    for (const customer of customers) {
      expect(await walletAccountRow(customer.accountId)).toMatchObject({ balance: expected.get(customer.accountId) });
      expect(await walletBooksViolations(customer.accountId)).toEqual([]);
    }
    const inspected = await b.inspector.inspect(customers.map((c) => c.accountId));
    for (const customer of customers) {
      const state = inspected.get(customer.accountId)!;
      expect({ balance: state.balanceMicros, held: state.heldMicros, unflushed: state.unflushed.size }).toEqual({
        balance: expected.get(customer.accountId),
        held: 0n,
        unflushed: 0,
      });
    }

    // Rebuilt by hand on the cluster: the same state.
    const rebuilt = await a.rebuild.account(first.accountId);
    expect(rebuilt.spendableMicros).toBe(expected.get(first.accountId));
  });

  it('never overdraws one account under concurrent holds from two clients', async () => {
    const customer = await walletCustomer('0.500000');
    const outcomes = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        (i % 2 === 0 ? a : b).wallet.hold({
          accountId: customer.accountId,
          generationId: newGeneration(),
          amountMicros: 10_000n,
          context: holdContext(customer),
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'held')).toHaveLength(50);
    const [balance] = await a.inspector.balances([customer.accountId]);
    expect(balance).toMatchObject({ balanceMicros: 500_000n, heldMicros: 500_000n, spendableMicros: 0n });
  });
});
