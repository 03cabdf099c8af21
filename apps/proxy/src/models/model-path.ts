import type { FastifyRequest } from 'fastify';
import { GatewayError } from '@gw/common';

/** Longest model name echoed back in a 404 (the request bodies' own limit on `model`). */
const MAX_ECHOED_NAME = 256;

/**
 * The model named by GET /…/models/{model}: the rest of the path, so that a canonical id's slash may come literally
 * (`/v1/models/openai/gpt-4.1-mini`) or URL-encoded (`openai%2Fgpt-4.1-mini`, as the official SDKs send it).
 */
export function requestedModelId(request: FastifyRequest): string {
  return (request.params as Record<string, string | undefined>)['*'] ?? '';
}

/** The 404 of a model lookup, worded as a request naming the model would be refused. */
export function modelNotFound(name: string): GatewayError {
  return GatewayError.notFound(`The model '${name.slice(0, MAX_ECHOED_NAME)}' does not exist or is not available`);
}
