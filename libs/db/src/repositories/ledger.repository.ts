import { Injectable } from '@nestjs/common';
import { PrismaService, RAW_QUERY_TYPES } from '../prisma.service';

export interface PostedEntry {
  entryId: bigint;
  balanceMicros: bigint;
}

/** Staff-initiated money movements (top-ups, adjustments), each one ledger row under the account row lock. */
@Injectable()
export class LedgerRepository {
  constructor(private readonly prisma: PrismaService) {}

  async post(
    accountId: string,
    kind: 'top_up' | 'adjustment',
    amountMicros: bigint,
    reference: string | null,
    staffId: string | null,
  ): Promise<PostedEntry> {
    const result = await this.prisma.pool.query<{ entry_id: bigint; balance_micros: bigint }>({
      text: 'SELECT entry_id, balance_micros FROM gw_post($1::uuid, $2::"LedgerKind", $3::bigint, $4, $5::uuid)',
      values: [accountId, kind, amountMicros.toString(), reference, staffId],
      types: RAW_QUERY_TYPES,
    });
    const row = result.rows[0];
    return { entryId: row.entry_id, balanceMicros: row.balance_micros };
  }
}
