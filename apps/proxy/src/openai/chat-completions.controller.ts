import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayRoute } from '../pipeline/proxy-pipeline';
import { Held, reachedOf } from '../context/request-context';
import type { RelayResult } from '../relay/relay-result';
import { CHAT_COMPLETION_REQUEST } from './chat-completion.schema';
import { OpenAiRelay } from './openai.relay';
import { CrossProviderRelay } from '../translate/cross-provider.relay';

@Controller('v1')
export class ChatCompletionsController {
  constructor(
    private readonly relay: OpenAiRelay,
    private readonly crossProvider: CrossProviderRelay,
  ) {}

  @Post('chat/completions')
  @HttpCode(200)
  @GatewayRoute({ protocol: 'openai', endpoint: 'chat.completions', billable: true, body: CHAT_COMPLETION_REQUEST })
  create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<RelayResult> {
    const held = reachedOf<Held>(request, 'hold');
    // Natively, or translated to the model's provider (resolve stage), or across providers (CrossProviderRelay).
    return this.crossProvider.relay(held, request.query, reply, (native) => this.relay.chatCompletions(native, reply));
  }
}
