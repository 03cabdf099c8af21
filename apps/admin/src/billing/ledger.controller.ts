import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../middleware/roles.decorator';
import { ApiListResponse, ListResponse } from '../shared/list-response';
import { PageQueryDto } from '../shared/page-query.dto';
import { LedgerEntryView } from './ledger-entry.view';
import { LedgerService } from './ledger.service';

@ApiTags('billing')
@Controller('accounts')
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Get(':id/ledger')
  @Roles('finance')
  @ApiOperation({ summary: "An account's ledger entries, newest first (finance, admin)" })
  @ApiListResponse(LedgerEntryView)
  list(@Param('id') accountId: string, @Query() query: PageQueryDto): Promise<ListResponse<LedgerEntryView>> {
    return this.ledger.list(accountId, query);
  }
}
