import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ChannelRecord } from '@gw/db';
import type { GeminiFraming } from '@gw/translate';
import type { Resolved } from '../context/request-context';
import { ClientResponse } from '../relay/client-response';
import { JsonAnswerReader, relayJson } from '../relay/json-relay';
import type { RelayResult } from '../relay/relay-result';
import { relayStream } from '../relay/stream-relay';
import { Relay, UpstreamClient } from '../relay/upstream-client';
import { JsonOffload } from '../validation/json-offload';
import { readGenerateContent, readTokenCount } from './gemini-answers';
import { GeminiStreamDialect } from './gemini-stream.dialect';

/** The channel's credential as Google takes it: a header, never the URL (which proxies and logs may record). */
export function geminiHeaders(channel: ChannelRecord): Record<string, string> {
  return { 'x-goog-api-key': channel.apiKey, 'content-type': 'application/json', accept: 'application/json' };
}

/** `?alt=sse` asks for SSE frames; without it Gemini streams one JSON array. */
export function streamFraming(query: unknown): GeminiFraming {
  return (query as { alt?: unknown } | undefined)?.alt === 'sse' ? 'sse' : 'json-array';
}

/**
 * Native passthrough of the Gemini API to a Google channel: the body goes upstream as validated (re-serialised, see
 * OpenAiRelay on why; its output limit made explicit by the reserve stage), the model in the path is the channel's
 * upstream name, and the answer comes back as the provider wrote it. Streams are always read from the provider as SSE
 * and framed for the client as it asked (GeminiStreamDialect). The client's query (its `?key=` above all) never goes
 * upstream.
 */
@Injectable()
export class GeminiRelay {
  constructor(
    private readonly upstream: UpstreamClient,
    private readonly json: JsonOffload,
  ) {}

  generateContent(request: Resolved, query: unknown, reply: FastifyReply): Promise<RelayResult> {
    const { context, requestedModel } = request;
    const client = new ClientResponse(reply, context);
    if (!request.stream) {
      return this.send(request, client, 'generateContent', {}, (response) =>
        relayJson(requestedModel, response, reply, readGenerateContent),
      );
    }
    return this.send(request, client, 'streamGenerateContent?alt=sse', {}, (response) =>
      relayStream(context, response, client, new GeminiStreamDialect(streamFraming(query))),
    );
  }

  /** Free: the route is not billable, so nothing is reserved or charged whatever the answer. */
  countTokens(request: Resolved, reply: FastifyReply): Promise<RelayResult> {
    const client = new ClientResponse(reply, request.context);
    const inner = request.body.generateContentRequest;
    // A whole request names its model too: the provider's name for it.
    const changes =
      typeof inner === 'object' && inner !== null ? { generateContentRequest: { ...inner, model: `models/${request.model.upstreamModel}` } } : {};
    return this.send(request, client, 'countTokens', changes, (response) =>
      relayJson(request.requestedModel, response, reply, readTokenCount as JsonAnswerReader),
    );
  }

  private async send(
    request: Resolved,
    client: ClientResponse,
    method: string,
    changes: Record<string, unknown>,
    relay: Relay,
  ): Promise<RelayResult> {
    const { model } = request;
    const call = {
      model,
      path: `/v1beta/models/${encodeURIComponent(model.upstreamModel)}:${method}`,
      headers: geminiHeaders,
      body: await this.json.stringify(request.body, changes),
      client,
    };
    return this.upstream.exchange(request.context, call, relay);
  }
}
