import { ApiProperty } from '@nestjs/swagger';
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
  @ApiProperty({ type: Number, nullable: true, description: 'Requests per minute; null means the default (60)' })
  rpmLimit!: number | null;
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
    expiresAt: record.expiresAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
  };
}
