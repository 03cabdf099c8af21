import { Injectable } from '@nestjs/common';
import { PrismaService, RAW_QUERY_TYPES } from '../prisma.service';
import { UsageRecordRow, usageRowToJson } from './usage-record.row';

export interface HoldRequest {
  generationId: string;
  keyId: string;
  modelId: string;
  amountMicros: bigint;
  /** The key's most per UTC day (its ApiKeyAuthRecord's); null or absent: no cap. */
  dailyLimitMicros?: bigint | null;
}

/** Why a hold was refused: the spendable balance is short (402), or the key's daily limit would be crossed (403). */
export type HoldRefusal = 'balance' | 'daily_limit';

export interface HoldResult {
  generationId: string;
  accepted: boolean;
  /** Spendable balance after this item (net of open reservations). */
  balanceMicros: bigint;
  /** Set when refused. */
  refusal: HoldRefusal | null;
  /** What the key's daily limit leaves of today after this item; null when the key has no limit. */
  dailyLeftMicros: bigint | null;
}

interface HoldRow {
  generation_id: string;
  accepted: boolean;
  balance_micros: bigint | null;
  refusal: HoldRefusal | null;
  daily_left_micros: bigint | null;
}

function holdResultOf(row: HoldRow): HoldResult {
  return {
    generationId: row.generation_id,
    accepted: row.accepted,
    balanceMicros: row.balance_micros ?? 0n,
    refusal: row.refusal,
    dailyLeftMicros: row.daily_left_micros,
  };
}

/**
 * 'settlement' (request finished), 'release' (failed upstream, nothing to charge). The stale sweep closes holds
 * through HoldLivenessRepository.abandon.
 */
export type ClosedBy = 'settlement' | 'release';

export interface CloseRequest {
  generationId: string;
  /** 0 releases the hold without a charge. */
  costMicros: bigint;
  closedBy: ClosedBy;
  /**
   * Written in the same transaction as the ledger entries. Its money fields are overwritten by gw_settle with what
   * the ledger actually moved.
   */
  usage: UsageRecordRow | null;
}

/**
 * One gw_settle item as JSON (bigints as decimal strings, usage in snake_case columns). This is also the shape a
 * settlement takes on the job queue when the proxy hands it to the worker, so both paths call gw_settle identically.
 */
export interface SettleItem {
  generation_id: string;
  cost_micros: string;
  closed_by: ClosedBy;
  usage: Record<string, unknown> | null;
}

export type CloseOutcome = 'settled' | 'released' | 'late_settled' | 'duplicate' | 'missing';

export interface CloseResult {
  generationId: string;
  outcome: CloseOutcome;
  balanceMicros: bigint;
}

/** An item of a batch that spans accounts. */
export interface AccountItem<T> {
  accountId: string;
  item: T;
}

/** Items grouped per account, each group in arrival order: the p_groups of gw_reserve_many / gw_settle_many. */
function byAccount<T, J>(items: AccountItem<T>[], toJson: (item: T) => J): { account_id: string; items: J[] }[] {
  const groups = new Map<string, J[]>();
  for (const { accountId, item } of items) {
    const group = groups.get(accountId);
    if (group) group.push(toJson(item));
    else groups.set(accountId, [toJson(item)]);
  }
  return [...groups].map(([account_id, grouped]) => ({ account_id, items: grouped }));
}

const holdJson = (item: HoldRequest) => ({
  generation_id: item.generationId,
  key_id: item.keyId,
  model_id: item.modelId,
  amount_micros: item.amountMicros.toString(),
  daily_limit_micros: item.dailyLimitMicros == null ? null : item.dailyLimitMicros.toString(),
});

export function toSettleItem(request: CloseRequest): SettleItem {
  return {
    generation_id: request.generationId,
    cost_micros: request.costMicros.toString(),
    closed_by: request.closedBy,
    usage: request.usage ? usageRowToJson(request.usage) : null,
  };
}

/**
 * The money path: reservations and settlements as single-statement transactions (PL/pgSQL functions in the
 * migrations), so a batch costs one round trip and one commit. Raw SQL on the shared pool, because this runs for
 * every request and the functions' row-locking rules are the contract, not an ORM's.
 */
@Injectable()
export class BillingLedgerRepository {
  constructor(private readonly prisma: PrismaService) {}

  async reserve(accountId: string, items: HoldRequest[], instanceId: string): Promise<HoldResult[]> {
    const payload = items.map(holdJson);
    const result = await this.prisma.pool.query<HoldRow>({
      name: 'gw_reserve',
      types: RAW_QUERY_TYPES,
      text: 'SELECT generation_id, accepted, balance_micros, refusal, daily_left_micros FROM gw_reserve($1::uuid, $2::jsonb, $3)',
      values: [accountId, JSON.stringify(payload), instanceId],
    });
    return result.rows.map(holdResultOf);
  }

  /**
   * Holds for many accounts in one transaction (the proxy's group commit). Results in the order of `items`; per account,
   * holds are decided in that order too.
   *
   * This is the only write on a request's critical path, so its commit does not wait for the WAL to reach disk
   * (`synchronous_commit = off` for this transaction alone): about 0.25 ms less per request, and the account row is
   * unlocked sooner. The hold is decided and visible at once, exactly as before; only a PostgreSQL crash within the
   * WAL writer's flush delay (a few hundred ms) could lose it, and then its ledger entry and balance change are lost
   * together (the books stay consistent) and the request's settlement finds no hold and charges nothing: a crash can
   * cost us revenue, never charge a client wrongly. Settlements, top-ups and adjustments commit synchronously.
   */
  async reserveMany(items: AccountItem<HoldRequest>[], instanceId: string): Promise<HoldResult[]> {
    const result = await this.prisma.pool.query<HoldRow & { account_id: string }>({
      name: 'gw_reserve_many',
      types: RAW_QUERY_TYPES,
      text: `SELECT r.account_id, r.generation_id, r.accepted, r.balance_micros, r.refusal, r.daily_left_micros
               FROM set_config('synchronous_commit', 'off', true) AS relaxed, LATERAL gw_reserve_many($1::jsonb, $2) AS r`,
      values: [JSON.stringify(byAccount(items, holdJson)), instanceId],
    });
    const byGeneration = new Map(
      result.rows.map((row) => [
        `${row.account_id}/${row.generation_id}`,
        holdResultOf(row),
      ]),
    );
    return items.map(({ accountId, item }) => resultFor(byGeneration, accountId, item.generationId));
  }

  /** Settlements of many accounts in one transaction. Results in the order of `items`. */
  async closeMany(items: AccountItem<CloseRequest>[]): Promise<CloseResult[]> {
    const result = await this.prisma.pool.query<{ account_id: string; generation_id: string; outcome: CloseOutcome; balance_micros: bigint }>({
      name: 'gw_settle_many',
      types: RAW_QUERY_TYPES,
      text: 'SELECT account_id, generation_id, outcome, balance_micros FROM gw_settle_many($1::jsonb)',
      values: [JSON.stringify(byAccount(items, toSettleItem))],
    });
    const byGeneration = new Map(
      result.rows.map((row) => [
        `${row.account_id}/${row.generation_id}`,
        { generationId: row.generation_id, outcome: row.outcome, balanceMicros: row.balance_micros ?? 0n },
      ]),
    );
    return items.map(({ accountId, item }) => resultFor(byGeneration, accountId, item.generationId));
  }

  close(accountId: string, items: CloseRequest[]): Promise<CloseResult[]> {
    return this.settle(accountId, items.map(toSettleItem));
  }

  /** gw_settle on items already in their JSON form (the worker's SETTLE jobs). */
  async settle(accountId: string, items: SettleItem[]): Promise<CloseResult[]> {
    const result = await this.prisma.pool.query<{ generation_id: string; outcome: CloseOutcome; balance_micros: bigint }>({
      name: 'gw_settle',
      types: RAW_QUERY_TYPES,
      text: 'SELECT generation_id, outcome, balance_micros FROM gw_settle($1::uuid, $2::jsonb)',
      values: [accountId, JSON.stringify(items)],
    });
    return result.rows.map((row) => ({
      generationId: row.generation_id,
      outcome: row.outcome,
      balanceMicros: row.balance_micros ?? 0n,
    }));
  }

  /** Usage records of requests that never held money (rejected before the upstream call). Idempotent. */
  async insertUsageRecords(rows: UsageRecordRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.prisma.pool.query({
      name: 'gw_insert_usage',
      text: `INSERT INTO usage_records SELECT * FROM jsonb_populate_recordset(NULL::usage_records, $1::jsonb)
             ON CONFLICT ON CONSTRAINT usage_records_pkey DO NOTHING`,
      values: [JSON.stringify(rows.map(usageRowToJson))],
    });
  }

  /** Spendable balance (net of open reservations), for the 402 message. */
  async spendableBalance(accountId: string): Promise<bigint | null> {
    const result = await this.prisma.pool.query<{ balance_micros: bigint }>({
      name: 'gw_balance',
      types: RAW_QUERY_TYPES,
      text: 'SELECT balance_micros FROM accounts WHERE id = $1::uuid',
      values: [accountId],
    });
    return result.rows[0]?.balance_micros ?? null;
  }

}

function resultFor<R>(results: Map<string, R>, accountId: string, generationId: string): R {
  const result = results.get(`${accountId}/${generationId}`);
  if (!result) throw new Error(`no result for ${generationId} on account ${accountId}`);
  return result;
}
