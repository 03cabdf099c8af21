import { Controller, Get, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CatalogModel, ModelCatalog, ModelPricesView, toModelPricesView } from '@gw/catalog';
import { reachedOf } from '../context/request-context';
import { GatewayRoute } from '../pipeline/proxy-pipeline';
import { requestedModel } from '../models/model-path';
import { usableModels } from '../models/usable-models';

/** OpenAI's model object, with the prices the gateway charges (spec/policy.md, "Prices"; SDKs keep extra fields). */
interface OpenAiModel extends ModelPricesView {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

function openAiModel(id: string, model: CatalogModel): OpenAiModel {
  return {
    id,
    object: 'model',
    created: Math.floor(model.createdAt.getTime() / 1000),
    owned_by: model.provider,
    ...toModelPricesView(model),
  };
}

/**
 * GET /v1/models and /v1/models/{model} in OpenAI's shapes: the list holds the OpenAI models this key may use; a
 * lookup finds any model it may use (others are served through translation, protocols.md).
 */
@Controller('v1')
export class OpenAiModelsController {
  constructor(private readonly catalog: ModelCatalog) {}

  @Get('models')
  @GatewayRoute({ protocol: 'openai', endpoint: 'models', billable: false })
  list(@Req() request: FastifyRequest): { object: 'list'; data: OpenAiModel[] } {
    const data = usableModels(this.catalog.all(), reachedOf(request).key, 'openai').map(({ name, model }) => openAiModel(name, model));
    return { object: 'list', data };
  }

  /** By canonical id (its slash literal or URL-encoded) or alias; the `id` is the name asked for, as on completions. */
  @Get('models/*')
  @GatewayRoute({ protocol: 'openai', endpoint: 'models', billable: false })
  retrieve(@Req() request: FastifyRequest): OpenAiModel {
    const { requested, model } = requestedModel(request, this.catalog);
    return openAiModel(requested, model);
  }
}
