import { Controller, Get, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CatalogModel, ModelCatalog, ModelPricesView, toModelPricesView } from '@gw/catalog';
import { GatewayError } from '@gw/common';
import { reachedOf } from '../context/request-context';
import { requestedModel } from '../models/model-path';
import { UsableModel, usableModels } from '../models/usable-models';
import { GatewayRoute } from '../pipeline/proxy-pipeline';
import { validateBody } from '../validation/validate-body';
import { GEMINI_MODELS_QUERY } from './models-query.schema';

/** Google's default page size of models.list, and its largest. */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1_000;
const SUPPORTED_METHODS = ['generateContent', 'streamGenerateContent', 'countTokens'];

/** Google's model object, with the prices the gateway charges (spec/policy.md, "Prices"). */
export interface GeminiModel extends ModelPricesView {
  name: string;
  baseModelId: string;
  displayName: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
  supportedGenerationMethods: string[];
}

export interface GeminiModelPage {
  models: GeminiModel[];
  nextPageToken?: string;
}

/**
 * The name Google lists a model under: `models/` and the bare name (a canonical id without its `google/`); a model of
 * another provider (looked up through translation) keeps its canonical id, the name a Gemini request calls it by.
 */
export function geminiModel({ name, model }: UsableModel<CatalogModel>): GeminiModel {
  const bare = model.provider === 'google' && name.startsWith('google/') ? name.slice('google/'.length) : name;
  return {
    name: `models/${bare}`,
    baseModelId: bare,
    displayName: bare,
    inputTokenLimit: model.contextWindow,
    outputTokenLimit: model.maxOutputTokens,
    supportedGenerationMethods: SUPPORTED_METHODS,
    ...toModelPricesView(model),
  };
}

/** A page of the list: from the offset a token carries (opaque to the client), `size` long (0: the default). */
export function modelPage(models: GeminiModel[], pageSize: number, pageToken: string | undefined): GeminiModelPage {
  let offset = 0;
  if (pageToken !== undefined && pageToken !== '') {
    offset = Number(Buffer.from(pageToken, 'base64url').toString('utf8'));
    if (!Number.isSafeInteger(offset) || offset <= 0) throw GatewayError.invalidRequest('pageToken: invalid page token');
  }
  const size = pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
  const end = offset + size;
  const page: GeminiModelPage = { models: models.slice(offset, end) };
  if (end < models.length) page.nextPageToken = Buffer.from(String(end), 'utf8').toString('base64url');
  return page;
}

/**
 * GET /gemini/v1beta/models (Google's list shape and page tokens): the google models this key may use, in the
 * catalog's order; /gemini/v1beta/models/{model}: any model it may use (others through translation, protocols.md).
 */
@Controller('gemini/v1beta')
export class GeminiModelsController {
  constructor(private readonly catalog: ModelCatalog) {}

  @Get('models')
  @GatewayRoute({ protocol: 'gemini', endpoint: 'models', billable: false })
  list(@Req() request: FastifyRequest): GeminiModelPage {
    const query = validateBody(GEMINI_MODELS_QUERY, { ...(request.query as object) }, 'gemini');
    const models = usableModels(this.catalog.all(), reachedOf(request).key, 'google').map(geminiModel);
    const pageSize = query.pageSize === undefined || query.pageSize === null ? 0 : Number(query.pageSize);
    return modelPage(models, pageSize, (query.pageToken as string | null | undefined) ?? undefined);
  }

  /** By bare name or canonical id (its slash literal or URL-encoded). */
  @Get('models/*')
  @GatewayRoute({ protocol: 'gemini', endpoint: 'models', billable: false })
  retrieve(@Req() request: FastifyRequest): GeminiModel {
    return geminiModel(requestedModel(request, this.catalog));
  }
}
