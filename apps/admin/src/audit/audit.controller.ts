import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiListResponse, ListResponse } from '../shared/list-response';
import { PageQueryDto } from '../shared/page-query.dto';
import { AuditEntryView } from './audit-entry.view';
import { AuditService } from './audit.service';

@ApiTags('audit')
@Controller('audit-log')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Admin only (no @Roles). */
  @Get()
  @ApiOperation({ summary: 'Every staff write, newest first (admin)' })
  @ApiListResponse(AuditEntryView)
  list(@Query() query: PageQueryDto): Promise<ListResponse<AuditEntryView>> {
    return this.audit.list(query);
  }
}
