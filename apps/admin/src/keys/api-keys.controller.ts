import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../middleware/current-actor.decorator';
import { Roles } from '../middleware/roles.decorator';
import type { Actor } from '../shared/actor';
import { ApiListResponse, ListResponse } from '../shared/list-response';
import { ApiKeyView, CreatedApiKeyView } from './api-key.view';
import { CreateApiKeyDto, ListApiKeysQueryDto, RpmLimitDto, UpdateApiKeyDto } from './api-keys.dto';
import { ApiKeysService } from './api-keys.service';

@ApiTags('keys')
@Controller('keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Roles('support')
  @ApiOperation({ summary: 'Create a key; the plaintext `key` is in this answer only (support, admin)' })
  @ApiCreatedResponse({ type: CreatedApiKeyView })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyView> {
    return this.keys.create(actor, dto);
  }

  @Get()
  @Roles('support')
  @ApiOperation({ summary: 'List keys, newest first, optionally of one account (support, admin)' })
  @ApiListResponse(ApiKeyView)
  list(@Query() query: ListApiKeysQueryDto): Promise<ListResponse<ApiKeyView>> {
    return this.keys.list(query);
  }

  @Get(':id')
  @Roles('support')
  @ApiOperation({ summary: 'One key, without its plaintext (support, admin)' })
  @ApiOkResponse({ type: ApiKeyView })
  get(@Param('id') id: string): Promise<ApiKeyView> {
    return this.keys.get(id);
  }

  @Patch(':id')
  @Roles('support')
  @ApiOperation({
    summary:
      'Change a key (admin); support may change `status` (disable/enable), `ipAllowlist`, `dailyLimitUsd` and `tpmLimit` only',
  })
  @ApiOkResponse({ type: ApiKeyView })
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateApiKeyDto): Promise<ApiKeyView> {
    return this.keys.update(actor, id, dto);
  }

  @Put(':id/rpm-limit')
  @Roles('support')
  @ApiOperation({ summary: "Override a key's requests per minute; null restores the default (support, admin)" })
  @ApiOkResponse({ type: ApiKeyView })
  setRpmLimit(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: RpmLimitDto): Promise<ApiKeyView> {
    return this.keys.setRpmLimit(actor, id, dto.rpm);
  }

  /** Admin only: revoking is for good, and the spec gives support disable/enable, not revoke. */
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key for good (admin)' })
  @ApiNoContentResponse()
  async revoke(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    await this.keys.revoke(actor, id);
  }
}
