import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayRoute } from '../pipeline/proxy-pipeline';
import { Held, reachedOf, Resolved } from '../context/request-context';
import type { RelayResult } from '../relay/relay-result';
import { AnthropicRelay } from './anthropic.relay';
import { TranslatedRelay } from '../translate/translated.relay';
import { ANTHROPIC_COUNT_TOKENS_REQUEST, ANTHROPIC_MESSAGES_REQUEST } from './messages.schema';

@Controller('anthropic/v1/messages')
export class AnthropicMessagesController {
  constructor(
    private readonly relay: AnthropicRelay,
    private readonly translated: TranslatedRelay,
  ) {}

  @Post()
  @HttpCode(200)
  @GatewayRoute({ protocol: 'anthropic', endpoint: 'messages', billable: true, body: ANTHROPIC_MESSAGES_REQUEST })
  create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<RelayResult> {
    const held = reachedOf<Held>(request, 'hold');
    // A model of another provider: translated both ways (resolve stage).
    if (held.translation) return this.translated.relay(held, request.query, reply);
    return this.relay.messages(held, request.query, reply);
  }

  @Post('count_tokens')
  @HttpCode(200)
  @GatewayRoute({ protocol: 'anthropic', endpoint: 'count_tokens', billable: false, body: ANTHROPIC_COUNT_TOKENS_REQUEST })
  countTokens(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<RelayResult> {
    return this.relay.countTokens(reachedOf<Resolved>(request, 'model'), request.query, reply);
  }
}
