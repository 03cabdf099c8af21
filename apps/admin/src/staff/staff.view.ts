import { ApiProperty } from '@nestjs/swagger';
import type { StaffRecord, StaffRole, StaffStatus } from '@gw/db';

/** Never the token or its hash; `tokenPrefix` is enough to tell tokens apart. */
export class StaffView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ['admin', 'support', 'finance'] }) role!: StaffRole;
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: StaffStatus;
  @ApiProperty({ example: 'cs-AbCd…wxYz' }) tokenPrefix!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class CreatedStaffView extends StaffView {
  @ApiProperty({ description: 'The bearer token, shown in this answer only' }) token!: string;
}

/** GET /staff/me: who the caller is, and nothing about its token. */
export class CurrentStaffView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ops@example.com', description: "'bootstrap-admin' for the holder of ADMIN_TOKEN" })
  email!: string;
  @ApiProperty({ enum: ['admin', 'support', 'finance'] }) role!: StaffRole;
}

export function toStaffView(record: StaffRecord): StaffView {
  return {
    id: record.id,
    email: record.email,
    role: record.role,
    status: record.status,
    tokenPrefix: record.tokenPrefix,
    createdAt: record.createdAt.toISOString(),
  };
}
