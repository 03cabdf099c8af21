import { Injectable } from '@nestjs/common';
import { PrismaService, RAW_QUERY_TYPES } from '../prisma.service';

/** Tokens a request has delivered so far (what the provider will bill for it), and their cost. */
export interface DeliveredSoFar {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  costMicros: bigint;
}

/** One open hold's heartbeat: it is alive, and (when known) what its request has delivered. */
export interface HoldBeat {
  generationId: string;
  delivered: DeliveredSoFar | null;
}

/** A hold whose proxy stopped beating. */
export interface StaleHold {
  generationId: string;
  accountId: string;
  amountMicros: bigint;
  instanceId: string;
  createdAt: Date;
  heartbeatAt: Date;
  /** What the sweep will charge: the delivered cost of the last beat. */
  deliveredCostMicros: bigint;
}

/** The holds found stale, and the heartbeat time they are stale against (re-checked when each is taken). */
export interface StaleHolds {
  staleBefore: Date;
  holds: StaleHold[];
}

/**
 * 'abandoned': taken by this sweep (released, charged what it had delivered); 'alive': it beat after it was found;
 * 'closed': closed meanwhile by its request or another sweeper; 'missing': no such hold on the account.
 */
export type AbandonOutcome = 'abandoned' | 'alive' | 'closed' | 'missing';

export interface AbandonResult {
  generationId: string;
  outcome: AbandonOutcome;
}

/**
 * Liveness of holds in PostgreSQL (libs/billing's HoldLiveness): heartbeats, and the stale sweep's reads and writes.
 * A heartbeat never waits for a row lock (SKIP LOCKED): a hold being closed needs no beat, and a beat that waited
 * behind a settlement could deadlock with it (settlements lock accounts first, then reservations).
 */
@Injectable()
export class HoldLivenessRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Refreshes the given open holds' heartbeat and records what their requests delivered, in one statement. Committed
   * without waiting for the WAL flush: a beat lost to a database crash only makes the next one count.
   */
  async beat(beats: HoldBeat[]): Promise<number> {
    if (beats.length === 0) return 0;
    const payload = beats.map((beat) => ({
      generation_id: beat.generationId,
      input_tokens: beat.delivered?.inputTokens ?? null,
      output_tokens: beat.delivered?.outputTokens ?? null,
      cached_input_tokens: beat.delivered?.cachedInputTokens ?? null,
      cache_write_tokens: beat.delivered?.cacheWriteTokens ?? null,
      cost_micros: beat.delivered?.costMicros.toString() ?? null,
    }));
    const result = await this.prisma.pool.query({
      name: 'gw_hold_beat',
      text: `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)),
                  beat AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS b(generation_id text, input_tokens int,
                            output_tokens int, cached_input_tokens int, cache_write_tokens int, cost_micros bigint)),
                  live AS (SELECT r.generation_id FROM reservations r JOIN beat b ON b.generation_id = r.generation_id
                            WHERE r.status = 'open' FOR UPDATE OF r SKIP LOCKED)
             UPDATE reservations r SET heartbeat_at = now(),
                    delivered_input_tokens = COALESCE(b.input_tokens, r.delivered_input_tokens),
                    delivered_output_tokens = COALESCE(b.output_tokens, r.delivered_output_tokens),
                    delivered_cached_input_tokens = COALESCE(b.cached_input_tokens, r.delivered_cached_input_tokens),
                    delivered_cache_write_tokens = COALESCE(b.cache_write_tokens, r.delivered_cache_write_tokens),
                    delivered_cost_micros = COALESCE(b.cost_micros, r.delivered_cost_micros)
               FROM beat b, live l, relaxed
              WHERE r.generation_id = b.generation_id AND l.generation_id = r.generation_id`,
      values: [JSON.stringify(payload)],
    });
    return result.rowCount ?? 0;
  }

  /**
   * Open holds whose last heartbeat is older than `staleAfterS` seconds at `asOf` (default: the database's clock, so
   * that no process's clock matters), least recently beaten first. No lock taken: see StaleReservationSweeper.
   */
  async findStale(staleAfterS: number, limit: number, asOf: Date | null): Promise<StaleHolds> {
    const result = await this.prisma.pool.query<{
      stale_before: Date;
      generation_id: string | null;
      account_id: string;
      amount_micros: bigint;
      instance_id: string;
      created_at: Date;
      heartbeat_at: Date;
      delivered_cost_micros: bigint;
    }>({
      name: 'gw_stale_holds',
      types: RAW_QUERY_TYPES,
      text: `WITH cutoff AS (SELECT date_trunc('milliseconds', COALESCE($1::timestamptz, now()) - make_interval(secs => $2))
                                   AS stale_before)
             SELECT c.stale_before, r.generation_id, r.account_id::text AS account_id, r.amount_micros, r.instance_id,
                    r.created_at, r.heartbeat_at, r.delivered_cost_micros
               FROM cutoff c LEFT JOIN LATERAL (
                      SELECT * FROM reservations r
                       WHERE r.status = 'open' AND r.heartbeat_at < c.stale_before
                       ORDER BY r.heartbeat_at LIMIT $3) r ON true`,
      values: [asOf, staleAfterS, limit],
    });
    const staleBefore = result.rows[0].stale_before;
    const holds = result.rows
      .filter((row) => row.generation_id !== null)
      .map((row) => ({
        generationId: row.generation_id!,
        accountId: row.account_id,
        amountMicros: row.amount_micros,
        instanceId: row.instance_id,
        createdAt: row.created_at,
        heartbeatAt: row.heartbeat_at,
        deliveredCostMicros: row.delivered_cost_micros,
      }));
    return { staleBefore, holds };
  }

  /**
   * Closes the holds of one account whose heartbeat is still older than `staleBefore` (checked under the account and
   * reservation row locks, in gw_settle): releases each, charges what its last beat said it delivered, and writes its
   * 'abandoned' usage record. Exactly once, whatever else closes or sweeps the same holds.
   */
  async abandon(accountId: string, generationIds: string[], staleBefore: Date): Promise<AbandonResult[]> {
    const items = generationIds.map((generationId) => ({
      generation_id: generationId,
      cost_micros: '0',
      closed_by: 'sweep',
      usage: null,
      stale_before: staleBefore.toISOString(),
    }));
    const result = await this.prisma.pool.query<{ generation_id: string; outcome: string }>({
      name: 'gw_abandon',
      types: RAW_QUERY_TYPES,
      text: 'SELECT generation_id, outcome, balance_micros FROM gw_settle($1::uuid, $2::jsonb)',
      values: [accountId, JSON.stringify(items)],
    });
    return result.rows.map((row) => ({
      generationId: row.generation_id,
      outcome: row.outcome === 'abandoned' || row.outcome === 'alive' || row.outcome === 'missing' ? row.outcome : 'closed',
    }));
  }
}
