import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../middleware/current-actor.decorator';
import type { Actor } from '../shared/actor';
import { ApiListResponse, ListResponse } from '../shared/list-response';
import { PageQueryDto } from '../shared/page-query.dto';
import { ModelView } from './model.view';
import { UpdateModelDto } from './models.dto';
import { ModelsService } from './models.service';

/** Admin only: the spec gives no other role the catalog. */
@ApiTags('models')
@Controller('models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  @ApiOperation({ summary: 'The catalog with prices per million tokens (admin)' })
  @ApiListResponse(ModelView)
  list(@Query() query: PageQueryDto): Promise<ListResponse<ModelView>> {
    return this.models.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One model: prices, markup, upstream prices and rpmPerAccount (admin)' })
  @ApiParam({ name: 'id', description: 'Canonical id, URL-encoded: openai%2Fgpt-4.1-mini' })
  @ApiOkResponse({ type: ModelView })
  get(@Param('id') id: string): Promise<ModelView> {
    return this.models.get(id);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Change prices, limits, aliases or availability of a model (admin)' })
  @ApiParam({ name: 'id', description: 'Canonical id, URL-encoded: openai%2Fgpt-4.1-mini' })
  @ApiOkResponse({ type: ModelView })
  update(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() dto: UpdateModelDto): Promise<ModelView> {
    return this.models.update(actor, id, dto);
  }
}
