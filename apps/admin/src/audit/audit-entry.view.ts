import { ApiProperty } from '@nestjs/swagger';
import type { AuditRecord } from '@gw/db';

export class AuditEntryView {
  @ApiProperty({ description: 'Serial id, as a string' }) id!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) staffId!: string | null;
  @ApiProperty({ example: 'api_key.revoke' }) action!: string;
  @ApiProperty({ example: 'api_key:7b0e0b4e-...' }) target!: string;
  @ApiProperty({ type: Object, nullable: true, description: 'State before the change (no secrets)' }) before!: unknown;
  @ApiProperty({ type: Object, nullable: true, description: 'State after the change (no secrets)' }) after!: unknown;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export function toAuditEntryView(record: AuditRecord): AuditEntryView {
  return {
    id: record.id.toString(),
    staffId: record.staffId,
    action: record.action,
    target: record.target,
    before: record.before ?? null,
    after: record.after ?? null,
    requestId: record.requestId,
    createdAt: record.createdAt.toISOString(),
  };
}
