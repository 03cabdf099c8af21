import { ApiProperty } from '@nestjs/swagger';
import { formatMicrosAsUsd } from '@gw/common';
import type { AccountRecord } from '@gw/db';
import type { WalletBalance } from '@gw/wallet';

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
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Requests per minute of each of its keys without an rpmLimit of their own; null: the default (60)',
  })
  rpmLimit!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: "Requests per minute of all its keys together; null: twice the requesting key's limit",
  })
  accountRpmLimit!: number | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/**
 * An account as staff see it. Loaded into the Redis wallet, its money is the wallet's (spendable = balance - open
 * holds; reserved = open holds); otherwise PostgreSQL's columns (spendable net of its reservations; reserved).
 */
export function toAccountView(record: AccountRecord, wallet: WalletBalance | null = null): AccountView {
  return {
    id: record.id,
    name: record.name,
    email: record.email,
    status: record.status,
    balanceUsd: formatMicrosAsUsd(wallet ? wallet.spendableMicros : record.balanceMicros),
    reservedUsd: formatMicrosAsUsd(wallet ? wallet.heldMicros : record.reservedMicros),
    rpmLimit: record.rpmLimit,
    accountRpmLimit: record.accountRpmLimit,
    createdAt: record.createdAt.toISOString(),
  };
}
