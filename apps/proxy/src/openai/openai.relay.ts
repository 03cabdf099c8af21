import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ChannelRecord } from '@gw/db';
import type { GatewayContext } from '../context/gateway-context';
import { ClientResponse } from '../relay/client-response';
import { relayJson } from '../relay/json-relay';
import type { RelayResult } from '../relay/relay-result';
import { relayStream } from '../relay/stream-relay';
import { UpstreamClient } from '../upstream/upstream-client';
import { JsonOffload } from '../validation/json-offload';
import { readChatCompletion, readEmbeddings } from './openai-answers';
import { OpenAiChatStreamDialect } from './openai-chat-stream.dialect';

export function openAiHeaders(channel: ChannelRecord): Record<string, string> {
  return { authorization: `Bearer ${channel.apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
}

/**
 * The OpenAI protocol's billable calls to an OpenAI-protocol upstream: chat completions (non-streaming or streaming)
 * and embeddings. The request body goes upstream re-serialised from the validated one (model id replaced), so the
 * provider reads exactly what was checked and priced: no parser disagreement (duplicate keys, say) can slip past.
 * Large bodies are serialised off the event loop (JsonOffload).
 */
@Injectable()
export class OpenAiRelay {
  constructor(
    private readonly upstream: UpstreamClient,
    private readonly json: JsonOffload,
  ) {}

  async chatCompletions(gw: GatewayContext, reply: FastifyReply): Promise<RelayResult> {
    const client = new ClientResponse(reply);
    const changes: Record<string, unknown> = { model: gw.model!.upstreamModel };
    const streamOptions = gw.body!.stream_options as { include_usage?: boolean } | null | undefined;
    if (gw.stream) changes.stream_options = { ...streamOptions, include_usage: true };

    const body = await this.json.stringify(gw.body!, changes);
    const call = { model: gw.model!, path: '/v1/chat/completions', headers: openAiHeaders, body, client };
    if (!gw.stream) return this.upstream.exchange(gw, call, (response) => relayJson(gw, response, reply, readChatCompletion));
    const includeUsage = streamOptions?.include_usage === true;
    return this.upstream.exchange(gw, call, (response) =>
      relayStream(gw, response, client, new OpenAiChatStreamDialect(gw.requestedModel!, includeUsage)),
    );
  }

  async embeddings(gw: GatewayContext, reply: FastifyReply): Promise<RelayResult> {
    const client = new ClientResponse(reply);
    const body = await this.json.stringify(gw.body!, { model: gw.model!.upstreamModel });
    const call = { model: gw.model!, path: '/v1/embeddings', headers: openAiHeaders, body, client };
    return this.upstream.exchange(gw, call, (response) => relayJson(gw, response, reply, readEmbeddings));
  }
}
