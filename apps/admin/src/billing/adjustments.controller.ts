import { Body, Controller, Headers, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentActor } from '../middleware/current-actor.decorator';
import { Roles } from '../middleware/roles.decorator';
import type { Actor } from '../shared/actor';
import { AdjustmentDto } from './adjustment.dto';
import { AdjustmentView } from './adjustment.view';
import { AdjustmentsService } from './adjustments.service';
import { parseIdempotencyKey } from './idempotency-key';

@ApiTags('billing')
@Controller('accounts')
export class AdjustmentsController {
  constructor(private readonly adjustments: AdjustmentsService) {}

  @Post(':id/adjustments')
  @Roles('finance')
  @ApiOperation({
    summary:
      'Correct an account with an adjustment ledger entry, e.g. to settle a reconciliation finding (finance, admin)',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeats with the same key return the first answer and move nothing',
  })
  @ApiCreatedResponse({ type: AdjustmentView })
  async adjust(
    @CurrentActor() actor: Actor,
    @Param('id') accountId: string,
    @Body() dto: AdjustmentDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AdjustmentView> {
    const result = await this.adjustments.adjust(actor, accountId, dto, parseIdempotencyKey(idempotencyKey));
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return result.view;
  }
}
