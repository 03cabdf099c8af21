import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ChannelRecord } from '@gw/db';
import type { Resolved } from '../context/request-context';
import { ClientResponse } from '../relay/client-response';
import { relayJson } from '../relay/json-relay';
import type { RelayResult } from '../relay/relay-result';
import { relayStream } from '../relay/stream-relay';
import { UpstreamClient } from '../relay/upstream-client';
import { JsonOffload } from '../validation/json-offload';
import { readChatCompletion, readEmbeddings, readResponse } from './openai-answers';
import { OpenAiChatStreamDialect } from './openai-chat-stream.dialect';
import { OpenAiResponsesStreamDialect } from './openai-responses-stream.dialect';

export function openAiHeaders(channel: ChannelRecord): Record<string, string> {
  return { authorization: `Bearer ${channel.apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
}

/**
 * The OpenAI protocol's billable calls to an OpenAI-protocol upstream: chat completions and Responses API responses
 * (non-streaming or streaming), and embeddings. The request body goes upstream re-serialised from the validated one (model id replaced), so the
 * provider reads exactly what was checked and priced: no parser disagreement (duplicate keys, say) can slip past.
 * Large bodies are serialised off the event loop (JsonOffload).
 */
@Injectable()
export class OpenAiRelay {
  constructor(
    private readonly upstream: UpstreamClient,
    private readonly json: JsonOffload,
  ) {}

  async chatCompletions(request: Resolved, reply: FastifyReply): Promise<RelayResult> {
    const { context, model, requestedModel } = request;
    const client = new ClientResponse(reply, context);
    const changes: Record<string, unknown> = { model: model.upstreamModel };
    const streamOptions = request.body.stream_options as { include_usage?: boolean } | null | undefined;
    if (request.stream) changes.stream_options = { ...streamOptions, include_usage: true };

    const body = await this.json.stringify(request.body, changes);
    const call = { model, path: '/v1/chat/completions', headers: openAiHeaders, body, client };
    if (!request.stream) {
      return this.upstream.exchange(context, call, (response) => relayJson(requestedModel, response, reply, readChatCompletion));
    }
    const includeUsage = streamOptions?.include_usage === true;
    return this.upstream.exchange(context, call, (response) =>
      relayStream(context, response, client, new OpenAiChatStreamDialect(requestedModel, includeUsage)),
    );
  }

  /**
   * POST /v1/responses, natively. The gateway stores nothing (spec/protocols.md): `store` is sent as false whatever the
   * client asked, so that the provider keeps nothing either.
   */
  async responses(request: Resolved, reply: FastifyReply): Promise<RelayResult> {
    const { context, model, requestedModel } = request;
    const client = new ClientResponse(reply, context);
    const body = await this.json.stringify(request.body, { model: model.upstreamModel, store: false });
    const call = { model, path: '/v1/responses', headers: openAiHeaders, body, client };
    if (!request.stream) {
      return this.upstream.exchange(context, call, (response) => relayJson(requestedModel, response, reply, readResponse));
    }
    return this.upstream.exchange(context, call, (response) =>
      relayStream(context, response, client, new OpenAiResponsesStreamDialect(requestedModel)),
    );
  }

  async embeddings(request: Resolved, reply: FastifyReply): Promise<RelayResult> {
    const { context, model, requestedModel } = request;
    const client = new ClientResponse(reply, context);
    const body = await this.json.stringify(request.body, { model: model.upstreamModel });
    const call = { model, path: '/v1/embeddings', headers: openAiHeaders, body, client };
    return this.upstream.exchange(context, call, (response) => relayJson(requestedModel, response, reply, readEmbeddings));
  }
}
