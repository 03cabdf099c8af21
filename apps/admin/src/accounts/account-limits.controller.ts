import { Body, Controller, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../middleware/current-actor.decorator';
import { Roles } from '../middleware/roles.decorator';
import type { Actor } from '../shared/actor';
import { AccountView } from './account.view';
import { AccountRpmLimitsDto } from './account-limits.dto';
import { AccountLimitsService } from './account-limits.service';

@ApiTags('accounts')
@Controller('accounts')
export class AccountLimitsController {
  constructor(private readonly limits: AccountLimitsService) {}

  @Put(':id/rpm-limit')
  @Roles('support')
  @ApiOperation({
    summary:
      "Set the account's key default (`rpm`) and aggregate (`accountRpm`) requests per minute; null restores a " +
      'default, a field left out is kept (support, admin). Every proxy applies it within a second.',
  })
  @ApiOkResponse({ type: AccountView })
  setRpmLimits(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: AccountRpmLimitsDto): Promise<AccountView> {
    return this.limits.setRpmLimits(actor, id, dto);
  }
}
