import { Injectable } from '@nestjs/common';
import { PrismaService, RAW_QUERY_TYPES } from '../prisma.service';
import type { DbTransaction } from '../transaction-runner';
import { Page, toPage } from './keyset-page';

export interface PostedEntry {
  entryId: bigint;
  balanceMicros: bigint;
}

export type LedgerKind = 'top_up' | 'reservation' | 'settlement' | 'release' | 'adjustment';

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

/** Staff-initiated money movements (top-ups, adjustments), each one ledger row under the account row lock. */
@Injectable()
export class LedgerRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Posts through gw_post. With `tx`, the entry commits with the rest of that transaction (the top-up's idempotency
   * record and audit entry); without, it is its own transaction.
   */
  async post(
    accountId: string,
    kind: 'top_up' | 'adjustment',
    amountMicros: bigint,
    reference: string | null,
    staffId: string | null,
    tx?: DbTransaction,
  ): Promise<PostedEntry> {
    if (tx) {
      const rows = await tx.$queryRaw<{ entry_id: bigint; balance_micros: bigint }[]>`
        SELECT entry_id, balance_micros
          FROM gw_post(${accountId}::uuid, ${kind}::"LedgerKind", ${amountMicros}::bigint, ${reference}, ${staffId}::uuid)`;
      return { entryId: BigInt(rows[0].entry_id), balanceMicros: BigInt(rows[0].balance_micros) };
    }
    const result = await this.prisma.pool.query<{ entry_id: bigint; balance_micros: bigint }>({
      text: 'SELECT entry_id, balance_micros FROM gw_post($1::uuid, $2::"LedgerKind", $3::bigint, $4, $5::uuid)',
      values: [accountId, kind, amountMicros.toString(), reference, staffId],
      types: RAW_QUERY_TYPES,
    });
    const row = result.rows[0];
    return { entryId: row.entry_id, balanceMicros: row.balance_micros };
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
