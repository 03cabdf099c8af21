import { ApiProperty } from '@nestjs/swagger';
import { formatMicrosAsUsd } from '@gw/common';
import type { AccountRecord } from '@gw/db';

export class AccountView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty({ enum: ['active', 'suspended'] }) status!: 'active' | 'suspended';
  @ApiProperty({
    example: '12.500000',
    description: 'Spendable: top-ups minus settled charges minus open reservations',
  })
  balanceUsd!: string;
  @ApiProperty({ example: '0.250000', description: 'Open reservations' }) reservedUsd!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function toAccountView(record: AccountRecord): AccountView {
  return {
    id: record.id,
    name: record.name,
    email: record.email,
    status: record.status,
    balanceUsd: formatMicrosAsUsd(record.balanceMicros),
    reservedUsd: formatMicrosAsUsd(record.reservedMicros),
    createdAt: record.createdAt.toISOString(),
  };
}
