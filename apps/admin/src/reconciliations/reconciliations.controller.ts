import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../middleware/current-actor.decorator';
import { Roles } from '../middleware/roles.decorator';
import type { Actor } from '../shared/actor';
import { ApiListResponse, ListResponse } from '../shared/list-response';
import { PageQueryDto } from '../shared/page-query.dto';
import { QueuedReconciliationView, ReconciliationSummaryView, ReconciliationView } from './reconciliation.view';
import { CreateReconciliationDto } from './reconciliations.dto';
import { ReconciliationsService } from './reconciliations.service';

@ApiTags('reconciliation')
@Controller('reconciliations')
@Roles('finance')
export class ReconciliationsController {
  constructor(private readonly reconciliations: ReconciliationsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a reconciliation run for the worker (finance, admin)' })
  @ApiAcceptedResponse({ type: QueuedReconciliationView })
  request(@CurrentActor() actor: Actor, @Body() dto: CreateReconciliationDto): Promise<QueuedReconciliationView> {
    return this.reconciliations.request(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Runs, newest first, manual and scheduled, without their reports (finance, admin)' })
  @ApiListResponse(ReconciliationSummaryView)
  list(@Query() query: PageQueryDto): Promise<ListResponse<ReconciliationSummaryView>> {
    return this.reconciliations.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A run: status, and the report once completed (finance, admin)' })
  @ApiOkResponse({ type: ReconciliationView })
  get(@Param('id') id: string): Promise<ReconciliationView> {
    return this.reconciliations.get(id);
  }
}
