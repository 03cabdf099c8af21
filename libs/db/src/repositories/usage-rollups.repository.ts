import { Injectable } from '@nestjs/common';
import { batchQuery, PrismaService, RAW_QUERY_TYPES } from '../prisma.service';
import { Page, toPage } from './keyset-page';

/** A UTC calendar day, "YYYY-MM-DD". */
export type UtcDay = string;

/** Usage of one key with one model on one UTC day. */
export interface UsageRollupRecord {
  day: UtcDay;
  accountId: string;
  keyId: string;
  model: string;
  /** Requests the gateway answered (every outcome but 'abandoned'). */
  requests: number;
  /** Requests whose proxy died before answering ('abandoned' usage records). */
  abandoned: number;
  inputTokens: bigint;
  outputTokens: bigint;
  costMicros: bigint;
  updatedAt: Date;
}

export interface UsageRollupFilter {
  accountId?: string;
  keyId?: string;
  model?: string;
  /** Inclusive. */
  fromDay?: UtcDay;
  /** Inclusive. */
  toDay?: UtcDay;
}

/** Keyset position in (day, account, key, model) descending order. */
export interface RollupPosition {
  day: UtcDay;
  accountId: string;
  keyId: string;
  model: string;
}

export interface RecomputedDay {
  day: UtcDay;
  /** (account, key, model) groups with usage that day. */
  groups: number;
  /** Rows written because they were new or their numbers changed. */
  changed: number;
  /** Rows removed because their group no longer has usage that day. */
  removed: number;
}

@Injectable()
export class UsageRollupsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Recomputes one UTC day from usage_records in one statement: upserts every (account, key, model) group of the day,
   * leaves unchanged rows untouched and removes groups that have no usage any more (a record moved by a late
   * settlement). Idempotent: running it twice, or two workers at once, ends with the same rows.
   */
  async recomputeDay(day: UtcDay): Promise<RecomputedDay> {
    const { rows } = await this.prisma.pool.query<{ groups: bigint; changed: bigint; removed: bigint }>(batchQuery({
      types: RAW_QUERY_TYPES,
      text: `WITH fresh AS (
               SELECT u.account_id, u.key_id, u.model,
                      (COUNT(*) FILTER (WHERE u.outcome <> 'abandoned'))::int AS requests,
                      (COUNT(*) FILTER (WHERE u.outcome = 'abandoned'))::int AS abandoned,
                      COALESCE(SUM(u.input_tokens), 0)::bigint AS input_tokens,
                      COALESCE(SUM(u.output_tokens), 0)::bigint AS output_tokens,
                      COALESCE(SUM(u.cost_micros), 0)::bigint AS cost_micros
                 FROM usage_records u
                WHERE u.created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC'
                  AND u.created_at < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
                GROUP BY u.account_id, u.key_id, u.model),
             upserted AS (
               INSERT INTO usage_daily_rollups AS r
                      (day, account_id, key_id, model, requests, abandoned, input_tokens, output_tokens, cost_micros,
                       updated_at)
               SELECT $1::date, f.account_id, f.key_id, f.model, f.requests, f.abandoned, f.input_tokens,
                      f.output_tokens, f.cost_micros, now()
                 FROM fresh f
               ON CONFLICT (day, account_id, key_id, model) DO UPDATE
                  SET requests = EXCLUDED.requests, abandoned = EXCLUDED.abandoned,
                      input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens,
                      cost_micros = EXCLUDED.cost_micros, updated_at = now()
                WHERE (r.requests, r.abandoned, r.input_tokens, r.output_tokens, r.cost_micros)
                      IS DISTINCT FROM
                      (EXCLUDED.requests, EXCLUDED.abandoned, EXCLUDED.input_tokens, EXCLUDED.output_tokens,
                       EXCLUDED.cost_micros)
               RETURNING 1),
             removed AS (
               DELETE FROM usage_daily_rollups r
                WHERE r.day = $1::date
                  AND NOT EXISTS (SELECT 1 FROM fresh f
                                   WHERE f.account_id = r.account_id AND f.key_id = r.key_id AND f.model = r.model)
               RETURNING 1)
             SELECT (SELECT COUNT(*) FROM fresh) AS groups, (SELECT COUNT(*) FROM upserted) AS changed,
                    (SELECT COUNT(*) FROM removed) AS removed`,
      values: [day],
    }));
    const row = rows[0];
    return { day, groups: Number(row.groups), changed: Number(row.changed), removed: Number(row.removed) };
  }

  /** Newest day first; within a day by account, key and model (all descending, so one keyset comparison pages). */
  async findPage(
    filter: UsageRollupFilter,
    limit: number,
    after: RollupPosition | null,
  ): Promise<Page<UsageRollupRecord, RollupPosition>> {
    const { rows } = await this.prisma.pool.query<{
      day: string;
      account_id: string;
      key_id: string;
      model: string;
      requests: number;
      abandoned: number;
      input_tokens: bigint;
      output_tokens: bigint;
      cost_micros: bigint;
      updated_at: Date;
    }>({
      types: RAW_QUERY_TYPES,
      text: `SELECT to_char(day, 'YYYY-MM-DD') AS day, account_id::text AS account_id, key_id::text AS key_id, model,
                    requests, abandoned, input_tokens, output_tokens, cost_micros, updated_at
               FROM usage_daily_rollups
              WHERE ($1::uuid IS NULL OR account_id = $1::uuid)
                AND ($2::uuid IS NULL OR key_id = $2::uuid)
                AND ($3::text IS NULL OR model = $3::text)
                AND ($4::date IS NULL OR day >= $4::date)
                AND ($5::date IS NULL OR day <= $5::date)
                AND ($6::date IS NULL OR (day, account_id, key_id, model) < ($6::date, $7::uuid, $8::uuid, $9::text))
              ORDER BY day DESC, account_id DESC, key_id DESC, model DESC
              LIMIT $10`,
      values: [
        filter.accountId ?? null,
        filter.keyId ?? null,
        filter.model ?? null,
        filter.fromDay ?? null,
        filter.toDay ?? null,
        after?.day ?? null,
        after?.accountId ?? null,
        after?.keyId ?? null,
        after?.model ?? null,
        limit + 1,
      ],
    });
    const records = rows.map((row) => ({
      day: row.day,
      accountId: row.account_id,
      keyId: row.key_id,
      model: row.model,
      requests: row.requests,
      abandoned: row.abandoned,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      costMicros: row.cost_micros,
      updatedAt: row.updated_at,
    }));
    return toPage(records, limit, ({ day, accountId, keyId, model }) => ({ day, accountId, keyId, model }));
  }
}
