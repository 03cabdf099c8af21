import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../middleware/current-actor.decorator';
import { Roles } from '../middleware/roles.decorator';
import type { Actor } from '../shared/actor';
import { ApiListResponse, ListResponse } from '../shared/list-response';
import { PageQueryDto } from '../shared/page-query.dto';
import { AlertDeliveryView, BalanceAlertSettingsView } from './balance-alert.view';
import { BalanceAlertSettingsDto } from './balance-alerts.dto';
import { BalanceAlertsService } from './balance-alerts.service';

@ApiTags('alerts')
@Controller('accounts')
export class BalanceAlertsController {
  constructor(private readonly alerts: BalanceAlertsService) {}

  @Put(':id/alerts')
  @Roles('finance')
  @ApiOperation({
    summary:
      'Set balance alerts: when the spendable balance falls below a threshold, the worker POSTs a signed ' +
      '`balance.below_threshold` event to the webhook, once per crossing (finance, admin)',
  })
  @ApiOkResponse({ type: BalanceAlertSettingsView })
  put(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: BalanceAlertSettingsDto): Promise<BalanceAlertSettingsView> {
    return this.alerts.put(actor, id, dto);
  }

  @Get(':id/alerts')
  @Roles('finance')
  @ApiOperation({ summary: "An account's balance-alert settings, without the secret (finance, admin)" })
  @ApiOkResponse({ type: BalanceAlertSettingsView })
  get(@Param('id') id: string): Promise<BalanceAlertSettingsView> {
    return this.alerts.get(id);
  }

  @Get(':id/alerts/deliveries')
  @Roles('finance')
  @ApiOperation({ summary: "An account's alert events and how their delivery went, newest first (finance, admin)" })
  @ApiListResponse(AlertDeliveryView)
  deliveries(@Param('id') id: string, @Query() query: PageQueryDto): Promise<ListResponse<AlertDeliveryView>> {
    return this.alerts.deliveries(id, query);
  }
}
