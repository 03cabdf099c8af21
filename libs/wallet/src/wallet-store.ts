import { Injectable } from '@nestjs/common';
import { WalletProtocolError } from './wallet.errors';
import type { AccountId, GenerationId } from './wallet-ids';
import { LEDGER_WRITERS_GROUP, ShardIndex } from './wallet-keys';
import { WalletRedis } from './wallet-redis';
import type { WalletBalance } from './wallet-types';

/** How long a closed generation is remembered: a settlement retried within it is a duplicate. */
export const DONE_TTL_S = 24 * 3600;

export type HoldReply =
  | { kind: 'NEED_LOAD' | 'CLOSED' | 'CONFLICT' }
  | { kind: 'ALREADY' | 'HELD'; spendable: bigint; expiry: number }
  | { kind: 'REFUSED'; spendable: bigint; dailyLeft: bigint | null }
  | { kind: 'LIMITED'; spendable: bigint; dailyLeft: bigint };

/** The key whose daily spending a hold counts in, and its limit (null: counted, not capped). */
export interface HoldKeyDay {
  keyId: string;
  limitMicros: bigint | null;
}

export type SettleReply =
  | { kind: 'NEED_LOAD' | 'CONFLICT' }
  | { kind: 'DUPLICATE'; charged: bigint }
  | { kind: 'SETTLED'; charged: bigint; held: bigint; spendable: bigint; seq: bigint }
  | { kind: 'LATE'; charged: bigint; total: bigint; spendable: bigint; seq: bigint }
  | { kind: 'UNHELD'; charged: bigint; spendable: bigint; seq: bigint };

export type CreditReply =
  | { kind: 'APPLIED'; spendable: bigint }
  | { kind: 'DUPLICATE' | 'GAP'; creditSeq: bigint }
  | { kind: 'NOT_LOADED' };

export type LoadMode = 'absent' | 'replace';
export interface LoadSnapshot {
  balanceMicros: bigint;
  creditSeq: bigint;
  walletSeq: bigint;
}
export type LoadReply =
  | { kind: 'PRESENT' | 'STALE' }
  | {
      kind: 'LOADED';
      spendable: bigint;
      held: bigint;
      eventSeq: bigint;
      /** Charges of events not yet in PostgreSQL, taken off the snapshot's balance. */
      unflushed: bigint;
      /** The account's balance and held before a `replace`; null when it was not loaded. */
      before: { balance: bigint; held: bigint } | null;
    };

export interface SweepReply {
  closed: number;
  orphans: number;
  chargedMicros: bigint;
  releasedMicros: bigint;
}

export interface HeartbeatBeat {
  generationId: GenerationId;
  deliveredMicros: bigint;
  /** JSON of the delivered usage ('' when none yet). */
  delivered: string;
}

/** One account's wallet state in an inspection (reconciliation). */
export interface InspectedAccount {
  accountId: AccountId;
  loaded: boolean;
  balanceMicros: bigint;
  heldMicros: bigint;
  creditSeq: bigint;
  eventSeq: bigint;
  /** Hold records of the account and their sum (what `held` should be). */
  holds: number;
  holdsMicros: bigint;
  /** Events not yet confirmed written to PostgreSQL: seq -> charge. */
  unflushed: Map<bigint, bigint>;
}
export interface ShardInspection {
  expiredHolds: number;
  expiredHeldMicros: bigint;
  accounts: InspectedAccount[];
}

type Reply = (string | Reply)[];

/**
 * The wallet's scripts as typed calls: one Redis round trip each, replies parsed into bigint. No policy here (the
 * services decide what to do with NEED_LOAD, GAP, ...): this is the layer tests drive script branch by branch.
 */
@Injectable()
export class WalletStore {
  constructor(private readonly redis: WalletRedis) {}

  get keys() {
    return this.redis.keys;
  }

  async hold(
    account: AccountId,
    generation: GenerationId,
    amountMicros: bigint,
    ttlMs: number,
    owner: string,
    context: string,
    keyDay?: HoldKeyDay,
  ): Promise<HoldReply> {
    const k = this.keys;
    const shard = k.shardOf(account);
    const keys = [k.account(account), k.hold(account, generation), k.holds(shard), k.done(account, generation)];
    // Without a key (scripts driven directly by tests), the hold counts in no key's day.
    if (keyDay) keys.push(k.keyDay(account, keyDay.keyId));
    const reply = await this.redis.script<string[]>('gwWalletHold', keys, [
      account,
      generation,
      amountMicros.toString(),
      ttlMs,
      owner,
      context,
      keyDay?.limitMicros?.toString() ?? '',
    ]);
    switch (reply[0]) {
      case 'NEED_LOAD':
      case 'CLOSED':
      case 'CONFLICT':
        return { kind: reply[0] };
      case 'ALREADY':
      case 'HELD':
        return { kind: reply[0], spendable: BigInt(reply[1]), expiry: Number(reply[2]) };
      case 'REFUSED':
        return { kind: 'REFUSED', spendable: BigInt(reply[1]), dailyLeft: reply[2] ? BigInt(reply[2]) : null };
      case 'LIMITED':
        return { kind: 'LIMITED', spendable: BigInt(reply[1]), dailyLeft: BigInt(reply[2]) };
      default:
        throw unexpected('hold', reply);
    }
  }

  /**
   * Closes a hold (settle.lua). `recordTtlS` > 0: the usage record is also kept that long under generationRecord(), for
   * GET /v1/generation.
   */
  async settle(
    account: AccountId,
    generation: GenerationId,
    costMicros: bigint,
    usage: string,
    recordTtlS = 0,
  ): Promise<SettleReply> {
    const k = this.keys;
    const shard = k.shardOf(account);
    const reply = await this.redis.script<string[]>(
      'gwWalletSettle',
      [
        k.account(account),
        k.hold(account, generation),
        k.holds(shard),
        k.done(account, generation),
        k.events(shard),
        k.unflushed(account),
        k.generationRecord(account, generation),
      ],
      [account, generation, costMicros.toString(), usage, DONE_TTL_S, recordTtlS],
    );
    switch (reply[0]) {
      case 'NEED_LOAD':
      case 'CONFLICT':
        return { kind: reply[0] };
      case 'DUPLICATE':
        return { kind: 'DUPLICATE', charged: BigInt(reply[1]) };
      case 'SETTLED':
        return {
          kind: 'SETTLED',
          charged: BigInt(reply[1]),
          held: BigInt(reply[2]),
          spendable: BigInt(reply[3]),
          seq: BigInt(reply[4]),
        };
      case 'LATE':
        return {
          kind: 'LATE',
          charged: BigInt(reply[1]),
          total: BigInt(reply[2]),
          spendable: BigInt(reply[3]),
          seq: BigInt(reply[4]),
        };
      case 'UNHELD':
        return { kind: 'UNHELD', charged: BigInt(reply[1]), spendable: BigInt(reply[2]), seq: BigInt(reply[3]) };
      default:
        throw unexpected('settle', reply);
    }
  }

  /** The usage record settle() kept for a generation of `account` (JSON), or null: none kept, or expired. */
  generationRecord(account: AccountId, generation: GenerationId): Promise<string | null> {
    return this.redis.call('generation record', (client) => client.get(this.keys.generationRecord(account, generation)));
  }

  /**
   * The same for a generation of an account not known: looked for on every shard at once (one GET each, each on its
   * own node in a cluster); null when no shard keeps it.
   */
  async generationRecordOnAnyShard(generation: GenerationId): Promise<string | null> {
    const found = await this.redis.call('generation record', (client) =>
      Promise.all(this.keys.allShards().map((shard) => client.get(this.keys.generationRecordOn(shard, generation)))),
    );
    return found.find((record) => record !== null) ?? null;
  }

  /** Extends the holds of one shard; true per beat whose hold was still open. */
  async heartbeat(shard: ShardIndex, ttlMs: number, beats: HeartbeatBeat[]): Promise<boolean[]> {
    if (beats.length === 0) return [];
    const k = this.keys;
    const prefix = k.shardPrefix(shard);
    const reply = await this.redis.script<string[]>(
      'gwWalletHeartbeat',
      [k.holds(shard), ...beats.map((beat) => `${prefix}hold:${beat.generationId}`)],
      [ttlMs, ...beats.flatMap((beat) => [beat.generationId, beat.deliveredMicros.toString(), beat.delivered])],
    );
    return reply.map((alive) => alive === '1');
  }

  async sweep(shard: ShardIndex, limit: number): Promise<SweepReply> {
    const k = this.keys;
    const reply = await this.redis.script<string[]>(
      'gwWalletSweep',
      [k.holds(shard), k.events(shard)],
      [k.shardPrefix(shard), limit, DONE_TTL_S],
    );
    return {
      closed: Number(reply[0]),
      orphans: Number(reply[1]),
      chargedMicros: BigInt(reply[2]),
      releasedMicros: BigInt(reply[3]),
    };
  }

  async credit(account: AccountId, seq: bigint, amountMicros: bigint): Promise<CreditReply> {
    const k = this.keys;
    const reply = await this.redis.script<string[]>(
      'gwWalletCredit',
      [k.account(account), k.credited(account)],
      [seq.toString(), amountMicros.toString()],
    );
    switch (reply[0]) {
      case 'APPLIED':
        return { kind: 'APPLIED', spendable: BigInt(reply[1]) };
      case 'DUPLICATE':
      case 'GAP':
        return { kind: reply[0], creditSeq: BigInt(reply[1]) };
      case 'NOT_LOADED':
        return { kind: 'NOT_LOADED' };
      default:
        throw unexpected('credit', reply);
    }
  }

  async load(account: AccountId, snapshot: LoadSnapshot, mode: LoadMode): Promise<LoadReply> {
    const k = this.keys;
    const shard = k.shardOf(account);
    const reply = await this.redis.script<string[]>(
      'gwWalletLoad',
      [k.account(account), k.unflushed(account), k.credited(account), k.holds(shard)],
      [
        mode,
        account,
        snapshot.balanceMicros.toString(),
        snapshot.creditSeq.toString(),
        snapshot.walletSeq.toString(),
        k.shardPrefix(shard),
      ],
    );
    switch (reply[0]) {
      case 'PRESENT':
      case 'STALE':
        return { kind: reply[0] };
      case 'LOADED':
        return {
          kind: 'LOADED',
          spendable: BigInt(reply[1]),
          held: BigInt(reply[2]),
          eventSeq: BigInt(reply[3]),
          unflushed: BigInt(reply[4]),
          before: reply[5] === '' ? null : { balance: BigInt(reply[5]), held: BigInt(reply[6] || '0') },
        };
      default:
        throw unexpected('load', reply);
    }
  }

  /**
   * After a ledger writer's commit: acknowledges the shard's stream entries and drops the accounts' unflushed entries
   * of the events written (by seq).
   */
  async acknowledge(shard: ShardIndex, entryIds: string[], written: Map<AccountId, bigint[]>): Promise<number> {
    if (entryIds.length === 0 && written.size === 0) return 0;
    const k = this.keys;
    const accounts = [...written.keys()];
    const reply = await this.redis.script<string>(
      'gwWalletAck',
      [k.events(shard), ...accounts.map((account) => k.unflushed(account))],
      [
        LEDGER_WRITERS_GROUP,
        entryIds.length,
        ...entryIds,
        ...accounts.flatMap((account) => {
          const seqs = written.get(account)!;
          return [seqs.length, ...seqs.map(String)];
        }),
      ],
    );
    return Number(reply);
  }

  /** A consistent read of a shard: its accounts' state, unflushed events and hold records (reconciliation). */
  async inspect(shard: ShardIndex, accounts: AccountId[], expiredGraceMs: number): Promise<ShardInspection> {
    const k = this.keys;
    const reply = await this.redis.script<Reply>(
      'gwWalletInspect',
      [k.holds(shard)],
      [k.shardPrefix(shard), expiredGraceMs, ...accounts],
    );
    const [expired, ...rows] = reply as [string[], ...Reply[]];
    return {
      expiredHolds: Number(expired[0]),
      expiredHeldMicros: BigInt(expired[1]),
      accounts: rows.map((row, i) => {
        const [loaded, bal, held, cseq, eseq, holds, holdsSum, events] = row as [
          string, string, string, string, string, string, string, string[],
        ];
        const unflushed = new Map<bigint, bigint>();
        for (let j = 0; j < events.length; j += 2) unflushed.set(BigInt(events[j]), BigInt(events[j + 1]));
        return {
          accountId: accounts[i],
          loaded: loaded === '1',
          balanceMicros: BigInt(bal),
          heldMicros: BigInt(held),
          creditSeq: BigInt(cseq),
          eventSeq: BigInt(eseq),
          holds: Number(holds),
          holdsMicros: BigInt(holdsSum),
          unflushed,
        };
      }),
    };
  }

  /**
   * What a key of `account` spent today (UTC, Redis's clock, as the hold script counts it): its open holds plus its
   * settled charges in the wallet. 0 when it has not held anything today.
   */
  async keySpentToday(account: AccountId, keyId: string): Promise<bigint> {
    const [[seconds], [day, spent]] = await this.redis.call('key day', (client) =>
      Promise.all([client.time(), client.hmget(this.keys.keyDay(account, keyId), 'd', 's')]),
    );
    const today = Math.floor(Number(seconds) / 86_400);
    return day !== null && Number(day) === today ? BigInt(spent ?? '0') : 0n;
  }

  /** Balances of loaded accounts (null for the others), one pipelined read. */
  async balances(accounts: AccountId[]): Promise<(WalletBalance | null)[]> {
    if (accounts.length === 0) return [];
    const replies = await this.redis.call('balances', (client) =>
      Promise.all(accounts.map((account) => client.hmget(this.keys.account(account), 'bal', 'held', 'cseq'))),
    );
    return replies.map(([bal, held, cseq]) => {
      if (bal === null) return null;
      const balanceMicros = BigInt(bal);
      const heldMicros = BigInt(held ?? '0');
      return { balanceMicros, heldMicros, spendableMicros: balanceMicros - heldMicros, creditSeq: BigInt(cseq ?? '0') };
    });
  }
}

function unexpected(script: string, reply: unknown): WalletProtocolError {
  return new WalletProtocolError(`unexpected ${script} reply: ${JSON.stringify(reply).slice(0, 200)}`);
}
