import { Injectable } from '@nestjs/common';
import { PrismaService, RAW_QUERY_TYPES } from '../prisma.service';
import type { UsageRecordRow } from './usage-record.row';

/** What loading an account into the wallet starts from: one consistent read of its row. */
export interface WalletSnapshot {
  balanceMicros: bigint;
  creditSeq: bigint;
  walletSeq: bigint;
}

export type WalletEventKind = 'settle' | 'unheld' | 'abandoned' | 'late';

/**
 * A request's usage record as a settlement event carries it: its money columns come from the event, its ids from the
 * event too; protocol and outcome are checked by PostgreSQL (their enum and text), not here.
 */
export type WalletEventUsage = Omit<
  UsageRecordRow,
  'generationId' | 'accountId' | 'reservedMicros' | 'costMicros' | 'overrunMicros' | 'protocol' | 'outcome' | 'createdAt'
> & {
  protocol: string;
  outcome: string;
  /** Null: when written. */
  createdAt: Date | null;
};

/** One settlement event as gw_wallet_apply takes it (see the wallet migration). */
export interface WalletEventRow {
  /** Unique within a batch (the writer uses `<shard>/<stream entry id>`): answers are keyed by it. */
  entryId: string;
  accountId: string;
  seq: bigint;
  generationId: string;
  kind: WalletEventKind;
  /** What this event moved: positive = debit. */
  chargeMicros: bigint;
  totalMicros: bigint;
  heldMicros: bigint;
  emittedAt: Date;
  /** Null: the event writes no usage record (a cancelled hold, or a record that could not be read). */
  usage: WalletEventUsage | null;
}

export type WalletEventOutcome = 'applied' | 'duplicate' | 'deferred' | 'rejected';

export interface WalletCreditRow {
  accountId: string;
  seq: bigint;
  amountMicros: bigint;
}

/** An account's books as reconciliation compares them with the wallet (read after the wallet was). */
export interface WalletBooksRow {
  accountId: string;
  balanceMicros: bigint;
  walletSeq: bigint;
  creditSeq: bigint;
  /** Credits posted after the wallet's credit seq (committed, not yet applied to the wallet): count and sum. */
  pendingCredits: number;
  pendingCreditMicros: bigint;
}

/**
 * PostgreSQL's side of the Redis wallet: the snapshots it loads from, the batches of settlement events the ledger
 * writer applies (gw_wallet_apply), and the credits outbox (wallet_credits) filled by gw_post.
 */
@Injectable()
export class WalletRepository {
  constructor(private readonly prisma: PrismaService) {}

  async snapshot(accountId: string): Promise<WalletSnapshot | null> {
    const { rows } = await this.prisma.pool.query<{ balance_micros: bigint; credit_seq: bigint; wallet_seq: bigint }>({
      name: 'gw_wallet_snapshot',
      types: RAW_QUERY_TYPES,
      text: 'SELECT balance_micros, credit_seq, wallet_seq FROM accounts WHERE id = $1::uuid',
      values: [accountId],
    });
    const row = rows[0];
    return row ? { balanceMicros: row.balance_micros, creditSeq: row.credit_seq, walletSeq: row.wallet_seq } : null;
  }

  /**
   * Writes a batch of settlement events in one transaction. Events of accounts with an event emitted before
   * `forceBefore` are written across sequence gaps (see gw_wallet_apply). Outcomes by entry id.
   */
  async applyEvents(events: WalletEventRow[], forceBefore: Date | null): Promise<Map<string, WalletEventOutcome>> {
    // Parallel arrays, one element per event: the cheapest batch for PostgreSQL to read (gw_wallet_apply).
    const column = <T>(read: (event: WalletEventRow) => T) => events.map(read);
    const usage = <T>(read: (usage: WalletEventUsage) => T) => events.map((e) => (e.usage ? read(e.usage) : null));
    const { rows } = await this.prisma.pool.query<{ event_id: string; outcome: WalletEventOutcome }>({
      name: 'gw_wallet_apply',
      text: `SELECT event_id, outcome FROM gw_wallet_apply(
               $1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[],
               $9::timestamptz[], $10::boolean[], $11::text[], $12::uuid[], $13::text[], $14::text[], $15::text[],
               $16::text[], $17::boolean[], $18::integer[], $19::text[], $20::text[], $21::integer[], $22::integer[],
               $23::integer[], $24::integer[], $25::boolean[], $26::integer[], $27::uuid[], $28::integer[],
               $29::integer[], $30::integer[], $31::timestamptz[], $32::text[], $33::integer[], $34::bigint[],
               $35::text[], $36::timestamptz)`,
      values: [
        column((e) => e.entryId),
        column((e) => e.accountId),
        column((e) => e.seq.toString()),
        column((e) => e.generationId),
        column((e) => e.kind),
        column((e) => e.chargeMicros.toString()),
        column((e) => e.totalMicros.toString()),
        column((e) => e.heldMicros.toString()),
        column((e) => e.emittedAt.toISOString()),
        column((e) => e.usage !== null),
        usage((u) => u.requestId),
        usage((u) => u.keyId),
        usage((u) => u.model),
        usage((u) => u.requestedModel),
        usage((u) => u.protocol),
        usage((u) => u.endpoint),
        usage((u) => u.stream),
        usage((u) => u.status),
        usage((u) => u.outcome),
        usage((u) => u.errorType),
        usage((u) => u.inputTokens),
        usage((u) => u.outputTokens),
        usage((u) => u.cachedInputTokens),
        usage((u) => u.cacheWriteTokens),
        usage((u) => u.usageEstimated),
        usage((u) => u.upstreamStatus),
        usage((u) => u.channelId),
        usage((u) => u.attempts),
        usage((u) => u.latencyMs),
        usage((u) => u.upstreamLatencyMs),
        usage((u) => u.createdAt?.toISOString() ?? null),
        usage((u) => u.provider ?? null),
        usage((u) => u.reasoningTokens ?? null),
        usage((u) => u.upstreamCostMicros?.toString() ?? null),
        usage((u) => u.finishReason ?? null),
        forceBefore,
      ],
    });
    return new Map(rows.map((row) => [row.event_id, row.outcome]));
  }

  /** Credits the wallet has not confirmed, posted more than `olderThanMs` ago, in (account, seq) order. */
  async unappliedCredits(olderThanMs: number, limit: number): Promise<WalletCreditRow[]> {
    const { rows } = await this.prisma.pool.query<{ account_id: string; seq: bigint; amount_micros: bigint }>({
      name: 'gw_wallet_unapplied_credits',
      types: RAW_QUERY_TYPES,
      text: `SELECT account_id::text, seq, amount_micros FROM wallet_credits
              WHERE applied_at IS NULL AND created_at < now() - make_interval(secs => $1::double precision / 1000)
              ORDER BY account_id, seq LIMIT $2`,
      values: [olderThanMs, limit],
    });
    return rows.map(toCredit);
  }

  /** The account's credits with afterSeq < seq <= upToSeq, in order (to fill a gap the wallet reported). */
  async creditsBetween(accountId: string, afterSeq: bigint, upToSeq: bigint): Promise<WalletCreditRow[]> {
    const { rows } = await this.prisma.pool.query<{ account_id: string; seq: bigint; amount_micros: bigint }>({
      name: 'gw_wallet_credits_between',
      types: RAW_QUERY_TYPES,
      text: `SELECT account_id::text, seq, amount_micros FROM wallet_credits
              WHERE account_id = $1::uuid AND seq > $2 AND seq <= $3 ORDER BY seq`,
      values: [accountId, afterSeq.toString(), upToSeq.toString()],
    });
    return rows.map(toCredit);
  }

  /** The wallet has the account's credits up to `upToSeq`. */
  async markCreditsApplied(accountId: string, upToSeq: bigint): Promise<void> {
    await this.prisma.pool.query({
      name: 'gw_wallet_mark_credits',
      text: `UPDATE wallet_credits SET applied_at = now()
              WHERE account_id = $1::uuid AND seq <= $2 AND applied_at IS NULL`,
      values: [accountId, upToSeq.toString()],
    });
  }

  /**
   * The books of these accounts next to what their wallet holds: `walletCreditSeqs[i]` is the credit seq the wallet
   * reported for `accountIds[i]`; the credits posted after it are pending (committed, not yet in the wallet).
   */
  async books(accountIds: string[], walletCreditSeqs: bigint[]): Promise<WalletBooksRow[]> {
    if (accountIds.length === 0) return [];
    const { rows } = await this.prisma.pool.query<{
      account_id: string;
      balance_micros: bigint;
      wallet_seq: bigint;
      credit_seq: bigint;
      pending: bigint;
      pending_micros: bigint;
    }>({
      types: RAW_QUERY_TYPES,
      text: `SELECT a.id::text AS account_id, a.balance_micros, a.wallet_seq, a.credit_seq,
                    COUNT(c.seq) AS pending, COALESCE(SUM(c.amount_micros), 0)::bigint AS pending_micros
               FROM unnest($1::uuid[], $2::bigint[]) AS w(account_id, credit_seq)
               JOIN accounts a ON a.id = w.account_id
               LEFT JOIN wallet_credits c ON c.account_id = a.id AND c.seq > w.credit_seq
              GROUP BY a.id, a.balance_micros, a.wallet_seq, a.credit_seq`,
      values: [accountIds, walletCreditSeqs.map(String)],
    });
    return rows.map((row) => ({
      accountId: row.account_id,
      balanceMicros: row.balance_micros,
      walletSeq: row.wallet_seq,
      creditSeq: row.credit_seq,
      pendingCredits: Number(row.pending),
      pendingCreditMicros: row.pending_micros,
    }));
  }

  /** Account ids in id order after `afterId` (a rebuild of every account, page by page). */
  async accountIdsPage(afterId: string | null, limit: number): Promise<string[]> {
    const { rows } = await this.prisma.pool.query<{ id: string }>({
      text: 'SELECT id::text FROM accounts WHERE $1::uuid IS NULL OR id > $1::uuid ORDER BY id LIMIT $2',
      values: [afterId, limit],
    });
    return rows.map((row) => row.id);
  }
}

function toCredit(row: { account_id: string; seq: bigint; amount_micros: bigint }): WalletCreditRow {
  return { accountId: row.account_id, seq: row.seq, amountMicros: row.amount_micros };
}
