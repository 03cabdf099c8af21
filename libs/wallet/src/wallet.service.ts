import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { drainWork } from '@gw/common';
import { APP_CONFIG, AppConfig, walletHeartbeatEveryMs } from '@gw/config';
import { UsageRecordRow, usageRowToJson } from '@gw/db';
import { observeWallet, walletMetrics } from '@gw/observability';
import { assertMicros } from './micros';
import { WalletClosedError, WalletProtocolError, WalletUnavailableError } from './wallet.errors';
import type { AccountId, GenerationId } from './wallet-ids';
import type { ShardIndex } from './wallet-keys';
import { WalletLoader } from './wallet-loader';
import { HeartbeatBeat, SettleReply, WalletStore } from './wallet-store';
import type { DeliveredUsage, HoldContext, HoldOutcome, HoldRequest, SettleOutcome } from './wallet-types';

/** A settlement the wallet did not answer is retried this long (then the sweep closes its hold). */
const SETTLE_RETRY_DELAYS_MS = [100, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000];
/** Holds per heartbeat call (one call per shard touched, split above this). */
const BEATS_PER_CALL = 500;

/** A hold this process placed for a request still running: kept alive by heartbeats until it settles. */
interface OpenHold {
  accountId: AccountId;
  shard: ShardIndex;
  deliveredMicros: bigint;
  /** Null until the first report; made JSON only when a heartbeat carries it (most requests settle before one). */
  delivered: DeliveredUsage | null;
  /** The wallet answered a heartbeat that the hold is gone (swept: this process missed its beats). */
  gone: boolean;
  /** settle() has started: a beat finding the hold gone raced with it (nothing to report). */
  settling: boolean;
}

export interface SettleRequest {
  accountId: AccountId;
  generationId: GenerationId;
  /** The real cost (0: a release). */
  costMicros: bigint;
  /** The request's usage record; its money fields are replaced by what the wallet charged. */
  usage: UsageRecordRow;
}

/**
 * The request path's money, in Redis: hold before the upstream call, settle after, one atomic script each (one round
 * trip; two when the account must first be loaded from PostgreSQL). Shared by every proxy instance through Redis, so
 * concurrent requests can never overdraw an account.
 *
 * - hold(): places the request's hold (an upper bound of its cost) or refuses it with the spendable balance (402).
 * - reportDelivered(): what a running request has delivered so far; the heartbeats carry it to its hold, so that if
 *   this process dies, the sweep charges exactly that.
 * - settle() / release(): closes the hold with the real cost (0: nothing to charge) and the usage record, which the
 *   worker's ledger writer then writes to PostgreSQL.
 * - Heartbeats: every third of WALLET_HOLD_TTL_S, one call per shard extends this process's open holds.
 *
 * Every call has a deadline (WALLET_COMMAND_TIMEOUT_MS): past it WalletUnavailableError (a 503). A settlement the
 * wallet does not answer is retried in the background instead (status 'deferred'); drain() waits for those.
 */
@Injectable()
export class WalletService implements OnModuleDestroy {
  private readonly logger = new Logger(WalletService.name);
  private readonly open = new Map<GenerationId, OpenHold>();
  private readonly background = new Set<Promise<unknown>>();
  /**
   * Generations whose hold() failed past its deadline and that no settle()/release() has closed yet: the background
   * cancel releases them only while they stay here. A caller that closes one itself (the reserve stage releases at
   * once, with the request's usage record) takes it out, so that a record-less cancel can never close the generation
   * first and turn the caller's release, record included, into a duplicate (a 503 without its usage record).
   */
  private readonly uncancelled = new Set<GenerationId>();
  private readonly holdTtlMs: number;
  /** How long settle() keeps the usage record for GET /v1/generation (GENERATION_RECORD_TTL_S). */
  private readonly recordTtlS: number;
  private readonly instanceId: string;
  private readonly shutdownGraceMs: number;
  private timer?: NodeJS.Timeout;
  private beating = false;
  private closed = false;
  private lastBeatWarning = 0;

  constructor(
    private readonly store: WalletStore,
    private readonly loader: WalletLoader,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.holdTtlMs = config.wallet.holdTtlMs;
    this.instanceId = config.instanceId;
    this.shutdownGraceMs = config.proxy.shutdownGraceMs;
    this.recordTtlS = config.proxy.generationRecordTtlS;
    observeWallet(() => ({ openHolds: this.open.size, pendingSettlements: this.background.size }));
  }

  /** How often this process beats its open holds (walletHeartbeatEveryMs). */
  get heartbeatEveryMs(): number {
    return walletHeartbeatEveryMs(this.holdTtlMs);
  }

  async hold(request: HoldRequest): Promise<HoldOutcome> {
    if (this.closed) {
      walletMetrics().holds.inc({ result: 'failed' });
      throw new WalletClosedError();
    }
    assertMicros(request.amountMicros, 'hold amount', 1n);
    const { accountId, generationId } = request;
    const context = contextJson(request.context);
    const keyDay = { keyId: request.context.keyId, limitMicros: request.dailyLimitMicros ?? null };
    const place = () =>
      this.store.hold(accountId, generationId, request.amountMicros, this.holdTtlMs, this.instanceId, context, keyDay);
    let reply;
    try {
      reply = await place();
      if (reply.kind === 'NEED_LOAD') {
        await this.loader.ensureLoaded(accountId);
        walletMetrics().loads.inc();
        reply = await place();
      }
    } catch (error) {
      walletMetrics().holds.inc({ result: 'failed' });
      // The script may have run before the deadline passed: release whatever it held, in the background.
      if (error instanceof WalletUnavailableError) this.cancel(accountId, generationId);
      throw error;
    }
    switch (reply.kind) {
      case 'HELD':
      case 'ALREADY': {
        this.track(accountId, generationId);
        const status = reply.kind === 'HELD' ? 'held' : 'already_held';
        walletMetrics().holds.inc({ result: status });
        return { status, spendableMicros: reply.spendable, expiresAt: new Date(reply.expiry) };
      }
      case 'REFUSED':
        walletMetrics().holds.inc({ result: 'refused' });
        return { status: 'refused', spendableMicros: reply.spendable, dailyLeftMicros: reply.dailyLeft };
      case 'LIMITED':
        walletMetrics().holds.inc({ result: 'daily_limit' });
        return { status: 'daily_limit', spendableMicros: reply.spendable, dailyLeftMicros: reply.dailyLeft };
      case 'CLOSED':
        walletMetrics().holds.inc({ result: 'closed' });
        return { status: 'closed' };
      default:
        throw new WalletProtocolError(`hold of ${generationId} on ${accountId}: ${reply.kind}`);
    }
  }

  /** What the running request has delivered so far (cheap: the next heartbeat carries it). */
  reportDelivered(generationId: GenerationId, costMicros: bigint, usage: DeliveredUsage): void {
    const hold = this.open.get(generationId);
    if (!hold) return;
    assertMicros(costMicros, 'delivered cost', 0n);
    hold.deliveredMicros = costMicros;
    hold.delivered = usage;
  }

  /** Closes the request's hold, charging `costMicros`, with its usage record. Never charges a generation twice. */
  async settle(request: SettleRequest): Promise<SettleOutcome> {
    assertMicros(request.costMicros, 'cost', 0n);
    const { accountId, generationId, costMicros } = request;
    // The caller closes the generation itself: any cancel of a failed hold of it stands down (see `uncancelled`).
    this.uncancelled.delete(generationId);
    const usage = JSON.stringify(usageRowToJson(request.usage));
    // Should this call fail, the heartbeats carry the final cost: if this process then dies, the sweep charges it.
    this.reportDelivered(generationId, costMicros, deliveredOf(request.usage));
    const open = this.open.get(generationId);
    if (open) open.settling = true;
    try {
      const outcome = await this.settleOnce(accountId, generationId, costMicros, usage);
      this.open.delete(generationId);
      walletMetrics().settlements.inc({ outcome: outcome.status });
      return outcome;
    } catch (error) {
      if (!(error instanceof WalletUnavailableError)) {
        this.open.delete(generationId);
        walletMetrics().settlements.inc({ outcome: 'lost' });
        throw error;
      }
      walletMetrics().settlements.inc({ outcome: 'deferred' });
      this.inBackground(this.retrySettle(accountId, generationId, costMicros, usage));
      return { status: 'deferred' };
    }
  }

  /**
   * The usage record settle() kept for a generation of the account (JSON, snake_case as usageRowToJson writes it), for
   * GET /v1/generation until the ledger writer has written it to PostgreSQL; null when none is kept (not settled in
   * the wallet, or older than GENERATION_RECORD_TTL_S). Throws WalletUnavailableError past the deadline.
   */
  settledRecord(accountId: AccountId, generationId: GenerationId): Promise<string | null> {
    return this.store.generationRecord(accountId, generationId);
  }

  /** settle() with nothing to charge: the request failed before it cost anything. */
  release(accountId: AccountId, generationId: GenerationId, usage: UsageRecordRow): Promise<SettleOutcome> {
    return this.settle({ accountId, generationId, costMicros: 0n, usage });
  }

  /**
   * Resolves once every hold of this process is closed and every retried settlement has finished, or `timeoutMs`
   * has passed. Returns the holds still open (their heartbeats stop with the process; the sweep closes them).
   */
  drain(timeoutMs = Number.POSITIVE_INFINITY): Promise<number> {
    return drainWork(this.background, () => this.open.size, timeoutMs);
  }

  get openHolds(): number {
    return this.open.size;
  }

  get pendingSettlements(): number {
    return this.background.size;
  }

  /** Refuses new holds, waits (SHUTDOWN_GRACE_MS) for the running ones to settle, then stops beating. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    const left = await this.drain(this.shutdownGraceMs);
    clearInterval(this.timer);
    this.timer = undefined;
    if (left > 0) this.logger.warn(`${left} wallet hold(s) still open at shutdown: the sweep will close them`);
  }

  private async settleOnce(
    account: AccountId,
    generation: GenerationId,
    costMicros: bigint,
    usage: string,
  ): Promise<SettleOutcome> {
    let reply: SettleReply = await this.store.settle(account, generation, costMicros, usage, this.recordTtlS);
    if (reply.kind === 'NEED_LOAD') {
      await this.loader.ensureLoaded(account);
      walletMetrics().loads.inc();
      reply = await this.store.settle(account, generation, costMicros, usage, this.recordTtlS);
    }
    switch (reply.kind) {
      case 'SETTLED':
        return { status: 'settled', chargedMicros: reply.charged, heldMicros: reply.held, spendableMicros: reply.spendable };
      case 'LATE':
        this.logger.warn(`settlement ${generation} arrived after the sweep closed its hold: charged the rest`);
        return { status: 'late', chargedMicros: reply.charged, totalMicros: reply.total, spendableMicros: reply.spendable };
      case 'UNHELD':
        this.logger.warn(`settlement ${generation}: no hold in the wallet (lost?): charged anyway`);
        return { status: 'unheld', chargedMicros: reply.charged, spendableMicros: reply.spendable };
      case 'DUPLICATE':
        return { status: 'duplicate', chargedMicros: reply.charged };
      default:
        throw new WalletProtocolError(`settlement of ${generation} on ${account}: ${reply.kind}`);
    }
  }

  private async retrySettle(account: AccountId, generation: GenerationId, cost: bigint, usage: string): Promise<void> {
    for (const delay of SETTLE_RETRY_DELAYS_MS) {
      await sleep(delay);
      try {
        const outcome = await this.settleOnce(account, generation, cost, usage);
        this.open.delete(generation);
        walletMetrics().settlements.inc({ outcome: outcome.status });
        return;
      } catch (error) {
        if (!(error instanceof WalletUnavailableError)) break;
      }
    }
    // The hold stops beating and expires; the sweep then charges the final cost its heartbeats carried.
    this.open.delete(generation);
    walletMetrics().settlements.inc({ outcome: 'lost' });
    this.logger.error(`settlement ${generation} of ${cost} micro-USD not written to the wallet: left to the sweep`);
  }

  /**
   * A hold call failed past its deadline: release whatever it may have held, without a usage record, unless the caller
   * closes the generation itself first (with its record: what the proxy does). Checked before every attempt, so a
   * caller's release always wins: the generation is closed once, by the call that carries the record.
   */
  private cancel(account: AccountId, generation: GenerationId): void {
    this.uncancelled.add(generation);
    this.inBackground(
      (async () => {
        try {
          for (const delay of SETTLE_RETRY_DELAYS_MS.slice(0, 5)) {
            await sleep(delay);
            if (!this.uncancelled.has(generation)) return;
            try {
              await this.settleOnce(account, generation, 0n, '');
              return;
            } catch {
              // retried; if it never answers, the hold (if any) expires and the sweep releases it
            }
          }
        } finally {
          this.uncancelled.delete(generation);
        }
      })(),
    );
  }

  private track(account: AccountId, generation: GenerationId): void {
    if (!this.open.has(generation)) {
      const shard = this.store.keys.shardOf(account);
      this.open.set(generation, {
        accountId: account,
        shard,
        deliveredMicros: 0n,
        delivered: null,
        gone: false,
        settling: false,
      });
    }
    if (!this.timer) {
      this.timer = setInterval(() => void this.beat(), this.heartbeatEveryMs);
      this.timer.unref();
    }
  }

  private async beat(): Promise<void> {
    if (this.beating || this.open.size === 0) return;
    this.beating = true;
    try {
      const byShard = new Map<ShardIndex, [GenerationId, OpenHold][]>();
      for (const entry of this.open) {
        const group = byShard.get(entry[1].shard);
        if (group) group.push(entry);
        else byShard.set(entry[1].shard, [entry]);
      }
      const calls: Promise<void>[] = [];
      for (const [shard, holds] of byShard) {
        for (let i = 0; i < holds.length; i += BEATS_PER_CALL) {
          calls.push(this.beatShard(shard, holds.slice(i, i + BEATS_PER_CALL)));
        }
      }
      await Promise.all(calls);
    } finally {
      this.beating = false;
    }
  }

  private async beatShard(shard: ShardIndex, holds: [GenerationId, OpenHold][]): Promise<void> {
    const beats: HeartbeatBeat[] = holds.map(([generationId, hold]) => ({
      generationId,
      deliveredMicros: hold.deliveredMicros,
      delivered: hold.delivered === null ? '' : JSON.stringify(hold.delivered),
    }));
    try {
      const alive = await this.store.heartbeat(shard, this.holdTtlMs, beats);
      alive.forEach((ok, i) => {
        const [generation, hold] = holds[i];
        if (ok || hold.gone || hold.settling) return;
        hold.gone = true;
        this.logger.warn(`hold ${generation} was swept while its request still ran (missed heartbeats)`);
      });
    } catch (error) {
      if (Date.now() - this.lastBeatWarning > 10_000) {
        this.lastBeatWarning = Date.now();
        this.logger.warn(`wallet heartbeat failed (${(error as Error).message}); holds expire if this lasts`);
      }
    }
  }

  private inBackground(promise: Promise<unknown>): void {
    this.background.add(promise);
    void promise.finally(() => this.background.delete(promise)).catch(() => undefined);
  }
}

function contextJson(context: HoldContext): string {
  return JSON.stringify({ ...context, createdAt: context.createdAt.toISOString() });
}

function deliveredOf(usage: UsageRecordRow): DeliveredUsage {
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedInputTokens: usage.cachedInputTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
