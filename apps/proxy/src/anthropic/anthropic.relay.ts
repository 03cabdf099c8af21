import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@gw/config';
import type { ChannelRecord } from '@gw/db';
import { ClientResponse } from '../relay/client-response';
import { JsonAnswerReader, relayJson } from '../relay/json-relay';
import type { RelayResult } from '../relay/relay-result';
import { relayStream } from '../relay/stream-relay';
import { UpstreamClient } from '../upstream/upstream-client';
import { readMessage, readTokenCount } from './anthropic-answers';
import { AnthropicStreamDialect } from './anthropic-stream.dialect';

/** The channel's credential as Anthropic takes it, with the client's validated protocol headers. */
function anthropicHeaders(channel: ChannelRecord, forward: Record<string, string>): Record<string, string> {
  return { ...forward, 'x-api-key': channel.apiKey, 'content-type': 'application/json', accept: 'application/json' };
}

/** The SDK's beta calls add `?beta=true`; it is the one query the provider's message routes take. */
function betaQuery(request: FastifyRequest): string {
  return (request.query as { beta?: unknown } | undefined)?.beta === 'true' ? '?beta=true' : '';
}

/**
 * Native passthrough of the Anthropic Messages API: the body goes upstream as validated (model id replaced, see
 * OpenAiRelay on why it is re-serialised), the answer and its events come back as the provider wrote them, with the
 * `model` the client sent.
 */
@Injectable()
export class AnthropicRelay {
  constructor(
    private readonly upstream: UpstreamClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async messages(request: FastifyRequest, reply: FastifyReply): Promise<RelayResult> {
    const gw = request.gw;
    const client = new ClientResponse(reply);
    const response = await this.send(request, client, '/v1/messages');
    if (!gw.stream) return relayJson(gw, response, reply, readMessage);
    return relayStream(gw, response, client, new AnthropicStreamDialect(gw.requestedModel!));
  }

  /** Free: the route is not billable, so nothing is reserved or charged whatever the answer. */
  async countTokens(request: FastifyRequest, reply: FastifyReply): Promise<RelayResult> {
    const client = new ClientResponse(reply);
    const response = await this.send(request, client, '/v1/messages/count_tokens');
    return relayJson(request.gw, response, reply, readTokenCount as JsonAnswerReader);
  }

  private send(request: FastifyRequest, client: ClientResponse, path: string) {
    const gw = request.gw;
    const forward = gw.forwardHeaders!;
    return this.upstream.send(gw, {
      model: gw.model!,
      path: `${path}${betaQuery(request)}`,
      headers: (channel) => anthropicHeaders(channel, forward),
      body: JSON.stringify({ ...gw.body!, model: gw.model!.upstreamModel }),
      clientSignal: client.signal,
      idleTimeoutMs: this.config.proxy.streamIdleTimeoutMs,
    });
  }
}
