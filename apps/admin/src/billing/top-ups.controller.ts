import { Body, Controller, Headers, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentActor } from '../middleware/current-actor.decorator';
import { Roles } from '../middleware/roles.decorator';
import type { Actor } from '../shared/actor';
import { parseIdempotencyKey } from './idempotency-key';
import { TopUpDto } from './top-up.dto';
import { TopUpView } from './top-up.view';
import { TopUpsService } from './top-ups.service';

@ApiTags('billing')
@Controller('accounts')
export class TopUpsController {
  constructor(private readonly topUps: TopUpsService) {}

  @Post(':id/top-ups')
  @Roles('finance')
  @ApiOperation({ summary: 'Credit an account (finance, admin)' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeats with the same key return the first answer and move nothing',
  })
  @ApiCreatedResponse({ type: TopUpView })
  async topUp(
    @CurrentActor() actor: Actor,
    @Param('id') accountId: string,
    @Body() dto: TopUpDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TopUpView> {
    const result = await this.topUps.topUp(actor, accountId, dto, parseIdempotencyKey(idempotencyKey));
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return result.view;
  }
}
