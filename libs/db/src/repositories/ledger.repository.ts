import { Injectable } from '@nestjs/common';
import { PrismaService, RAW_QUERY_TYPES } from '../prisma.service';
import { DbTransaction, sqlStateOf } from '../transaction-runner';
import { Page, toPage } from './keyset-page';

export interface PostedEntry {
  entryId: bigint;
  balanceMicros: bigint;
  /** The wallet credit this entry made (its outbox row): apply it to the wallet with WalletCredits.apply. */
  creditSeq: bigint;
  /** What the stored balance changed by (the amount; on a drifted account, the re-statement too). */
  creditMicros: bigint;
}

export type LedgerKind = 'top_up' | 'reservation' | 'settlement' | 'release' | 'adjustment' | 'late_settlement';

export interface LedgerEntryRecord {
  id: bigint;
  accountId: string;
  kind: LedgerKind;
  amountMicros: bigint;
  balanceAfterMicros: bigint;
  generationId: string | null;
  reference: string | null;
  staffId: string | null;
  createdAt: Date;
}

/** gw_post refused a debit that would take the account's spendable balance below zero (SQLSTATE GWNEG). */
export class NegativeBalanceError extends Error {
  constructor() {
    super('the entry would take the balance below zero');
    this.name = 'NegativeBalanceError';
  }
}

const NEGATIVE_BALANCE_SQLSTATE = 'GWNEG';

interface PostedRow {
  entry_id: bigint;
  balance_micros: bigint;
  credit_seq: bigint;
  credit_micros: bigint;
}

function toPosted(row: PostedRow): PostedEntry {
  return {
    entryId: BigInt(row.entry_id),
    balanceMicros: BigInt(row.balance_micros),
    creditSeq: BigInt(row.credit_seq),
    creditMicros: BigInt(row.credit_micros),
  };
}

/** An account's stored columns and their sources, read under the account's row lock. */
export interface AccountBooks {
  storedBalanceMicros: bigint;
  storedReservedMicros: bigint;
  /** balance_after of the latest ledger entry (0 without entries): where the next entry continues from. */
  runningBalanceMicros: bigint;
  ledgerSumMicros: bigint;
  openHoldsMicros: bigint;
}

/** Staff-initiated money movements (top-ups, adjustments), each one ledger row under the account row lock. */
@Injectable()
export class LedgerRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Posts through gw_post. With `tx`, the entry commits with the rest of that transaction (the top-up's idempotency
   * record and audit entry); without, it is its own transaction. A debit that would take the spendable balance below
   * zero throws NegativeBalanceError (checked by gw_post under the account's row lock) unless `allowNegativeBalance`;
   * the spendable balance is the stored one minus `walletPendingMicros` (what the Redis wallet holds or has spent
   * beyond it). gw_post also writes the entry's wallet credit (the outbox row), returned as creditSeq/creditMicros.
   */
  async post(
    accountId: string,
    kind: 'top_up' | 'adjustment',
    amountMicros: bigint,
    reference: string | null,
    staffId: string | null,
    tx?: DbTransaction,
    options: { allowNegativeBalance?: boolean; walletPendingMicros?: bigint } = {},
  ): Promise<PostedEntry> {
    const allowNegative = options.allowNegativeBalance ?? false;
    const pending = options.walletPendingMicros ?? 0n;
    try {
      if (tx) {
        const rows = await tx.$queryRaw<PostedRow[]>`
          SELECT entry_id, balance_micros, credit_seq, credit_micros
            FROM gw_post(${accountId}::uuid, ${kind}::"LedgerKind", ${amountMicros}::bigint, ${reference},
                         ${staffId}::uuid, ${allowNegative}, ${pending}::bigint)`;
        return toPosted(rows[0]);
      }
      const result = await this.prisma.pool.query<PostedRow>({
        text: `SELECT entry_id, balance_micros, credit_seq, credit_micros
                 FROM gw_post($1::uuid, $2::"LedgerKind", $3::bigint, $4, $5::uuid, $6, $7::bigint)`,
        values: [accountId, kind, amountMicros.toString(), reference, staffId, allowNegative, pending.toString()],
        types: RAW_QUERY_TYPES,
      });
      return toPosted(result.rows[0]);
    } catch (error) {
      if (sqlStateOf(error) === NEGATIVE_BALANCE_SQLSTATE) throw new NegativeBalanceError();
      throw error;
    }
  }

  /**
   * Locks the account's row for the transaction and reads its stored columns next to what they derive from (the
   * ledger, the open reservations): what an adjustment changes, for its audit entry. Null for an unknown account.
   */
  async lockBooks(accountId: string, tx: DbTransaction): Promise<AccountBooks | null> {
    // Lock first, read after: a statement that waited for the lock would otherwise read with its older snapshot.
    await tx.$executeRaw`SELECT 1 FROM accounts WHERE id = ${accountId}::uuid FOR UPDATE`;
    const rows = await tx.$queryRaw<
      { balance: bigint; reserved: bigint; running: bigint | null; ledger_sum: bigint; open_holds: bigint }[]
    >`
      SELECT a.balance_micros AS balance, a.reserved_micros AS reserved,
             (SELECT l.balance_after_micros FROM ledger_entries l WHERE l.account_id = a.id ORDER BY l.id DESC LIMIT 1)
               AS running,
             COALESCE((SELECT SUM(l.amount_micros) FROM ledger_entries l WHERE l.account_id = a.id), 0)::bigint
               AS ledger_sum,
             COALESCE((SELECT SUM(r.amount_micros) FROM reservations r WHERE r.account_id = a.id AND r.status = 'open'),
                      0)::bigint AS open_holds
        FROM accounts a WHERE a.id = ${accountId}::uuid`;
    const row = rows[0];
    if (!row) return null;
    return {
      storedBalanceMicros: BigInt(row.balance),
      storedReservedMicros: BigInt(row.reserved),
      runningBalanceMicros: BigInt(row.running ?? 0n),
      ledgerSumMicros: BigInt(row.ledger_sum),
      openHoldsMicros: BigInt(row.open_holds),
    };
  }

  /** An account's entries, newest first (ids grow with time within an account). */
  async findPage(accountId: string, limit: number, afterId: bigint | null): Promise<Page<LedgerEntryRecord, bigint>> {
    const rows = await this.prisma.ledgerEntry.findMany({
      where: { accountId, ...(afterId !== null ? { id: { lt: afterId } } : {}) },
      orderBy: { id: 'desc' },
      take: limit + 1,
    });
    return toPage(rows, limit, (row) => row.id);
  }
}
