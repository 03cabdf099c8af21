import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../middleware/roles.decorator';
import { ApiListResponse, ListResponse } from '../shared/list-response';
import { UsageDailyQueryDto } from './usage-daily.dto';
import { UsageDailyService } from './usage-daily.service';
import { UsageDailyView } from './usage-daily.view';

@ApiTags('usage')
@Controller('usage')
export class UsageDailyController {
  constructor(private readonly daily: UsageDailyService) {}

  @Get('daily')
  @Roles('finance')
  @ApiOperation({
    summary:
      'Daily usage per account, key and model (UTC days, newest first), from the rollups the worker recomputes ' +
      'every USAGE_ROLLUP_EVERY_S (finance, admin)',
  })
  @ApiListResponse(UsageDailyView)
  list(@Query() query: UsageDailyQueryDto): Promise<ListResponse<UsageDailyView>> {
    return this.daily.list(query);
  }
}
