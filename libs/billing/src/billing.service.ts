import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { KeyedBatcher, withDeadline } from '@gw/common';
import {
  AccountItem,
  BillingLedgerRepository,
  CloseRequest,
  CloseResult,
  HoldRequest,
  HoldResult,
  toSettleItem,
  UsageRecordRow,
} from '@gw/db';
import { JobName, JobQueue, SettleJobData } from '@gw/jobs';
import { billingMetrics, observeBilling } from '@gw/observability';
import { DeliveryProbe, HoldHeartbeat } from './holds/hold-heartbeat';
import { HOLD_LIVENESS, HoldLiveness } from './holds/hold-liveness';

/** How long a settlement is retried in-process before it is handed to the worker's queue. */
const CLOSE_RETRY_DELAYS_MS = [50, 200, 1_000];
const USAGE_BATCH_KEY = 'usage';
/**
 * Group-commit lanes: each account always goes to the same lane, each lane writes one batch (of many accounts) at a
 * time. Few lanes make big batches (few commits); more lanes write in parallel. PostgreSQL does the real work, so a
 * handful is enough.
 */
const LANES = 4;
const DRAIN_POLL_MS = 25;

/** Billing refuses new holds: the process is shutting down. */
export class BillingClosedError extends Error {
  constructor() {
    super('billing is shutting down: no new reservations');
    this.name = 'BillingClosedError';
  }
}

/** A handed-over settlement that can never be applied (retrying it would not help). */
export class MalformedSettlementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedSettlementError';
  }
}

/**
 * Holds and settles money for requests. Every write goes through a group commit (KeyedBatcher, by lane): concurrent
 * requests, of one account or of many, share one PL/pgSQL call and one commit. Correctness across proxy instances
 * comes from the account row locks inside it, not from the batching. Holds of running requests are kept alive by a
 * heartbeat (HoldHeartbeat) that also records what each request has delivered, for the sweep to charge if this
 * process dies.
 */
@Injectable()
export class BillingService implements OnModuleDestroy {
  private readonly logger = new Logger(BillingService.name);
  private readonly holds: KeyedBatcher<AccountItem<HoldRequest>, HoldResult>;
  private readonly closes: KeyedBatcher<AccountItem<CloseRequest>, CloseResult>;
  private readonly unbilled: KeyedBatcher<UsageRecordRow, undefined>;
  private readonly background = new Set<Promise<unknown>>();
  /** The holds this process has for requests it has not started to close yet (in-flight requests), kept alive. */
  private readonly heartbeat: HoldHeartbeat;
  private readonly shutdownGraceMs: number;
  /** A hold not decided within this (DB_QUERY_TIMEOUT_MS) fails: the client gets a prompt 503. */
  private readonly reserveDeadlineMs: number;
  private closed = false;

  constructor(
    private readonly ledger: BillingLedgerRepository,
    @Inject(HOLD_LIVENESS) liveness: HoldLiveness,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.shutdownGraceMs = config.proxy.shutdownGraceMs;
    this.reserveDeadlineMs = config.db.queryTimeoutMs;
    this.holds = new KeyedBatcher((_lane, items) => this.ledger.reserveMany(items, config.instanceId));
    this.closes = new KeyedBatcher((_lane, items) => this.ledger.closeMany(items));
    this.heartbeat = new HoldHeartbeat(liveness, config.billing.heartbeatEveryMs, (error) =>
      this.logger.warn(`hold heartbeat not written (retried next period): ${error.message}`),
    );
    observeBilling(() => ({ inFlightHolds: this.heartbeat.size, pendingWrites: this.background.size }));
    this.unbilled = new KeyedBatcher(async (_key, rows) => {
      await this.ledger.insertUsageRecords(rows);
      return rows.map(() => undefined);
    });
  }

  /**
   * Reserves `hold.amountMicros` on the account, or reports that the spendable balance is short. An accepted hold
   * must be closed with close(), whatever happens to the request; until then it is kept alive, with what `probe` says
   * the request delivered. Throws BillingClosedError once shutdown began, DeadlineExceededError when the database did
   * not decide within DB_QUERY_TIMEOUT_MS (the hold may still commit: close() it, as for any failure).
   */
  async reserve(accountId: string, hold: HoldRequest, probe: DeliveryProbe | null = null): Promise<HoldResult> {
    if (this.closed) throw new BillingClosedError();
    let result: HoldResult;
    try {
      const decided = this.holds.submit(laneOf(accountId), { accountId, item: hold });
      result = await withDeadline(decided, this.reserveDeadlineMs, `reservation ${hold.generationId}`);
    } catch (error) {
      billingMetrics().reservations.inc({ result: 'failed' });
      throw error;
    }
    billingMetrics().reservations.inc({
      result: result.accepted ? 'accepted' : result.refusal === 'daily_limit' ? 'daily_limit' : 'insufficient',
    });
    if (result.accepted) this.heartbeat.watch(hold.generationId, probe);
    return result;
  }

  /**
   * Closes a reservation: charges `costMicros` (0 = plain release) and writes the usage record, atomically and
   * idempotently. Retries briefly; if the database stays unreachable, the settlement goes to the worker's queue
   * (keyed by generation id, so it can never run twice). Never throws: the client's response does not wait on it.
   */
  close(accountId: string, request: CloseRequest): Promise<CloseResult | null> {
    this.heartbeat.unwatch(request.generationId);
    return this.track(this.closeWithRetry(accountId, request));
  }

  /** Usage record of a request that held no money (rejected before the upstream call). Best effort, batched. */
  recordUnbilled(row: UsageRecordRow): void {
    void this.track(
      this.unbilled.submit(USAGE_BATCH_KEY, row).catch((error: unknown) => {
        this.logger.warn(`usage record ${row.generationId} not written: ${(error as Error).message}`);
      }),
    );
  }

  /**
   * Resolves when every request holding money in this process has been closed and every settlement and usage write
   * started so far has finished, or when `timeoutMs` has passed. Returns the number of holds left open (released
   * later by the worker's stale sweep).
   */
  async drain(timeoutMs = Number.POSITIVE_INFINITY): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      if (this.background.size > 0) {
        await Promise.race([Promise.allSettled([...this.background]), sleep(Math.min(left, 1_000))]);
      } else if (this.heartbeat.size > 0) {
        await sleep(Math.min(left, DRAIN_POLL_MS));
      } else {
        break;
      }
    }
    return this.heartbeat.size;
  }

  /** Beats every open hold now (tests; the heartbeat's own timer beats the ones due). */
  beatNow(): Promise<void> {
    return this.heartbeat.beat(true);
  }

  /**
   * Graceful shutdown, last guard. The proxy's shutdown sequence (libs/observability graceful-shutdown.ts, main.ts) has
   * closed the listener, let in-flight requests finish and drained their settlements before the modules close; this
   * refuses any later hold (503) and waits for writes still pending. Nest destroys modules in reverse dependency
   * order and global modules last, so PostgreSQL, Redis and the job queue are still open here.
   */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    const left = await this.drain(this.shutdownGraceMs);
    this.heartbeat.stop();
    if (left > 0) this.logger.warn(`${left} reservation(s) still open at shutdown: the stale sweep will close them`);
  }

  get pendingWrites(): number {
    return this.background.size;
  }

  get inFlightHolds(): number {
    return this.heartbeat.size;
  }

  private async closeWithRetry(accountId: string, request: CloseRequest): Promise<CloseResult | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        // Retries go alone, so that an item that breaks its batch cannot keep failing the others.
        const result =
          attempt === 0
            ? await this.closes.submit(laneOf(accountId), { accountId, item: request })
            : (await this.ledger.close(accountId, [request]))[0];
        billingMetrics().settlements.inc({ outcome: result.outcome });
        if (result.outcome === 'missing') {
          this.logger.warn(`settlement ${request.generationId}: no reservation on account ${accountId}`);
        }
        return result;
      } catch (error) {
        if (attempt >= CLOSE_RETRY_DELAYS_MS.length) return this.handOver(accountId, request, error);
        await sleep(CLOSE_RETRY_DELAYS_MS[attempt]);
      }
    }
  }

  private async handOver(accountId: string, request: CloseRequest, cause: unknown): Promise<null> {
    try {
      const item = toSettleItem(request);
      await this.jobs.enqueue(JobName.SETTLE, {
        accountId,
        generationId: item.generation_id,
        costMicros: item.cost_micros,
        closedBy: item.closed_by,
        usage: item.usage,
      });
      billingMetrics().settlements.inc({ outcome: 'handed_over' });
      this.logger.warn(`settlement ${request.generationId} handed to the worker: ${(cause as Error).message}`);
    } catch (error) {
      billingMetrics().settlements.inc({ outcome: 'lost' });
      // Neither PostgreSQL nor Redis took it: the reservation stays open, no longer beating, and the stale sweep
      // closes it, charging what its last heartbeat recorded: never twice (maybe less than the real cost).
      this.logger.error(
        `settlement ${request.generationId} lost (left to the stale sweep): ${(cause as Error).message}; ` +
          `queue: ${(error as Error).message}`,
      );
    }
    return null;
  }

  /**
   * Applies a settlement the proxy handed over (worker side, JobName.SETTLE). gw_settle is idempotent per generation
   * id, so a settlement that the proxy also managed to write, or a job that runs twice, charges once.
   */
  async applyHandedOver(data: SettleJobData): Promise<CloseResult> {
    if (!/^\d{1,19}$/.test(data.costMicros) || !['settlement', 'release'].includes(data.closedBy)) {
      throw new MalformedSettlementError(`settlement ${data.generationId} is malformed`);
    }
    const [result] = await this.ledger.settle(data.accountId, [
      { generation_id: data.generationId, cost_micros: data.costMicros, closed_by: data.closedBy, usage: data.usage },
    ]);
    billingMetrics().settlements.inc({ outcome: result.outcome });
    if (result.outcome === 'missing') {
      this.logger.warn(`handed-over settlement ${data.generationId}: no reservation on account ${data.accountId}`);
    }
    return result;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.background.add(promise);
    void promise.finally(() => this.background.delete(promise)).catch(() => undefined);
    return promise;
  }
}

function laneOf(accountId: string): string {
  let hash = 0;
  for (let i = 0; i < accountId.length; i++) hash = (hash * 31 + accountId.charCodeAt(i)) | 0;
  return String(Math.abs(hash) % LANES);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
