import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { AccountId, GenerationId } from '@gw/common';
import type { HoldBeat, UsageRecordRow } from '@gw/db';
import { WalletClosedError, WalletService } from '@gw/wallet';
import { BillingClosedError, BillingService } from '../billing.service';
import type { HoldPlan } from '../estimate/hold-plan';
import { HoldPlacer, PlacedHold, StoreAnswer } from '../estimate/hold-placer';
import { DeliveryProbe, HoldHeartbeat } from '../holds/hold-heartbeat';
import type { HoldClose, HoldLedger, HoldSubject } from './hold-ledger.port';

/**
 * Holds in the Redis wallet (BILLING_STORE=wallet): one atomic script to hold, one to settle, shared by every proxy
 * through Redis; the worker's ledger writer then writes each settlement (its usage record included) to PostgreSQL in
 * batches. No PostgreSQL call on a billed request's path, except an account's first use after Redis lost it (the
 * wallet loads it, once).
 *
 * - place: the same decision as the PostgreSQL store (HoldPlacer: the byte bound, an exact count only when that
 *   would be refused), each attempt one WalletService.hold.
 * - what a running request has delivered: its probe is read on the wallet's heartbeat period and handed to
 *   WalletService.reportDelivered, which the wallet's heartbeats carry to the hold, so that if this process dies the
 *   sweep charges that (and records the request as abandoned).
 * - close: WalletService.settle (release: a cost of 0), after the response; the wallet retries it in the background
 *   while Redis does not answer.
 * - recordUnbilled: PostgreSQL, batched (BillingService.recordUnbilled), as with the PostgreSQL store: a request that
 *   held nothing moves no money, so its record needs no ordering with the wallet's events, and one multi-row insert
 *   per batch after the responses is cheaper than a settlement script (a done marker, a stream entry, a writer
 *   transaction, and a PostgreSQL load of an account never held in Redis).
 */
@Injectable()
export class WalletHoldLedger implements HoldLedger, OnModuleDestroy {
  /** settle.lua keeps the usage record for the lookup (WalletService.settledRecord). */
  readonly keepsRecentRecords = true;
  private readonly logger = new Logger(WalletHoldLedger.name);
  private readonly deliveries: HoldHeartbeat;

  constructor(
    private readonly wallet: WalletService,
    private readonly placer: HoldPlacer,
    private readonly billing: BillingService,
  ) {
    // The wallet beats every third of the hold's TTL: reading the probes as often keeps what the sweep would charge
    // at most two periods behind, well inside the TTL.
    this.deliveries = new HoldHeartbeat({ beat: async (beats) => this.report(beats) }, wallet.heartbeatEveryMs, (error) =>
      this.logger.warn(`delivered output not reported to the wallet (retried next period): ${error.message}`),
    );
  }

  async place(accountId: AccountId, subject: HoldSubject, plan: HoldPlan, probe: DeliveryProbe | null): Promise<PlacedHold> {
    const context = {
      keyId: subject.keyId,
      model: subject.modelId,
      requestedModel: subject.requestedModel,
      protocol: subject.protocol,
      endpoint: subject.endpoint,
      stream: subject.stream,
      requestId: subject.requestId,
      createdAt: subject.receivedAt,
    };
    const attempt = async (amountMicros: bigint): Promise<StoreAnswer> => {
      const { generationId, dailyLimitMicros } = subject;
      const outcome = await this.wallet.hold({ accountId, generationId, amountMicros, context, dailyLimitMicros });
      switch (outcome.status) {
        case 'closed':
          throw new Error(`generation ${generationId} was settled already`);
        case 'refused':
          return { accepted: false, balanceMicros: outcome.spendableMicros, refusal: 'balance', dailyLeftMicros: outcome.dailyLeftMicros };
        case 'daily_limit':
          return { accepted: false, balanceMicros: outcome.spendableMicros, refusal: 'daily_limit', dailyLeftMicros: outcome.dailyLeftMicros };
        default:
          return { accepted: true, balanceMicros: outcome.spendableMicros };
      }
    };
    let placed: PlacedHold;
    try {
      placed = await this.placer.place(plan, attempt);
    } catch (error) {
      // The reserve stage answers the shutdown's own 503 for the store's closing, whichever store it is.
      throw error instanceof WalletClosedError ? new BillingClosedError() : error;
    }
    // A free model holds nothing in the wallet: there is no hold to keep informed.
    if (placed.accepted && placed.quote.amountMicros > 0n && probe !== null) this.deliveries.watch(subject.generationId, probe);
    return placed;
  }

  close(accountId: AccountId, request: HoldClose): void {
    this.deliveries.unwatch(request.generationId);
    const { generationId, costMicros, usage } = request;
    this.wallet.settle({ accountId, generationId, costMicros, usage }).catch((error: unknown) => {
      // Not an unavailable Redis (retried by the wallet, 'deferred'): a refusal of the script. The hold, if any,
      // expires and is swept, charging what its heartbeats carried (the final cost, reported by settle()).
      this.logger.error(`settlement ${generationId} not written to the wallet: ${(error as Error).message}`);
    });
  }

  recordUnbilled(row: UsageRecordRow): void {
    this.billing.recordUnbilled(row);
  }

  async drain(timeoutMs: number): Promise<number> {
    const [walletOpen, postgresOpen] = await Promise.all([this.wallet.drain(timeoutMs), this.billing.drain(timeoutMs)]);
    return walletOpen + postgresOpen;
  }

  onModuleDestroy(): void {
    this.deliveries.stop();
  }

  private async report(beats: HoldBeat[]): Promise<number> {
    let reported = 0;
    for (const { generationId, delivered } of beats) {
      if (delivered === null) continue;
      const { costMicros, ...usage } = delivered;
      // Watched under the request's GenerationId (place()): the heartbeat hands the same string back.
      this.wallet.reportDelivered(generationId as GenerationId, costMicros, usage);
      reported++;
    }
    return reported;
  }
}
