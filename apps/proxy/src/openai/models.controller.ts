import { Controller, Get, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ModelCatalog } from '@gw/catalog';
import { GatewayRoute } from '../middleware/gateway-route.decorator';
import { usableModels } from '../models/usable-models';

interface OpenAiModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** GET /v1/models in OpenAI's list shape: the OpenAI-protocol models this key may use. */
@Controller('v1')
export class OpenAiModelsController {
  constructor(private readonly catalog: ModelCatalog) {}

  @Get('models')
  @GatewayRoute({ protocol: 'openai', endpoint: 'models', billable: false })
  list(@Req() request: FastifyRequest): { object: 'list'; data: OpenAiModel[] } {
    const data = usableModels(this.catalog.all(), request.gw.key!, 'openai').map(({ name, model }) => ({
      id: name,
      object: 'model' as const,
      created: Math.floor(model.createdAt.getTime() / 1000),
      owned_by: model.provider,
    }));
    return { object: 'list', data };
  }
}
