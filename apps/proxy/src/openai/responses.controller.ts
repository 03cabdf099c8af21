import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '@gw/common';
import { GatewayRoute } from '../pipeline/proxy-pipeline';
import { Held, reachedOf } from '../context/request-context';
import type { RelayResult } from '../relay/relay-result';
import { OpenAiRelay } from './openai.relay';
import { CrossProviderRelay } from '../translate/cross-provider.relay';
import { RESPONSES_REQUEST } from './responses.schema';

/** OpenAI's Responses API, served natively to OpenAI models, and stateless: no response is stored to be read back. */
@Controller('v1/responses')
export class ResponsesController {
  constructor(
    private readonly relay: OpenAiRelay,
    private readonly crossProvider: CrossProviderRelay,
  ) {}

  @Post()
  @HttpCode(200)
  @GatewayRoute({ protocol: 'openai', endpoint: 'responses', billable: true, body: RESPONSES_REQUEST })
  create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<RelayResult> {
    const held = reachedOf<Held>(request, 'hold');
    // Natively, or translated to the model's provider (resolve stage), or across providers (CrossProviderRelay).
    return this.crossProvider.relay(held, request.query, reply, (native) => this.relay.responses(native, reply));
  }

  @Get(':id')
  @GatewayRoute({ protocol: 'openai', endpoint: 'responses', billable: false })
  retrieve(): never {
    throw GatewayError.notFound('No such response: the gateway is stateless and stores no responses');
  }
}
