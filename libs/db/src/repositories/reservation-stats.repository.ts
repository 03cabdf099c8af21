import { Injectable } from '@nestjs/common';
import { PrismaService, RAW_QUERY_TYPES } from '../prisma.service';

export interface OpenReservationTotals {
  count: number;
  reservedMicros: bigint;
  /** Age of the oldest open reservation, 0 when there is none. */
  oldestAgeSeconds: number;
}

/** Deployment-wide figures on open reservations, for the worker's gauges (read on scrape). */
@Injectable()
export class ReservationStatsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** One index range scan over the open reservations (reservations_status_created_at_idx). */
  async openTotals(): Promise<OpenReservationTotals> {
    const { rows } = await this.prisma.pool.query<{ count: bigint; reserved: bigint; oldest_s: number | null }>({
      text: `SELECT count(*)::bigint AS count, COALESCE(sum(amount_micros), 0)::bigint AS reserved,
                    EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS oldest_s
               FROM reservations WHERE status = 'open'`,
      types: RAW_QUERY_TYPES,
    });
    const row = rows[0];
    return { count: Number(row.count), reservedMicros: row.reserved, oldestAgeSeconds: Math.max(0, row.oldest_s ?? 0) };
  }
}
