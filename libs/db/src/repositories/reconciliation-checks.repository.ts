import { Injectable } from '@nestjs/common';
import { batchQuery, PrismaService, RAW_QUERY_TYPES } from '../prisma.service';

/** A time range of a reconciliation run: `from` inclusive (null: since the beginning), `to` exclusive. */
export interface CheckRange {
  from: Date | null;
  to: Date;
}

/** Keyset position in (created_at, id) order. */
export interface CheckPosition {
  createdAt: Date;
  id: string;
}

/** One account's stored columns next to what they derive from, read in one statement (one snapshot). */
export interface AccountBooksRow {
  accountId: string;
  storedBalanceMicros: bigint;
  storedReservedMicros: bigint;
  /** SUM of the account's ledger entries. */
  ledgerSumMicros: bigint;
  /** balance_after of the account's latest ledger entry; null without entries. */
  runningBalanceMicros: bigint | null;
  /** SUM of the account's open reservations. */
  openHoldsMicros: bigint;
}

/** A usage record next to the ledger entries of its generation. */
export interface UsageLedgerRow {
  generationId: string;
  accountId: string;
  createdAt: Date;
  outcome: string;
  costMicros: bigint;
  reservedMicros: bigint;
  overrunMicros: bigint;
  /** How many ledger entries carry this generation id. */
  ledgerEntries: number;
  /** -SUM(settlement and late_settlement entries). */
  settledMicros: bigint;
  /** -SUM(reservation entries). */
  heldMicros: bigint;
  /** SUM(release entries). */
  releasedMicros: bigint;
  /** The generation's reservation status; null when it has none. */
  reservationStatus: 'open' | 'settled' | 'released' | null;
}

/** A ledger entry next to the one before it on its account, and whether its generation has a usage record. */
export interface LedgerCheckRow {
  id: bigint;
  accountId: string;
  kind: string;
  amountMicros: bigint;
  balanceAfterMicros: bigint;
  /** balance_after of the account's previous entry; null for its first entry. */
  previousBalanceMicros: bigint | null;
  generationId: string | null;
  hasUsageRecord: boolean;
  reservationStatus: 'open' | 'settled' | 'released' | null;
  createdAt: Date;
}

export interface OpenReservationRow {
  generationId: string;
  accountId: string;
  amountMicros: bigint;
  instanceId: string;
  createdAt: Date;
}

export interface Total {
  count: number;
  micros: bigint;
}

/**
 * The reads of a reconciliation run, page by page. Each page is one statement, so what it compares (a balance and its
 * ledger, a usage record and its entries) comes from one snapshot: a settlement committing meanwhile is seen whole or
 * not at all, never half. Read-only: reconciliation reports, it never repairs.
 */
@Injectable()
export class ReconciliationChecksRepository {
  constructor(private readonly prisma: PrismaService) {}

  async accountBooksPage(afterId: string | null, limit: number): Promise<AccountBooksRow[]> {
    const { rows } = await this.prisma.pool.query<{
      account_id: string;
      balance_micros: bigint;
      reserved_micros: bigint;
      ledger_sum: bigint;
      running_balance: bigint | null;
      open_holds: bigint;
    }>(batchQuery({
      types: RAW_QUERY_TYPES,
      text: `SELECT a.id::text AS account_id, a.balance_micros, a.reserved_micros,
                    COALESCE((SELECT SUM(l.amount_micros) FROM ledger_entries l WHERE l.account_id = a.id), 0)::bigint
                      AS ledger_sum,
                    (SELECT l.balance_after_micros FROM ledger_entries l WHERE l.account_id = a.id
                      ORDER BY l.id DESC LIMIT 1) AS running_balance,
                    COALESCE((SELECT SUM(r.amount_micros) FROM reservations r
                               WHERE r.account_id = a.id AND r.status = 'open'), 0)::bigint AS open_holds
               FROM accounts a
              WHERE $1::uuid IS NULL OR a.id > $1::uuid
              ORDER BY a.id
              LIMIT $2`,
      values: [afterId, limit],
    }));
    return rows.map((row) => ({
      accountId: row.account_id,
      storedBalanceMicros: row.balance_micros,
      storedReservedMicros: row.reserved_micros,
      ledgerSumMicros: row.ledger_sum,
      runningBalanceMicros: row.running_balance,
      openHoldsMicros: row.open_holds,
    }));
  }

  /** Usage records created in the range, oldest first, each with its generation's ledger entries summed by kind. */
  async usageLedgerPage(range: CheckRange, after: CheckPosition | null, limit: number): Promise<UsageLedgerRow[]> {
    const { rows } = await this.prisma.pool.query<{
      generation_id: string;
      account_id: string;
      created_at: Date;
      outcome: string;
      cost_micros: bigint;
      reserved_micros: bigint;
      overrun_micros: bigint;
      entries: bigint;
      settled: bigint;
      held: bigint;
      released: bigint;
      reservation_status: UsageLedgerRow['reservationStatus'];
    }>(batchQuery({
      types: RAW_QUERY_TYPES,
      text: `WITH page AS (
               SELECT u.generation_id, u.account_id, u.created_at, u.outcome, u.cost_micros, u.reserved_micros,
                      u.overrun_micros
                 FROM usage_records u
                WHERE ($1::timestamptz IS NULL OR u.created_at >= $1::timestamptz) AND u.created_at < $2::timestamptz
                  AND ($3::timestamptz IS NULL OR (u.created_at, u.generation_id) > ($3::timestamptz, $4::text))
                ORDER BY u.created_at, u.generation_id
                LIMIT $5)
             SELECT p.generation_id, p.account_id::text AS account_id, p.created_at, p.outcome, p.cost_micros,
                    p.reserved_micros, p.overrun_micros,
                    COUNT(l.id) AS entries,
                    COALESCE(-SUM(l.amount_micros) FILTER (WHERE l.kind IN ('settlement', 'late_settlement')), 0)::bigint
                      AS settled,
                    COALESCE(-SUM(l.amount_micros) FILTER (WHERE l.kind = 'reservation'), 0)::bigint AS held,
                    COALESCE(SUM(l.amount_micros) FILTER (WHERE l.kind = 'release'), 0)::bigint AS released,
                    (SELECT r.status::text FROM reservations r WHERE r.generation_id = p.generation_id) AS reservation_status
               FROM page p LEFT JOIN ledger_entries l ON l.generation_id = p.generation_id
              GROUP BY p.generation_id, p.account_id, p.created_at, p.outcome, p.cost_micros, p.reserved_micros,
                       p.overrun_micros
              ORDER BY p.created_at, p.generation_id`,
      values: [range.from, range.to, after?.createdAt ?? null, after?.id ?? null, limit],
    }));
    return rows.map((row) => ({
      generationId: row.generation_id,
      accountId: row.account_id,
      createdAt: row.created_at,
      outcome: row.outcome,
      costMicros: row.cost_micros,
      reservedMicros: row.reserved_micros,
      overrunMicros: row.overrun_micros,
      ledgerEntries: Number(row.entries),
      settledMicros: row.settled,
      heldMicros: row.held,
      releasedMicros: row.released,
      reservationStatus: row.reservation_status,
    }));
  }

  /** Ledger entries created in the range, oldest first, each with the balance after its account's previous entry. */
  async ledgerPage(range: CheckRange, after: CheckPosition | null, limit: number): Promise<LedgerCheckRow[]> {
    const { rows } = await this.prisma.pool.query<{
      id: bigint;
      account_id: string;
      kind: string;
      amount_micros: bigint;
      balance_after_micros: bigint;
      previous_balance: bigint | null;
      generation_id: string | null;
      has_usage: boolean;
      reservation_status: LedgerCheckRow['reservationStatus'];
      created_at: Date;
    }>(batchQuery({
      types: RAW_QUERY_TYPES,
      text: `SELECT l.id, l.account_id::text AS account_id, l.kind::text AS kind, l.amount_micros,
                    l.balance_after_micros, l.generation_id, l.created_at,
                    (SELECT p.balance_after_micros FROM ledger_entries p
                      WHERE p.account_id = l.account_id AND p.id < l.id ORDER BY p.id DESC LIMIT 1) AS previous_balance,
                    (l.generation_id IS NOT NULL
                      AND EXISTS (SELECT 1 FROM usage_records u WHERE u.generation_id = l.generation_id)) AS has_usage,
                    (SELECT r.status::text FROM reservations r WHERE r.generation_id = l.generation_id)
                      AS reservation_status
               FROM ledger_entries l
              WHERE ($1::timestamptz IS NULL OR l.created_at >= $1::timestamptz) AND l.created_at < $2::timestamptz
                AND ($3::timestamptz IS NULL OR (l.created_at, l.id) > ($3::timestamptz, $4::bigint))
              ORDER BY l.created_at, l.id
              LIMIT $5`,
      values: [range.from, range.to, after?.createdAt ?? null, after?.id ?? null, limit],
    }));
    return rows.map((row) => ({
      id: row.id,
      accountId: row.account_id,
      kind: row.kind,
      amountMicros: row.amount_micros,
      balanceAfterMicros: row.balance_after_micros,
      previousBalanceMicros: row.previous_balance,
      generationId: row.generation_id,
      hasUsageRecord: row.has_usage,
      reservationStatus: row.reservation_status,
      createdAt: row.created_at,
    }));
  }

  /**
   * Holds the stale sweeps released in the range (those whose request later settled after all included): PostgreSQL
   * reservations the sweep released, and wallet holds the wallet's sweep closed (their `abandoned` usage records,
   * which hold no reservation row; a request that settled late replaced its record, and is not counted).
   */
  async sweptInRange(range: CheckRange): Promise<Total> {
    const { rows } = await this.prisma.pool.query<{ count: bigint; micros: bigint }>(batchQuery({
      types: RAW_QUERY_TYPES,
      text: `SELECT SUM(s.count)::bigint AS count, COALESCE(SUM(s.micros), 0)::bigint AS micros FROM (
               SELECT COUNT(*) AS count, COALESCE(SUM(l.amount_micros), 0) AS micros
                 FROM ledger_entries l JOIN reservations r ON r.generation_id = l.generation_id
                WHERE l.kind = 'release' AND r.closed_by IN ('sweep', 'late_settlement')
                  AND ($1::timestamptz IS NULL OR l.created_at >= $1::timestamptz) AND l.created_at < $2::timestamptz
               UNION ALL
               SELECT COUNT(*), COALESCE(SUM(u.reserved_micros - u.cost_micros), 0)
                 FROM usage_records u
                WHERE u.outcome = 'abandoned'
                  AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.generation_id = u.generation_id)
                  AND ($1::timestamptz IS NULL OR u.created_at >= $1::timestamptz) AND u.created_at < $2::timestamptz
             ) s`,
      values: [range.from, range.to],
    }));
    return { count: Number(rows[0].count), micros: rows[0].micros };
  }

  /**
   * Reservations whose heartbeat stopped more than `olderThanS` seconds ago (by the database clock) and that are still
   * open: the sweep should have closed them. Least recently beaten first, with their total.
   */
  async openTooLong(olderThanS: number, limit: number): Promise<{ total: Total; items: OpenReservationRow[] }> {
    const { rows } = await this.prisma.pool.query<{
      generation_id: string;
      account_id: string;
      amount_micros: bigint;
      instance_id: string;
      created_at: Date;
      total_count: bigint;
      total_micros: bigint;
    }>(batchQuery({
      types: RAW_QUERY_TYPES,
      text: `SELECT generation_id, account_id::text AS account_id, amount_micros, instance_id, created_at,
                    COUNT(*) OVER () AS total_count, (SUM(amount_micros) OVER ())::bigint AS total_micros
               FROM reservations
              WHERE status = 'open' AND heartbeat_at < now() - make_interval(secs => $1)
              ORDER BY heartbeat_at
              LIMIT $2`,
      values: [olderThanS, limit],
    }));
    return {
      total: { count: Number(rows[0]?.total_count ?? 0n), micros: rows[0]?.total_micros ?? 0n },
      items: rows.map((row) => ({
        generationId: row.generation_id,
        accountId: row.account_id,
        amountMicros: row.amount_micros,
        instanceId: row.instance_id,
        createdAt: row.created_at,
      })),
    };
  }
}
