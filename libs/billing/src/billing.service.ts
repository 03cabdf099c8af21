import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { KeyedBatcher } from '@gw/common';
import {
  BillingLedgerRepository,
  CloseRequest,
  CloseResult,
  HoldRequest,
  HoldResult,
  UsageRecordRow,
  usageRowToJson,
} from '@gw/db';
import { JobName, JobQueue } from '@gw/jobs';

/** How long a settlement is retried in-process before it is handed to the worker's queue. */
const CLOSE_RETRY_DELAYS_MS = [50, 200, 1_000];
const USAGE_BATCH_KEY = 'usage';

/**
 * Holds and settles money for requests. Every write goes through a per-account group commit (KeyedBatcher) to one
 * PL/pgSQL function call; correctness across proxy instances comes from the account row lock inside it.
 */
@Injectable()
export class BillingService {
  private readonly logger = new Logger(BillingService.name);
  private readonly holds: KeyedBatcher<HoldRequest, HoldResult>;
  private readonly closes: KeyedBatcher<CloseRequest, CloseResult>;
  private readonly unbilled: KeyedBatcher<UsageRecordRow, undefined>;
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly ledger: BillingLedgerRepository,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.holds = new KeyedBatcher((accountId, items) => this.ledger.reserve(accountId, items, config.instanceId));
    this.closes = new KeyedBatcher((accountId, items) => this.ledger.close(accountId, items));
    this.unbilled = new KeyedBatcher(async (_key, rows) => {
      await this.ledger.insertUsageRecords(rows);
      return rows.map(() => undefined);
    });
  }

  /** Reserves `hold.amountMicros` on the account, or reports that the spendable balance is short. */
  reserve(accountId: string, hold: HoldRequest): Promise<HoldResult> {
    return this.holds.submit(accountId, hold);
  }

  /**
   * Closes a reservation: charges `costMicros` (0 = plain release) and writes the usage record, atomically and
   * idempotently. Retries briefly; if the database stays unreachable, the settlement goes to the worker's queue
   * (keyed by generation id, so it can never run twice). Never throws: the client's response does not wait on it.
   */
  close(accountId: string, request: CloseRequest): Promise<CloseResult | null> {
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

  /** Resolves when every settlement and usage write started so far has finished (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  get pendingWrites(): number {
    return this.background.size;
  }

  private async closeWithRetry(accountId: string, request: CloseRequest): Promise<CloseResult | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.closes.submit(accountId, request);
      } catch (error) {
        if (attempt >= CLOSE_RETRY_DELAYS_MS.length) return this.handOver(accountId, request, error);
        await new Promise((resolve) => setTimeout(resolve, CLOSE_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  private async handOver(accountId: string, request: CloseRequest, cause: unknown): Promise<null> {
    try {
      await this.jobs.enqueue(JobName.SETTLE, {
        accountId,
        generationId: request.generationId,
        costMicros: request.costMicros.toString(),
        closedBy: request.closedBy,
        usage: request.usage ? usageRowToJson(request.usage) : null,
      });
      this.logger.warn(`settlement ${request.generationId} handed to the worker: ${(cause as Error).message}`);
    } catch (error) {
      // Neither PostgreSQL nor Redis took it: the reservation stays open and the stale sweep releases it, so the
      // client is never charged twice (it may be charged nothing). Reconciliation reports it.
      this.logger.error(
        `settlement ${request.generationId} lost (left to the stale sweep): ${(cause as Error).message}; ` +
          `queue: ${(error as Error).message}`,
      );
    }
    return null;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.background.add(promise);
    void promise.finally(() => this.background.delete(promise)).catch(() => undefined);
    return promise;
  }
}
