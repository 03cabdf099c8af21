import { Body, Controller, Get, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../middleware/current-actor.decorator';
import type { Actor } from '../shared/actor';
import { ApiListResponse, ListResponse } from '../shared/list-response';
import { PageQueryDto } from '../shared/page-query.dto';
import { ChannelView, ModelChannelsView } from './channel.view';
import { CreateChannelDto, SetModelChannelsDto, UpdateChannelDto } from './channels.dto';
import { ChannelsService } from './channels.service';

/** Admin only (no @Roles): channels hold the provider credentials and decide where traffic goes. */
@ApiTags('channels')
@Controller('channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  @ApiOperation({ summary: 'Upstream channels, newest first, without their credentials (admin)' })
  @ApiListResponse(ChannelView)
  list(@Query() query: PageQueryDto): Promise<ListResponse<ChannelView>> {
    return this.channels.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One channel, without its credential (admin)' })
  @ApiOkResponse({ type: ChannelView })
  get(@Param('id') id: string): Promise<ChannelView> {
    return this.channels.get(id);
  }

  @Post()
  @ApiOperation({ summary: 'Create a channel; its credential is stored sealed and never shown (admin)' })
  @ApiCreatedResponse({ type: ChannelView })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateChannelDto): Promise<ChannelView> {
    return this.channels.create(actor, dto);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename, move, re-key, disable or enable a channel; proxies follow within 1 s (admin)' })
  @ApiOkResponse({ type: ChannelView })
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateChannelDto): Promise<ChannelView> {
    return this.channels.update(actor, id, dto);
  }
}

/** A model's channels, under the models path: `/admin/v1/models/:id/channels` (id URL-encoded). */
@ApiTags('models')
@Controller('models')
export class ModelChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get(':id/channels')
  @ApiOperation({ summary: "A model's channels in the order the proxy tries them (admin)" })
  @ApiParam({ name: 'id', description: 'Canonical id, URL-encoded: openai%2Fgpt-4.1-mini' })
  @ApiOkResponse({ type: ModelChannelsView })
  list(@Param('id') id: string): Promise<ModelChannelsView> {
    return this.channels.modelChannels(id);
  }

  @Put(':id/channels')
  @ApiOperation({
    summary: "Replace a model's channels with priorities and weights; proxies follow within 1 s (admin)",
    description:
      "A channel of another provider than the model's is allowed with the model's name there (upstreamModel): the " +
      "proxy fails over to it (before any byte reached the client) with the request translated to that provider's " +
      "protocol, billed at the model's prices on the answering provider's usage. Chat models only.",
  })
  @ApiParam({ name: 'id', description: 'Canonical id, URL-encoded: openai%2Fgpt-4.1-mini' })
  @ApiOkResponse({ type: ModelChannelsView })
  set(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: SetModelChannelsDto): Promise<ModelChannelsView> {
    return this.channels.setModelChannels(actor, id, dto);
  }
}
