import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayRoute } from '../pipeline/proxy-pipeline';
import { Held, reachedOf } from '../context/request-context';
import type { RelayResult } from '../relay/relay-result';
import { EMBEDDING_REQUEST } from './embedding.schema';
import { OpenAiRelay } from './openai.relay';

@Controller('v1')
export class EmbeddingsController {
  constructor(private readonly relay: OpenAiRelay) {}

  @Post('embeddings')
  @HttpCode(200)
  @GatewayRoute({ protocol: 'openai', endpoint: 'embeddings', billable: true, body: EMBEDDING_REQUEST })
  create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<RelayResult> {
    return this.relay.embeddings(reachedOf<Held>(request, 'hold'), reply);
  }
}
