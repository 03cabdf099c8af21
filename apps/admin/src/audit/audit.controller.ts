import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiListResponse, ListResponse } from '../shared/list-response';
import { AuditEntryView } from './audit-entry.view';
import { AuditQueryDto } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@Controller('audit-log')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Admin only (no @Roles). */
  @Get()
  @ApiOperation({ summary: 'Staff writes, newest first, optionally of one staff member, target or action (admin)' })
  @ApiListResponse(AuditEntryView)
  list(@Query() query: AuditQueryDto): Promise<ListResponse<AuditEntryView>> {
    return this.audit.list(query);
  }
}
