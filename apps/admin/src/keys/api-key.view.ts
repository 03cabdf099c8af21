import { ApiProperty } from '@nestjs/swagger';
import { formatMicrosAsUsd } from '@gw/common';
import type { ApiKeyRecord, ApiKeyStatus } from '@gw/db';

export class ApiKeyView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) accountId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'ck-AbCd…wxYz', description: 'Enough to recognise the key, useless to an attacker' })
  prefix!: string;
  @ApiProperty({ enum: ['active', 'disabled', 'revoked'] }) status!: ApiKeyStatus;
  @ApiProperty({ type: [String], description: 'Model ids or aliases; empty means every model' })
  allowedModels!: string[];
  @ApiProperty({
    type: Number,
    nullable: true,
    description: "Requests per minute; null means the account's rpmLimit, else the default (60)",
  })
  rpmLimit!: number | null;
  @ApiProperty({ type: [String], example: ['203.0.113.7', '10.0.0.0/8'], description: 'Empty: any address' })
  ipAllowlist!: string[];
  @ApiProperty({ type: String, nullable: true, example: '10.000000', description: 'USD per UTC day; null: no cap' })
  dailyLimitUsd!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Tokens per minute; null: no limit' })
  tpmLimit!: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class CreatedApiKeyView extends ApiKeyView {
  @ApiProperty({ example: 'ck-0123456789abcdefABCDEF0123456789', description: 'Shown in this answer only' })
  key!: string;
}

export function toApiKeyView(record: ApiKeyRecord): ApiKeyView {
  return {
    id: record.id,
    accountId: record.accountId,
    name: record.name,
    prefix: record.prefix,
    status: record.status,
    allowedModels: record.allowedModels,
    rpmLimit: record.rpmLimit,
    ipAllowlist: record.ipAllowlist,
    dailyLimitUsd: record.dailyLimitMicros === null ? null : formatMicrosAsUsd(record.dailyLimitMicros),
    tpmLimit: record.tpmLimit,
    expiresAt: record.expiresAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
  };
}
