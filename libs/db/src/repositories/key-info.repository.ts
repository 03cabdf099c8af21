import { Injectable } from '@nestjs/common';
import { PrismaService, RAW_QUERY_TYPES } from '../prisma.service';

/**
 * The usage-record endpoints of billable requests (the proxy routes that hold money), and 'unknown' (the stale sweep's
 * record of a billable request whose proxy died): what a key's usage of the day counts. Lookups (models lists, key
 * info, generations) and count_tokens are free and count nowhere.
 */
export const BILLABLE_USAGE_ENDPOINTS: readonly string[] = [
  'chat.completions',
  'responses',
  'embeddings',
  'messages',
  'generate_content',
  'unknown',
];

/** A key's own record and the day's figures, as its holder may see them (never the key or its hash). */
export interface KeyInfoRecord {
  prefix: string;
  name: string;
  status: 'active' | 'disabled' | 'revoked';
  createdAt: Date;
  /** The newest usage record of the key (the request asking is recorded after its answer). */
  lastUsedAt: Date | null;
  /** The account's, from PostgreSQL: spendable (net of open reservations) and the open reservations. */
  balanceMicros: bigint;
  reservedMicros: bigint;
  /** What the PostgreSQL store counts against the key's daily limit today (UTC): its open holds and settled charges. */
  spentTodayMicros: bigint;
  usageToday: { requests: number; inputTokens: number; outputTokens: number; costMicros: bigint };
}

interface KeyInfoRow {
  prefix: string;
  name: string;
  status: KeyInfoRecord['status'];
  created_at: Date;
  last_used_at: Date | null;
  balance_micros: bigint;
  reserved_micros: bigint;
  spent_today_micros: bigint;
  requests: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cost_micros: bigint;
}

/** Self-service lookups of a key (GET /v1/key/info): one round trip, on the indexes the request path keeps anyway. */
@Injectable()
export class KeyInfoRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The key of `accountId` with id `keyId`, or null when there is none (a key is only ever read by its own caller). */
  async find(accountId: string, keyId: string): Promise<KeyInfoRecord | null> {
    const result = await this.prisma.pool.query<KeyInfoRow>({
      name: 'gw_key_info',
      types: RAW_QUERY_TYPES,
      text: `
        WITH today AS (SELECT (now() AT TIME ZONE 'UTC')::date AS day,
                              date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS since)
        SELECT k.prefix, k.name, k.status::text AS status, k.created_at,
               (SELECT u.created_at FROM usage_records u WHERE u.key_id = k.id
                 ORDER BY u.created_at DESC LIMIT 1) AS last_used_at,
               a.balance_micros, a.reserved_micros,
               COALESCE((SELECT s.spent_micros FROM api_key_daily_spend s, today
                          WHERE s.key_id = k.id AND s.day = today.day), 0)::bigint AS spent_today_micros,
               used.requests, used.input_tokens, used.output_tokens, used.cost_micros
          FROM api_keys k
          JOIN accounts a ON a.id = k.account_id
          CROSS JOIN LATERAL (
            SELECT COUNT(*)::bigint AS requests,
                   COALESCE(SUM(u.input_tokens), 0)::bigint AS input_tokens,
                   COALESCE(SUM(u.output_tokens), 0)::bigint AS output_tokens,
                   COALESCE(SUM(u.cost_micros), 0)::bigint AS cost_micros
              FROM usage_records u, today
             WHERE u.key_id = k.id AND u.created_at >= today.since AND u.endpoint = ANY ($3::text[])
          ) used
         WHERE k.id = $1::uuid AND k.account_id = $2::uuid`,
      values: [keyId, accountId, BILLABLE_USAGE_ENDPOINTS],
    });
    const row = result.rows[0];
    if (!row) return null;
    return {
      prefix: row.prefix,
      name: row.name,
      status: row.status,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      balanceMicros: row.balance_micros,
      reservedMicros: row.reserved_micros,
      spentTodayMicros: row.spent_today_micros,
      usageToday: {
        requests: Number(row.requests),
        inputTokens: Number(row.input_tokens),
        outputTokens: Number(row.output_tokens),
        costMicros: row.cost_micros,
      },
    };
  }
}
