import type { AccountId, GenerationId } from './wallet-ids';

/** One shard of the wallet: its accounts' keys share a Redis Cluster hash tag, so one script can touch them all. */
export type ShardIndex = number;

/**
 * FNV-1a (32 bits) of the account id. Stable across processes, versions and machines: an account's shard is part of
 * its Redis key names, so this must never change for a deployment (nor WALLET_SHARDS).
 */
export function shardOf(account: AccountId, shards: number): ShardIndex {
  let hash = 0x811c9dc5;
  for (let i = 0; i < account.length; i++) {
    hash ^= account.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/**
 * The wallet's Redis key layout. Every key of a shard starts with `<prefix>{w<shard>}:`, the braces making the shard
 * number the Redis Cluster hash tag: an account's balance, its holds, their expiry index, the done markers and the
 * shard's settlement stream live in one slot, so every wallet script is one atomic call on one node.
 *
 * - `acct:<account>`      HASH  bal (settled balance as the wallet knows it), held (open holds), cseq (last credit
 *                               applied), eseq (last settlement event emitted). Present = the account is loaded.
 * - `hold:<generation>`   HASH  acct, amt, exp, own (instance), ctx (the request, for an abandoned record), dc / du
 *                               (delivered cost and usage, from the last heartbeat).
 * - `holds`               ZSET  generation -> expiry (ms): the sweep's index.
 * - `done:<generation>`   STRING `<closer>:<charged>:<held>`, with a TTL: the generation was closed.
 * - `gen:<generation>`    STRING the usage record of a settled generation (JSON, as the proxy wrote it), for
 *                               GET /v1/generation while the ledger writer has not yet written it (GENERATION_RECORD_TTL_S).
 * - `events`              STREAM settlement events, consumer group `ledger-writers`.
 * - `unflushed:<account>` HASH  <event seq> -> charge for each event not yet written to PostgreSQL, and `f` (the
 *                               highest seq a ledger writer confirmed written).
 * - `credited:<account>`  STRING the highest credit seq that arrived while the account was not loaded (a day's TTL).
 * - `kday:<key>`          HASH  d (the UTC day, days since the epoch), s (what the key spent that day: its open holds
 *                               plus its settled charges, micro-dollars); under its account's hash tag, so the hold
 *                               script checks the key's daily limit atomically with the balance. Idle two days: gone.
 */
export class WalletKeys {
  constructor(
    private readonly prefix: string,
    readonly shards: number,
  ) {}

  shardOf(account: AccountId): ShardIndex {
    return shardOf(account, this.shards);
  }

  /** `<prefix>{wNN}:`: every key of the shard starts with it (scripts build a shard's keys from it). */
  shardPrefix(shard: ShardIndex): string {
    return `${this.prefix}{w${String(shard).padStart(2, '0')}}:`;
  }

  account(account: AccountId): string {
    return `${this.shardPrefix(this.shardOf(account))}acct:${account}`;
  }

  unflushed(account: AccountId): string {
    return `${this.shardPrefix(this.shardOf(account))}unflushed:${account}`;
  }

  credited(account: AccountId): string {
    return `${this.shardPrefix(this.shardOf(account))}credited:${account}`;
  }

  /** The key's spending of the day; the key belongs to `account`, whose shard (hash tag) it shares. */
  keyDay(account: AccountId, key: string): string {
    return `${this.shardPrefix(this.shardOf(account))}kday:${key}`;
  }

  hold(account: AccountId, generation: GenerationId): string {
    return `${this.shardPrefix(this.shardOf(account))}hold:${generation}`;
  }

  done(account: AccountId, generation: GenerationId): string {
    return `${this.shardPrefix(this.shardOf(account))}done:${generation}`;
  }

  /** The usage record of a settled generation, kept for the lookup (see settle.lua). */
  generationRecord(account: AccountId, generation: GenerationId): string {
    return this.generationRecordOn(this.shardOf(account), generation);
  }

  /** generationRecord() on a given shard: where to look for a generation whose account is not known. */
  generationRecordOn(shard: ShardIndex, generation: GenerationId): string {
    return `${this.shardPrefix(shard)}gen:${generation}`;
  }

  holds(shard: ShardIndex): string {
    return `${this.shardPrefix(shard)}holds`;
  }

  events(shard: ShardIndex): string {
    return `${this.shardPrefix(shard)}events`;
  }

  /** Where the wallet records its shard count (WALLET_SHARDS must not change under a running wallet). */
  layout(): string {
    return `${this.prefix}wallet:layout`;
  }

  allShards(): ShardIndex[] {
    return Array.from({ length: this.shards }, (_, shard) => shard);
  }
}

/** The consumer group of the ledger writers on every shard's stream. */
export const LEDGER_WRITERS_GROUP = 'ledger-writers';
