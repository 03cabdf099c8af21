import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { sqlStateOf, WalletEventOutcome, WalletEventRow, WalletRepository } from '@gw/db';
import { walletMetrics } from '@gw/observability';
import { replyPairs } from '../redis-replies';
import type { AccountId } from '../wallet-ids';
import { LEDGER_WRITERS_GROUP, ShardIndex } from '../wallet-keys';
import { WalletClient, WalletRedis } from '../wallet-redis';
import { WalletStore } from '../wallet-store';
import { ParsedEntry, parseEntry, StreamEntry } from './settlement-events';
import { nextPassDelay, PassPacing } from './pass-pacing';
import { compareEntryIds, trimPoint } from './stream-ids';
import { usageDaysWritten } from './usage-days';

/** What one pass of the writer did. */
export interface WriterPass {
  /** Entries taken this pass (new, claimed from a dead writer, or deferred ones tried again). */
  read: number;
  claimed: number;
  applied: number;
  duplicate: number;
  deferred: number;
  rejected: number;
}

/** A deferred entry is tried again by its own writer this many passes before it is left to XAUTOCLAIM. */
const DEFERRED_RETRIES = 20;
/** A gap older than this many claim periods will not fill (its event was lost): the events after it are written. */
const GAP_TIMEOUT_CLAIMS = 10;
const TRIM_EVERY_MS = 30_000;
/** A consumer (a writer process) with nothing pending and idle this long is gone: it leaves the group. */
const CONSUMER_IDLE_MS = 24 * 3600 * 1000;

/**
 * The ledger writer: takes the wallet's settlement events from every shard's stream (consumer group
 * `ledger-writers`, so any number of writers share the work) and writes them to PostgreSQL in batches, one
 * transaction per batch (gw_wallet_apply: one ledger entry per charged request, one usage record per request,
 * balances once per account), then acknowledges them.
 *
 * Crash safety: entries are acknowledged only after their transaction committed. A writer killed mid-batch leaves its
 * entries pending; after WALLET_WRITER_CLAIM_IDLE_MS another writer claims them (XAUTOCLAIM) and writes them again:
 * the transaction had rolled back, or, if it committed, gw_wallet_apply finds every generation written already
 * (duplicate). Nothing is lost, nothing is written twice.
 *
 * Per account, events are written in the order the wallet numbered them; an event whose predecessor is still with
 * another writer is deferred (left pending) and tried again shortly. Acknowledged entries stay in the stream for
 * WALLET_EVENTS_RETENTION_S, then are trimmed (never an entry still pending or not yet delivered).
 */
@Injectable()
export class LedgerWriter {
  private readonly logger = new Logger(LedgerWriter.name);
  private readonly consumer: string;
  private readonly batchSize: number;
  private readonly pacing: PassPacing;
  private readonly claimIdleMs: number;
  private readonly retentionMs: number;
  private readonly groupsReady = new Set<ShardIndex>();
  private deferred: { entry: ParsedEntry; tries: number }[] = [];
  private nextClaimAt = 0;
  private nextTrimAt = 0;
  private running?: Promise<void>;
  private stopping = false;
  private wake?: () => void;
  private lastFailureLog = 0;
  private usageWritten: (days: string[]) => Promise<void> = async () => {};

  constructor(
    private readonly redis: WalletRedis,
    private readonly store: WalletStore,
    private readonly ledger: WalletRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.consumer = config.instanceId;
    this.batchSize = config.wallet.writer.batchSize;
    this.pacing = {
      batchSize: config.wallet.writer.batchSize,
      pollMs: config.wallet.writer.pollMs,
      gatherMs: config.wallet.writer.gatherMs,
    };
    this.claimIdleMs = config.wallet.writer.claimIdleMs;
    this.retentionMs = config.wallet.writer.retentionMs;
  }

  /**
   * Told, after a batch committed, the UTC days it wrote usage records for (usageDaysWritten): the worker recomputes
   * the rollups of those its scheduled rollup does not cover.
   */
  onUsageWritten(listener: (days: string[]) => Promise<void>): void {
    this.usageWritten = listener;
  }

  /**
   * Runs passes until stop(): back to back while a backlog fills whole batches, every WALLET_WRITER_GATHER_MS while
   * events trickle in (so that each transaction carries many), every WALLET_WRITER_POLL_MS when idle (nextPassDelay).
   */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop();
  }

  /** Finishes the pass in progress (its batch commits and is acknowledged), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  /** One pass: claims what dead writers left (when due), reads new events, writes them. */
  async runOnce(): Promise<WriterPass> {
    const now = Date.now();
    const pass: WriterPass = { read: 0, claimed: 0, applied: 0, duplicate: 0, deferred: 0, rejected: 0 };
    const entries = new Map<string, ParsedEntry>();
    const retries = new Map<string, number>();
    for (const { entry, tries } of this.deferred) {
      entries.set(entryKey(entry), entry);
      retries.set(entryKey(entry), tries);
    }
    this.deferred = [];
    if (now >= this.nextClaimAt) {
      this.nextClaimAt = now + Math.max(100, Math.floor(this.claimIdleMs / 2));
      for (const entry of await this.claimStale()) {
        if (!entries.has(entryKey(entry))) pass.claimed++;
        entries.set(entryKey(entry), entry);
      }
    }
    for (const entry of await this.readNew()) entries.set(entryKey(entry), entry);
    pass.read = entries.size;
    const all = [...entries.values()].sort(byAccountAndSeq);
    for (let i = 0; i < all.length; i += this.batchSize) {
      await this.write(all.slice(i, i + this.batchSize), pass, retries);
    }
    if (now >= this.nextTrimAt) {
      this.nextTrimAt = now + TRIM_EVERY_MS;
      await this.trim();
    }
    return pass;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const started = performance.now();
        const pass = await this.runOnce();
        failures = 0;
        const delay = nextPassDelay(pass, this.pacing, performance.now() - started);
        if (delay > 0 && !this.stopping) await this.pause(delay);
      } catch (error) {
        failures++;
        walletMetrics().writerFailures.inc();
        if (Date.now() - this.lastFailureLog > 10_000) {
          this.lastFailureLog = Date.now();
          this.logger.warn(`ledger writer pass failed (${(error as Error).message}); retrying`);
        }
        await this.pause(Math.min(100 * 2 ** failures, 5_000));
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async write(chunk: ParsedEntry[], pass: WriterPass, retries: Map<string, number>): Promise<void> {
    const events = chunk.flatMap((entry) => (entry.event ? [entry.event] : []));
    for (const entry of chunk) {
      if (entry.problem) this.logger.error(`settlement event ${entry.entryId} (shard ${entry.shard}): ${entry.problem}`);
    }
    const started = performance.now();
    const outcomes = events.length > 0 ? await this.apply(events) : new Map<string, WalletEventOutcome>();
    const committedAt = Date.now();
    const metrics = walletMetrics();
    metrics.writerBatchSize.observe(events.length);
    metrics.writerBatchDuration.observe((performance.now() - started) / 1000);

    const acks = new Map<ShardIndex, { ids: string[]; written: Map<AccountId, bigint[]> }>();
    for (const entry of chunk) {
      const outcome: WalletEventOutcome = entry.event ? (outcomes.get(entry.event.entryId) ?? 'deferred') : 'rejected';
      pass[outcome]++;
      metrics.writerEvents.inc({ outcome });
      if (outcome === 'deferred') {
        const tries = (retries.get(entryKey(entry)) ?? 0) + 1;
        if (tries <= DEFERRED_RETRIES) this.deferred.push({ entry, tries });
        continue;
      }
      if (outcome === 'rejected') this.logger.error(`settlement event ${entry.entryId} rejected (unknown account)`);
      if (outcome === 'applied') metrics.writerLag.observe((committedAt - entry.event!.emittedAt.getTime()) / 1000);
      const ack = acks.get(entry.shard) ?? { ids: [], written: new Map<AccountId, bigint[]>() };
      acks.set(entry.shard, ack);
      ack.ids.push(entry.entryId);
      if (entry.event) {
        const account = entry.event.accountId as AccountId;
        ack.written.set(account, [...(ack.written.get(account) ?? []), entry.event.seq]);
      }
    }
    await Promise.all([...acks].map(([shard, ack]) => this.store.acknowledge(shard, ack.ids, ack.written)));
    const days = usageDaysWritten(events, outcomes);
    if (days.length > 0) {
      // The batch is written either way: a failed listener is logged (a day can be recomputed on demand).
      await this.usageWritten(days).catch((error: unknown) =>
        this.logger.error(`rollups of ${days.join(', ')} not requested after usage records were written (${(error as Error).message})`),
      );
    }
  }

  /**
   * One transaction for the batch. Should PostgreSQL refuse the batch for its data (one malformed usage record), the
   * events are written one by one, and an event whose usage record is refused is written without it: its money still
   * moves, and the error is logged for engineering.
   */
  private async apply(events: WalletEventRow[]): Promise<Map<string, WalletEventOutcome>> {
    const forceBefore = new Date(Date.now() - GAP_TIMEOUT_CLAIMS * this.claimIdleMs);
    try {
      return await this.ledger.applyEvents(events, forceBefore);
    } catch (error) {
      if (!isDataError(error)) throw error;
      this.logger.warn(`a batch of ${events.length} settlement events was refused (${(error as Error).message}): one by one`);
    }
    const outcomes = new Map<string, WalletEventOutcome>();
    for (const event of events) {
      let result: Map<string, WalletEventOutcome>;
      try {
        result = await this.ledger.applyEvents([event], forceBefore);
      } catch (error) {
        if (!isDataError(error) || event.usage === null) throw error;
        this.logger.error(
          `usage record of ${event.generationId} refused by PostgreSQL (${(error as Error).message}): ` +
            'its settlement is written without it',
        );
        result = await this.ledger.applyEvents([{ ...event, usage: null }], forceBefore);
      }
      for (const [id, outcome] of result) outcomes.set(id, outcome);
    }
    return outcomes;
  }

  private async readNew(): Promise<ParsedEntry[]> {
    const perShard = await Promise.all(
      this.store.keys.allShards().map((shard) =>
        this.onShard(shard, async (client, key) => {
          const reply = (await client.xreadgroup(
            'GROUP', LEDGER_WRITERS_GROUP, this.consumer, 'COUNT', this.batchSize, 'STREAMS', key, '>',
          )) as [string, StreamEntry[]][] | null;
          return (reply?.[0]?.[1] ?? []).map((entry) => parseEntry(shard, entry));
        }),
      ),
    );
    return perShard.flat();
  }

  /** Entries delivered to some writer and not acknowledged for WALLET_WRITER_CLAIM_IDLE_MS (its writer died). */
  private async claimStale(): Promise<ParsedEntry[]> {
    const perShard = await Promise.all(
      this.store.keys.allShards().map((shard) =>
        this.onShard(shard, async (client, key) => {
          const claimed: ParsedEntry[] = [];
          let cursor = '0-0';
          do {
            const [next, entries] = (await client.xautoclaim(
              key, LEDGER_WRITERS_GROUP, this.consumer, this.claimIdleMs, cursor, 'COUNT', this.batchSize,
            )) as [string, (StreamEntry | null)[]];
            for (const entry of entries) if (entry?.[1]) claimed.push(parseEntry(shard, entry));
            cursor = next;
          } while (cursor !== '0-0' && claimed.length < this.batchSize);
          return claimed;
        }),
      ),
    );
    return perShard.flat();
  }

  /**
   * Drops entries older than the retention that no writer still needs: never one still pending, nor one not yet
   * delivered. Also lets go of consumers (writer processes) long gone with nothing pending.
   */
  private async trim(): Promise<void> {
    const cutoff = `${Date.now() - this.retentionMs}-0`;
    await Promise.all(
      this.store.keys.allShards().map((shard) =>
        this.onShard(shard, async (client, key) => {
          const [summary, groups, consumers] = await Promise.all([
            client.xpending(key, LEDGER_WRITERS_GROUP) as Promise<unknown[]>,
            client.xinfo('GROUPS', key) as Promise<unknown[][]>,
            client.xinfo('CONSUMERS', key, LEDGER_WRITERS_GROUP) as Promise<unknown[][]>,
          ]);
          const group = groups.map(replyPairs).find((g) => g.name === LEDGER_WRITERS_GROUP);
          const lastDelivered = group?.['last-delivered-id'] ?? '0-0';
          const oldestPending = Number(summary[0] ?? 0) > 0 ? String(summary[1]) : null;
          const minId = trimPoint(cutoff, lastDelivered, oldestPending);
          if (compareEntryIds(minId, '0-1') > 0) await client.xtrim(key, 'MINID', minId);
          for (const consumer of consumers.map(replyPairs)) {
            const idle = Number(consumer.inactive ?? consumer.idle ?? 0);
            if (Number(consumer.pending) === 0 && idle > CONSUMER_IDLE_MS && consumer.name !== this.consumer) {
              await client.xgroup('DELCONSUMER', key, LEDGER_WRITERS_GROUP, consumer.name!);
            }
          }
          return [];
        }),
      ),
    );
  }

  /**
   * Runs a stream command on one shard, creating the consumer group first, and again (then retrying once) when Redis
   * lost it with its data: the group starts at the beginning of whatever the stream holds by then.
   */
  private async onShard<T>(shard: ShardIndex, run: (client: WalletClient, key: string) => Promise<T[]>): Promise<T[]> {
    const key = this.store.keys.events(shard);
    for (let attempt = 0; ; attempt++) {
      if (!this.groupsReady.has(shard)) {
        await this.redis.call('xgroup create', (client) =>
          client.xgroup('CREATE', key, LEDGER_WRITERS_GROUP, '0', 'MKSTREAM').catch((error: Error) => {
            if (!/BUSYGROUP/.test(error.message)) throw error;
          }),
        );
        this.groupsReady.add(shard);
      }
      try {
        return await this.redis.call('ledger writer', (client) => run(client, key));
      } catch (error) {
        if (!/NOGROUP|no such key/i.test((error as Error).message)) throw error;
        this.groupsReady.delete(shard);
        if (attempt > 0) return [];
      }
    }
  }
}

function entryKey(entry: ParsedEntry): string {
  return `${entry.shard}/${entry.entryId}`;
}

function byAccountAndSeq(a: ParsedEntry, b: ParsedEntry): number {
  const left = a.event?.accountId ?? '';
  const right = b.event?.accountId ?? '';
  if (left !== right) return left < right ? -1 : 1;
  const order = (a.event?.seq ?? 0n) - (b.event?.seq ?? 0n);
  return order < 0n ? -1 : order > 0n ? 1 : compareEntryIds(a.entryId, b.entryId);
}

/** PostgreSQL refused the data itself (class 22: data exception, 23: integrity constraint), not the connection. */
function isDataError(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}
