import { Controller, Get, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '@gw/common';
import { reachedOf } from '../context/request-context';
import { GatewayRoute } from '../pipeline/proxy-pipeline';
import { GenerationLookup } from './generation-lookup';
import type { GenerationView } from './generation-view';

/** The longest id echoed in a 404 (the id is the caller's own text). */
const MAX_ECHOED_ID = 64;

/** The `id` query parameter: one non-empty string (a repeated parameter is a 400, not a guess). */
function generationIdOf(request: FastifyRequest): string {
  const id = (request.query as Record<string, unknown> | undefined)?.id;
  if (typeof id !== 'string' || id.length === 0) {
    throw GatewayError.invalidRequest('id: required, one generation id (gen-...)');
  }
  return id;
}

/**
 * GET /v1/generation?id=gen-... and its twins for each protocol's keys and error format (/anthropic/v1/generation,
 * /gemini/v1beta/generation): a generation of the caller's account, as soon as its response has ended. Free: no hold,
 * no charge; counted in the key and account rate limits like any lookup that names no model.
 */
@Controller()
export class GenerationController {
  constructor(private readonly lookup: GenerationLookup) {}

  @Get('v1/generation')
  @GatewayRoute({ protocol: 'openai', endpoint: 'generation', billable: false })
  openAi(@Req() request: FastifyRequest): Promise<{ data: GenerationView }> {
    return this.find(request);
  }

  @Get('anthropic/v1/generation')
  @GatewayRoute({ protocol: 'anthropic', endpoint: 'generation', billable: false })
  anthropic(@Req() request: FastifyRequest): Promise<{ data: GenerationView }> {
    return this.find(request);
  }

  @Get('gemini/v1beta/generation')
  @GatewayRoute({ protocol: 'gemini', endpoint: 'generation', billable: false })
  gemini(@Req() request: FastifyRequest): Promise<{ data: GenerationView }> {
    return this.find(request);
  }

  private async find(request: FastifyRequest): Promise<{ data: GenerationView }> {
    const id = generationIdOf(request);
    const generation = await this.lookup.find(reachedOf(request).accountId, id);
    if (generation === null) throw GatewayError.notFound(`The generation '${id.slice(0, MAX_ECHOED_ID)}' does not exist`);
    return { data: generation };
  }
}
