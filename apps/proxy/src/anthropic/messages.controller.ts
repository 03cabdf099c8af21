import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayRoute } from '../pipeline/proxy-pipeline';
import { Held, reachedOf, Resolved } from '../context/request-context';
import type { RelayResult } from '../relay/relay-result';
import { AnthropicRelay } from './anthropic.relay';
import { CrossProviderRelay } from '../translate/cross-provider.relay';
import { ownChannels } from '../translate/provider-legs';
import { TokenCountRelay } from '../translate/token-count.relay';
import { ANTHROPIC_COUNT_TOKENS_REQUEST, ANTHROPIC_MESSAGES_REQUEST } from './messages.schema';

@Controller('anthropic/v1/messages')
export class AnthropicMessagesController {
  constructor(
    private readonly relay: AnthropicRelay,
    private readonly crossProvider: CrossProviderRelay,
    private readonly counts: TokenCountRelay,
  ) {}

  @Post()
  @HttpCode(200)
  @GatewayRoute({ protocol: 'anthropic', endpoint: 'messages', billable: true, body: ANTHROPIC_MESSAGES_REQUEST })
  create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<RelayResult> {
    const held = reachedOf<Held>(request, 'hold');
    // Natively, or translated to the model's provider (resolve stage), or across providers (CrossProviderRelay).
    return this.crossProvider.relay(held, request.query, reply, (native) => this.relay.messages(native, request.query, reply));
  }

  @Post('count_tokens')
  @HttpCode(200)
  @GatewayRoute({ protocol: 'anthropic', endpoint: 'count_tokens', billable: false, body: ANTHROPIC_COUNT_TOKENS_REQUEST })
  countTokens(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<RelayResult> {
    const resolved = reachedOf<Resolved>(request, 'model');
    // A model of another protocol: counted by its provider, or locally (resolve stage, TokenCountRelay).
    if (resolved.translation) return this.counts.count(resolved, reply);
    return this.relay.countTokens({ ...resolved, model: ownChannels(resolved.model) }, request.query, reply);
  }
}
