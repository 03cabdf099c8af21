import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { RouteConstraints } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Held, reachedOf, Resolved } from '../context/request-context';
import { GatewayRoute } from '../pipeline/proxy-pipeline';
import type { RelayResult } from '../relay/relay-result';
import { GEMINI_COUNT_TOKENS_REQUEST, GEMINI_GENERATE_CONTENT_REQUEST } from './generate-content.schema';
import { GEMINI_METHOD } from './gemini-method.constraint';
import { GeminiRelay } from './gemini.relay';
import { CrossProviderRelay } from '../translate/cross-provider.relay';
import { ownChannels } from '../translate/provider-legs';
import { TokenCountRelay } from '../translate/token-count.relay';

const GENERATE = { protocol: 'gemini', endpoint: 'generate_content', billable: true, body: GEMINI_GENERATE_CONTENT_REQUEST, model: 'path' } as const;

/**
 * Gemini's method routes, `POST /gemini/v1beta/models/{model}:{method}`: the model (a bare name or a canonical id,
 * its slash literal or URL-encoded) is the path up to the last colon, the method tells the routes apart
 * (gemini-method.constraint.ts).
 */
@Controller('gemini/v1beta')
export class GeminiGenerateContentController {
  constructor(
    private readonly relay: GeminiRelay,
    private readonly crossProvider: CrossProviderRelay,
    private readonly counts: TokenCountRelay,
  ) {}

  @Post('models/*')
  @HttpCode(200)
  @RouteConstraints({ [GEMINI_METHOD]: 'generateContent' })
  @GatewayRoute({ ...GENERATE, stream: false })
  generateContent(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<RelayResult> {
    return this.generate(request, reply);
  }

  @Post('models/*')
  @HttpCode(200)
  @RouteConstraints({ [GEMINI_METHOD]: 'streamGenerateContent' })
  @GatewayRoute({ ...GENERATE, stream: true })
  streamGenerateContent(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<RelayResult> {
    return this.generate(request, reply);
  }

  @Post('models/*')
  @HttpCode(200)
  @RouteConstraints({ [GEMINI_METHOD]: 'countTokens' })
  @GatewayRoute({ protocol: 'gemini', endpoint: 'count_tokens', billable: false, body: GEMINI_COUNT_TOKENS_REQUEST, model: 'path' })
  countTokens(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<RelayResult> {
    const resolved = reachedOf<Resolved>(request, 'model');
    // A model of another protocol: counted by its provider, or locally (resolve stage, TokenCountRelay).
    if (resolved.translation) return this.counts.count(resolved, reply);
    return this.relay.countTokens({ ...resolved, model: ownChannels(resolved.model) }, reply);
  }

  private generate(request: FastifyRequest, reply: FastifyReply): Promise<RelayResult> {
    const held = reachedOf<Held>(request, 'hold');
    // Natively, or translated to the model's provider (resolve stage), or across providers (CrossProviderRelay).
    return this.crossProvider.relay(held, request.query, reply, (native) => this.relay.generateContent(native, request.query, reply));
  }
}
