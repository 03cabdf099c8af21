import { Injectable } from '@nestjs/common';
import { PrismaService, RAW_QUERY_TYPES } from '../prisma.service';
import { UsageRecordRow, usageRowToJson } from './usage-record.row';

export interface HoldRequest {
  generationId: string;
  keyId: string;
  modelId: string;
  amountMicros: bigint;
}

export interface HoldResult {
  generationId: string;
  accepted: boolean;
  /** Spendable balance after this item (net of open reservations). */
  balanceMicros: bigint;
}

export interface CloseRequest {
  generationId: string;
  /** 0 releases the hold without a charge. */
  costMicros: bigint;
  /** 'settlement' (request finished), 'release' (failed upstream), 'sweep' (stale, worker). */
  closedBy: 'settlement' | 'release' | 'sweep';
  /** Written in the same transaction as the ledger entries; null for the sweep, which has no request to describe. */
  usage: UsageRecordRow | null;
}

export type CloseOutcome = 'settled' | 'released' | 'late_settled' | 'duplicate' | 'missing';

export interface CloseResult {
  generationId: string;
  outcome: CloseOutcome;
  balanceMicros: bigint;
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
    const payload = items.map((item) => ({
      generation_id: item.generationId,
      key_id: item.keyId,
      model_id: item.modelId,
      amount_micros: item.amountMicros.toString(),
    }));
    const result = await this.prisma.pool.query<{ generation_id: string; accepted: boolean; balance_micros: bigint }>({
      name: 'gw_reserve',
      types: RAW_QUERY_TYPES,
      text: 'SELECT generation_id, accepted, balance_micros FROM gw_reserve($1::uuid, $2::jsonb, $3)',
      values: [accountId, JSON.stringify(payload), instanceId],
    });
    return result.rows.map((row) => ({
      generationId: row.generation_id,
      accepted: row.accepted,
      balanceMicros: row.balance_micros ?? 0n,
    }));
  }

  async close(accountId: string, items: CloseRequest[]): Promise<CloseResult[]> {
    const payload = items.map((item) => ({
      generation_id: item.generationId,
      cost_micros: item.costMicros.toString(),
      closed_by: item.closedBy,
      usage: item.usage ? usageRowToJson(item.usage) : null,
    }));
    const result = await this.prisma.pool.query<{ generation_id: string; outcome: CloseOutcome; balance_micros: bigint }>({
      name: 'gw_settle',
      types: RAW_QUERY_TYPES,
      text: 'SELECT generation_id, outcome, balance_micros FROM gw_settle($1::uuid, $2::jsonb)',
      values: [accountId, JSON.stringify(payload)],
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
