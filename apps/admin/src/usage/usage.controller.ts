import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../middleware/roles.decorator';
import { ApiListResponse, ListResponse } from '../shared/list-response';
import { UsageRecordView } from './usage-record.view';
import { UsageQueryDto } from './usage.dto';
import { UsageService } from './usage.service';

@ApiTags('usage')
@Controller()
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get('usage')
  @Roles('finance')
  @ApiOperation({ summary: 'Usage records, newest first, filtered (finance, admin)' })
  @ApiListResponse(UsageRecordView)
  list(@Query() query: UsageQueryDto): Promise<ListResponse<UsageRecordView>> {
    return this.usage.list(query);
  }

  /** Support too: clients quote x-chuizi-generation-id to support (spec/errors.md). */
  @Get('generations/:generationId')
  @Roles('support', 'finance')
  @ApiOperation({ summary: 'The usage record of one request, by its x-chuizi-generation-id (support, finance, admin)' })
  @ApiOkResponse({ type: UsageRecordView })
  get(@Param('generationId') generationId: string): Promise<UsageRecordView> {
    return this.usage.byGenerationId(generationId);
  }
}
