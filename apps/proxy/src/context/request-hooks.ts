import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openRequestContext, transportProblem } from '../pipeline/context.stage';
import type { RequestContext } from './request-context';
import { observeStage } from './stage-timer';

export const GENERATION_ID_HEADER = 'x-chuizi-generation-id';
export const REQUEST_ID_HEADER = 'x-request-id';
/**
 * Anthropic's own request id header (its SDK exposes it as `_request_id`): on the Anthropic protocol it carries the
 * generation id, the id support finds a request by.
 */
export const ANTHROPIC_REQUEST_ID_HEADER = 'request-id';

/**
 * The context stage's adapter (pipeline/context.stage.ts): gives every request its ids before anything else runs and
 * puts them on the response headers at once, so that every answer carries them: successes, errors from any layer,
 * 404s and streams. Anthropic protocol answers also carry `request-id`, as Anthropic's do.
 */
export function registerRequestContext(fastify: FastifyInstance): void {
  fastify.decorateRequest('gw', null as never);
  fastify.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    attachRequestContext(request, reply);
    const raw = request.raw;
    const problem = transportProblem(raw.httpVersion, raw.httpVersionMajor, request.headers.host);
    observeStage('context', started);
    done(problem ?? undefined);
  });
}

/**
 * Opens the request's context and puts its ids on the response headers. The onRequest hook above does it for every
 * routed request; the router's own refusals (middleware/framework-errors.ts), which no hook sees, call it themselves.
 */
export function attachRequestContext(request: FastifyRequest, reply: FastifyReply): RequestContext {
  const context = openRequestContext(request.url, request.headers[REQUEST_ID_HEADER]);
  request.gw = context;
  reply.header(GENERATION_ID_HEADER, context.generationId);
  reply.header(REQUEST_ID_HEADER, context.requestId);
  if (context.protocol === 'anthropic') reply.header(ANTHROPIC_REQUEST_ID_HEADER, context.generationId);
  return context;
}
