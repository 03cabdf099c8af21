import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  closingOf,
  costsFor,
  ExactTokenCounter,
  failureOutcome,
  HOLD_LEDGER,
  HoldLedger,
  TokenUsage,
  usageRow,
  usageToCharge,
} from '@gw/billing';
import { GatewayShutdownError } from '@gw/common';
import type { UsageRecordRow } from '@gw/db';
import { toGatewayError } from '../context/gateway-errors';
import type { RelayResult } from '../relay/relay-result';
import { ClientGoneError } from '../relay/upstream-errors';
import { type Caller, type Held, requestLogFields } from '../context/request-context';
import { TokenLimit } from './token-limit';
import { RecentGenerations } from '../generation/recent-generations';

/**
 * Stage 7, settle (billable routes): closes the hold whatever happened, and never refuses anything (the response is
 * out, or on its way): charged on the real usage when the relay completed or delivered part of a stream, the provider's
 * counts completed by the gateway's where it reported none; fully released when the request failed before any answer.
 * The close itself is written after the response, retried, and handed to the worker if the store stays unreachable.
 * A key with a tokens-per-minute limit gets the tokens really used (input and output) in place of its estimate.
 */
@Injectable()
export class SettleStage {
  private readonly logger = new Logger(SettleStage.name);

  constructor(
    @Inject(HOLD_LEDGER) private readonly ledger: HoldLedger,
    private readonly counter: ExactTokenCounter,
    private readonly tokenLimit: TokenLimit,
    private readonly recent: RecentGenerations,
  ) {}

  /** The relay answered (completed, or a stream cut short): charge what was used. Never throws. */
  async settle(held: Held, result: RelayResult): Promise<void> {
    const { context, hold } = held;
    context.outcome = result.outcome; // for the access log, which may be written before the count below is done
    let usage: TokenUsage = result.usage;
    try {
      usage = await usageToCharge(hold, result, this.counter);
    } catch (error) {
      this.logger.warn({
        msg: `settlement ${context.generationId}: counting the unreported usage failed: ${(error as Error).message}`,
        ...requestLogFields(context),
      });
    }
    let costs = { costMicros: 0n, upstreamCostMicros: 0n };
    try {
      costs = costsFor(hold, usage);
    } catch (error) {
      this.logger.error({
        msg: `settlement ${context.generationId}: usage cannot be priced, released uncharged: ${(error as Error).message}`,
        ...requestLogFields(context),
      });
      usage = result.usage;
    }
    this.close(held, costs.costMicros, usageRow(context, held, hold.amountMicros, { ...result, usage, ...costs }));
    if (held.tokens) this.tokenLimit.settle(held, held.tokens, usage.inputTokens + usage.outputTokens);
  }

  /** The request failed after its hold (upstream error, client gone, shutdown): release it all. Never throws. */
  settleFailure(held: Held, error: unknown): void {
    const clientGone = error instanceof ClientGoneError;
    const failure = clientGone ? null : toGatewayError(error);
    const status = failure?.status ?? 499;
    const outcome = failureOutcome({ clientGone, shutdown: error instanceof GatewayShutdownError, status });
    this.close(held, 0n, usageRow(held.context, held, held.hold.amountMicros, { status, outcome, errorType: failure?.type ?? null }));
    if (held.tokens) this.tokenLimit.settle(held, held.tokens, 0);
  }

  /**
   * The usage record of an authenticated request that held no money (a free route, or refused before its hold), when
   * its response is over. Refusals for capacity (429 rate limits, 503 load shedding) get none: they cost nothing, and
   * must stay cheap. Requests that entered the reserve stage have theirs written by it or by settle.
   */
  recordUnbilled(caller: Caller, status: number): void {
    const context = caller.context;
    if (context.billed || status === 429 || context.shedBy !== undefined) return;
    const outcome = status < 400 ? 'completed' : 'rejected';
    context.outcome = outcome;
    const row = usageRow(context, caller, undefined, { status, outcome, errorType: context.errorType ?? null });
    this.recent.remember(row);
    this.ledger.recordUnbilled(row);
  }

  /**
   * Closes the hold with the request's usage record, also kept in Redis for GET /v1/generation (by the wallet's
   * settlement itself, or here): the response has ended, the settlement may take a while to reach PostgreSQL, and the
   * caller may look its generation up at once.
   */
  private close(held: Held, costMicros: bigint, usage: UsageRecordRow): void {
    const { context, hold } = held;
    context.outcome = usage.outcome;
    const closing = closingOf(hold, costMicros);
    if (closing === 'unbilled') {
      // Nothing was held (a free model: every priced request holds at least a micro-dollar), so nothing is charged:
      // the record says so, as a usage record always matches the ledger.
      const unbilled = { ...usage, costMicros: 0n, overrunMicros: 0n };
      this.recent.remember(unbilled);
      this.ledger.recordUnbilled(unbilled);
      return;
    }
    // The wallet keeps it in the settlement's own script (no command of its own); PostgreSQL's store does not.
    if (!this.ledger.keepsRecentRecords) this.recent.remember(usage);
    this.ledger.close(held.accountId, { generationId: context.generationId, costMicros, closedBy: closing, usage });
  }
}
