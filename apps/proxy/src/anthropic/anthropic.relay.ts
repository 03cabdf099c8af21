import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Resolved } from '../context/request-context';
import type { ChannelRecord } from '@gw/db';
import { ClientResponse } from '../relay/client-response';
import { JsonAnswerReader, relayJson } from '../relay/json-relay';
import type { RelayResult } from '../relay/relay-result';
import { relayStream } from '../relay/stream-relay';
import { Relay, UpstreamClient } from '../relay/upstream-client';
import { JsonOffload } from '../validation/json-offload';
import { readMessage, readTokenCount } from './anthropic-answers';
import { AnthropicStreamDialect } from './anthropic-stream.dialect';

/** The channel's credential as Anthropic takes it, with the client's validated protocol headers. */
export function anthropicHeaders(channel: ChannelRecord, forward: Readonly<Record<string, string>>): Record<string, string> {
  return { ...forward, 'x-api-key': channel.apiKey, 'content-type': 'application/json', accept: 'application/json' };
}

/** The SDK's beta calls add `?beta=true`; it is the one query the provider's message routes take. */
function betaQuery(query: unknown): string {
  return (query as { beta?: unknown } | undefined)?.beta === 'true' ? '?beta=true' : '';
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
    private readonly json: JsonOffload,
  ) {}

  async messages(request: Resolved, query: unknown, reply: FastifyReply): Promise<RelayResult> {
    const { context, requestedModel } = request;
    const client = new ClientResponse(reply, context);
    if (!request.stream) {
      return this.send(request, query, client, '/v1/messages', (response) => relayJson(requestedModel, response, reply, readMessage));
    }
    return this.send(request, query, client, '/v1/messages', (response) =>
      relayStream(context, response, client, new AnthropicStreamDialect(requestedModel)),
    );
  }

  /** Free: the route is not billable, so nothing is reserved or charged whatever the answer. */
  async countTokens(request: Resolved, query: unknown, reply: FastifyReply): Promise<RelayResult> {
    const client = new ClientResponse(reply, request.context);
    return this.send(request, query, client, '/v1/messages/count_tokens', (response) =>
      relayJson(request.requestedModel, response, reply, readTokenCount as JsonAnswerReader),
    );
  }

  private async send(request: Resolved, query: unknown, client: ClientResponse, path: string, relay: Relay): Promise<RelayResult> {
    const { model, forwardHeaders } = request;
    const call = {
      model,
      path: `${path}${betaQuery(query)}`,
      headers: (channel: ChannelRecord) => anthropicHeaders(channel, forwardHeaders),
      body: await this.json.stringify(request.body, { model: model.upstreamModel }),
      client,
    };
    return this.upstream.exchange(request.context, call, relay);
  }
}
