import type { FastifyRequest } from 'fastify';
import type { CatalogModel, ModelCatalog } from '@gw/catalog';
import { reachedOf } from '../context/request-context';
import { GatewayError } from '@gw/common';
import { type UsableModel, usableModel } from './usable-models';

/** Longest model name echoed back in a 404 (the request bodies' own limit on `model`). */
const MAX_ECHOED_NAME = 256;

/** The rest of the path after `/models/` (a wildcard route), with a canonical id's slash decoded. */
function pathRest(request: FastifyRequest): string {
  return (request.params as Record<string, string | undefined>)['*'] ?? '';
}

/**
 * The model of a method route `/…/models/{model}:{method}` (Gemini's generateContent and the like): the path after
 * `/models/` up to its last colon.
 */
export function modelInPath(request: FastifyRequest): string {
  const rest = pathRest(request);
  const colon = rest.lastIndexOf(':');
  return colon < 0 ? rest : rest.slice(0, colon);
}

/**
 * GET /…/models/{model}: the model named by the rest of the path (a canonical id's slash may come literally,
 * `/v1/models/openai/gpt-4.1-mini`, or URL-encoded, `openai%2Fgpt-4.1-mini`, as the official SDKs send it), if the key
 * may use it under that name, whatever its provider (protocols.md: any client, any model); otherwise the 404 a request
 * naming it would get.
 */
export function requestedModel(request: FastifyRequest, catalog: ModelCatalog): UsableModel<CatalogModel> & { requested: string } {
  const requested = pathRest(request);
  const found = usableModel((name) => catalog.resolve(name), reachedOf(request).key, requested);
  if (!found) {
    throw GatewayError.notFound(`The model '${requested.slice(0, MAX_ECHOED_NAME)}' does not exist or is not available`);
  }
  return { ...found, requested };
}
