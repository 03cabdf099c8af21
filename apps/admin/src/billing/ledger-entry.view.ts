import { ApiProperty } from '@nestjs/swagger';
import { formatMicrosAsUsd } from '@gw/common';
import type { LedgerEntryRecord, LedgerKind } from '@gw/db';

export class LedgerEntryView {
  @ApiProperty({ description: 'Serial id, as a string' }) id!: string;
  @ApiProperty({ enum: ['top_up', 'reservation', 'settlement', 'release', 'adjustment', 'late_settlement'] })
  kind!: LedgerKind;
  @ApiProperty({ example: '-0.000840', description: 'Signed: credits positive, debits negative' }) amountUsd!: string;
  @ApiProperty({ example: '9.999160' }) balanceAfterUsd!: string;
  @ApiProperty({ type: String, nullable: true }) generationId!: string | null;
  @ApiProperty({ type: String, nullable: true }) reference!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function toLedgerEntryView(entry: LedgerEntryRecord): LedgerEntryView {
  return {
    id: entry.id.toString(),
    kind: entry.kind,
    amountUsd: formatMicrosAsUsd(entry.amountMicros),
    balanceAfterUsd: formatMicrosAsUsd(entry.balanceAfterMicros),
    generationId: entry.generationId,
    reference: entry.reference,
    createdAt: entry.createdAt.toISOString(),
  };
}
