import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import { afterTimePosition, Page, TimePosition, toPage } from './keyset-page';

export type AlertDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One balance-alert event and how its delivery went. */
export interface AlertDeliveryRecord {
  id: string;
  accountId: string;
  thresholdMicros: bigint;
  balanceMicros: bigint;
  status: AlertDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** A delivery a worker has claimed: its body, and the attempt it is making (1 for the first). */
export interface ClaimedDelivery {
  id: string;
  accountId: string;
  payload: string;
  attempt: number;
  createdAt: Date;
}

/** What one attempt came to: delivered (a 2xx), or the next attempt's time, or given up. */
export type AttemptOutcome =
  | { kind: 'delivered'; statusCode: number }
  | { kind: 'retry'; statusCode: number | null; error: string; retryAt: Date }
  | { kind: 'failed'; statusCode: number | null; error: string };

const DELIVERY_FIELDS = {
  id: true,
  accountId: true,
  thresholdMicros: true,
  balanceMicros: true,
  status: true,
  attempts: true,
  lastStatusCode: true,
  lastError: true,
  createdAt: true,
  deliveredAt: true,
} as const;

/** Longest error text kept per delivery (an error message from a socket, never a body or a secret). */
const MAX_ERROR_LENGTH = 500;

/**
 * Balance-alert deliveries. Workers claim due ones with a lease (next_attempt_at pushed forward, rows locked with
 * SKIP LOCKED), so any number of workers deliver each event once per attempt; a worker that dies mid-attempt leaves a
 * lease that expires, and another worker makes the attempt.
 */
@Injectable()
export class AlertDeliveriesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** One account's deliveries, newest first. */
  async findPage(
    scope: { accountId: string },
    limit: number,
    after: TimePosition | null,
  ): Promise<Page<AlertDeliveryRecord, TimePosition>> {
    const rows = await this.prisma.balanceAlertDelivery.findMany({
      where: { AND: [{ accountId: scope.accountId }, afterTimePosition(after)] },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      select: DELIVERY_FIELDS,
    });
    return toPage(rows, limit, (row) => ({ createdAt: row.createdAt, id: row.id }));
  }

  /** Up to `limit` pending deliveries that are due, each leased to the caller for `leaseMs`. */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows = await this.prisma.$queryRaw<
      { id: string; account_id: string; payload: string; attempts: number; created_at: Date }[]
    >`
      UPDATE balance_alert_deliveries d
         SET next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}::double precision), updated_at = now()
       WHERE d.id IN (SELECT id FROM balance_alert_deliveries
                       WHERE status = 'pending' AND next_attempt_at <= now()
                       ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING d.id, d.account_id, d.payload, d.attempts, d.created_at`;
    return rows.map((row) => ({
      id: row.id,
      accountId: row.account_id,
      payload: row.payload,
      attempt: row.attempts + 1,
      createdAt: row.created_at,
    }));
  }

  /** Records one attempt. Only a pending delivery changes: an attempt never revives a finished one. */
  async recordAttempt(id: string, outcome: AttemptOutcome): Promise<void> {
    const statusCode = outcome.statusCode;
    const error = outcome.kind === 'delivered' ? null : outcome.error.slice(0, MAX_ERROR_LENGTH);
    await this.prisma.balanceAlertDelivery.updateMany({
      where: { id, status: 'pending' },
      data: {
        attempts: { increment: 1 },
        lastStatusCode: statusCode,
        lastError: error,
        ...(outcome.kind === 'delivered' ? { status: 'delivered', deliveredAt: new Date() } : {}),
        ...(outcome.kind === 'failed' ? { status: 'failed' } : {}),
        ...(outcome.kind === 'retry' ? { nextAttemptAt: outcome.retryAt } : {}),
      },
    });
  }
}
