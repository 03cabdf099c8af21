import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../middleware/current-actor.decorator';
import { Roles } from '../middleware/roles.decorator';
import type { Actor } from '../shared/actor';
import { QueuedReconciliationView, ReconciliationView } from './reconciliation.view';
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

  @Get(':id')
  @ApiOperation({ summary: 'A run: status, and the report once completed (finance, admin)' })
  @ApiOkResponse({ type: ReconciliationView })
  get(@Param('id') id: string): Promise<ReconciliationView> {
    return this.reconciliations.get(id);
  }
}
