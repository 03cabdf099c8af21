import { Controller, Get, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CatalogModel, ModelCatalog, ModelPricesView, toModelPricesView } from '@gw/catalog';
import { reachedOf } from '../context/request-context';
import { GatewayError } from '@gw/common';
import { GatewayRoute } from '../pipeline/proxy-pipeline';
import { requestedModel } from '../models/model-path';
import { UsableModel, usableModels } from '../models/usable-models';
import { validateBody } from '../validation/validate-body';
import { ANTHROPIC_MODELS_QUERY } from './models-query.schema';

const DEFAULT_LIMIT = 20;

/** Anthropic's model object, with the prices the gateway charges (spec/policy.md, "Prices"). */
interface AnthropicModel extends ModelPricesView {
  type: 'model';
  id: string;
  display_name: string;
  created_at: string;
}

interface AnthropicModelPage {
  data: AnthropicModel[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

/** Newest first, as Anthropic lists them; ties by name, so that cursors are stable. */
function newestFirst(a: UsableModel<CatalogModel>, b: UsableModel<CatalogModel>): number {
  return b.model.createdAt.getTime() - a.model.createdAt.getTime() || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function anthropicModel({ name, model }: UsableModel<CatalogModel>): AnthropicModel {
  return { type: 'model', id: name, display_name: name, created_at: model.createdAt.toISOString(), ...toModelPricesView(model) };
}

/**
 * GET /anthropic/v1/models (Anthropic's list shape and pagination): the Anthropic models this key may use;
 * /anthropic/v1/models/{model_id}: any model it may use (others are served through translation, protocols.md).
 */
@Controller('anthropic/v1')
export class AnthropicModelsController {
  constructor(private readonly catalog: ModelCatalog) {}

  @Get('models')
  @GatewayRoute({ protocol: 'anthropic', endpoint: 'models', billable: false })
  list(@Req() request: FastifyRequest): AnthropicModelPage {
    const query = validateBody(ANTHROPIC_MODELS_QUERY, { ...(request.query as object) }, 'anthropic');
    if (query.after_id !== undefined && query.before_id !== undefined) {
      throw GatewayError.invalidRequest('after_id: cannot be combined with before_id');
    }
    const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
    const models = usableModels(this.catalog.all(), reachedOf(request).key, 'anthropic').sort(newestFirst);

    const { after_id: afterId, before_id: beforeId } = query as { after_id?: string; before_id?: string };
    const { page, hasMore } = paginate(models, limit, afterId, beforeId);
    const data = page.map(anthropicModel);
    return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null };
  }

  /**
   * By canonical id (its slash literal or URL-encoded) or alias. As Anthropic's own endpoint does, an alias resolves
   * to the model's id: the name it is listed under for this key.
   */
  @Get('models/*')
  @GatewayRoute({ protocol: 'anthropic', endpoint: 'models', billable: false })
  retrieve(@Req() request: FastifyRequest): AnthropicModel {
    return anthropicModel(requestedModel(request, this.catalog));
  }
}

/**
 * One page after `afterId`, before `beforeId`, or from the start. A cursor that names no listed model gives an empty
 * page, as a stale cursor would.
 */
function paginate(models: UsableModel<CatalogModel>[], limit: number, afterId?: string, beforeId?: string) {
  if (beforeId !== undefined) {
    const end = models.findIndex((entry) => entry.name === beforeId);
    const from = Math.max(0, end - limit);
    return end < 0 ? { page: [], hasMore: false } : { page: models.slice(from, end), hasMore: from > 0 };
  }
  const start = afterId === undefined ? 0 : models.findIndex((entry) => entry.name === afterId) + 1;
  if (start === 0 && afterId !== undefined) return { page: [], hasMore: false };
  return { page: models.slice(start, start + limit), hasMore: start + limit < models.length };
}
