import { Injectable } from '@nestjs/common';
import type { WalletBacklog } from '@gw/observability';
import { entryMs, replyPairs } from './redis-replies';
import type { UsageRecordView } from '@gw/db';
import type { AccountId, GenerationId } from './wallet-ids';
import { settledUsageRow } from './writer/settlement-events';
import { LEDGER_WRITERS_GROUP, ShardIndex } from './wallet-keys';
import { WalletRedis } from './wallet-redis';
import { InspectedAccount, WalletStore } from './wallet-store';
import type { WalletBalance } from './wallet-types';

export interface ExpiredHolds {
  count: number;
  heldMicros: bigint;
}

/** Read-only views of the wallet: account balances (admin), inspections (reconciliation), the streams' backlog. */
@Injectable()
export class WalletInspector {
  constructor(
    private readonly redis: WalletRedis,
    private readonly store: WalletStore,
  ) {}

  /**
   * The usage record of a generation the wallet settled and the ledger writer has not yet written to PostgreSQL (kept
   * GENERATION_RECORD_TTL_S), whatever its account; null when the wallet keeps none (or it cannot be read as one).
   */
  async settledRecord(generation: GenerationId): Promise<UsageRecordView | null> {
    const text = await this.store.generationRecordOnAnyShard(generation);
    return text === null ? null : settledUsageRow(text);
  }

  /** Balances of the accounts that are loaded; null for those that are not (PostgreSQL has their balance). */
  balances(accounts: AccountId[]): Promise<(WalletBalance | null)[]> {
    return this.store.balances(accounts);
  }

  /** Each account's wallet state, one consistent read per shard. */
  async inspect(accounts: AccountId[]): Promise<Map<AccountId, InspectedAccount>> {
    const byShard = new Map<ShardIndex, AccountId[]>();
    for (const account of accounts) {
      const shard = this.store.keys.shardOf(account);
      byShard.set(shard, [...(byShard.get(shard) ?? []), account]);
    }
    const inspections = await Promise.all(
      [...byShard].map(([shard, members]) => this.store.inspect(shard, members, 0)),
    );
    return new Map(inspections.flatMap((inspection) => inspection.accounts.map((a) => [a.accountId, a])));
  }

  /** Holds whose expiry passed more than `graceMs` ago, on every shard: the sweep is not keeping up. */
  async expiredHolds(graceMs: number): Promise<ExpiredHolds> {
    const shards = await Promise.all(this.store.keys.allShards().map((shard) => this.store.inspect(shard, [], graceMs)));
    return {
      count: shards.reduce((sum, shard) => sum + shard.expiredHolds, 0),
      heldMicros: shards.reduce((sum, shard) => sum + shard.expiredHeldMicros, 0n),
    };
  }

  /** Settlement events not yet written to PostgreSQL, over every shard's stream. */
  async backlog(): Promise<WalletBacklog> {
    const shards = await Promise.all(this.store.keys.allShards().map((shard) => this.shardBacklog(shard)));
    const now = Date.now();
    const oldest = Math.min(...shards.map((shard) => shard.oldestMs));
    return {
      pending: shards.reduce((sum, shard) => sum + shard.pending, 0),
      undelivered: shards.reduce((sum, shard) => sum + shard.undelivered, 0),
      oldestAgeSeconds: Number.isFinite(oldest) ? Math.max(0, (now - oldest) / 1000) : 0,
    };
  }

  private async shardBacklog(shard: ShardIndex): Promise<{ pending: number; undelivered: number; oldestMs: number }> {
    const key = this.store.keys.events(shard);
    return this.redis.call('backlog', async (client) => {
      const groups = (await client.xinfo('GROUPS', key).catch(() => [])) as unknown[][];
      const group = groups.map(replyPairs).find((g) => g.name === LEDGER_WRITERS_GROUP);
      if (!group) return { pending: 0, undelivered: Number(await client.xlen(key)), oldestMs: Infinity };
      const [summary, next] = await Promise.all([
        client.xpending(key, LEDGER_WRITERS_GROUP) as Promise<unknown[]>,
        client.xrange(key, `(${group['last-delivered-id']}`, '+', 'COUNT', 1),
      ]);
      const pending = Number(summary[0] ?? 0);
      const oldestPending = pending > 0 ? entryMs(String(summary[1])) : Infinity;
      const oldestUndelivered = next.length > 0 ? entryMs(next[0][0]) : Infinity;
      const lag = group.lag === null || group.lag === undefined ? (next.length > 0 ? 1 : 0) : Number(group.lag);
      return { pending, undelivered: lag, oldestMs: Math.min(oldestPending, oldestUndelivered) };
    });
  }
}
