import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { outputLimit } from '@gw/billing';
import type { ChannelRecord, ModelRecord } from '@gw/db';
import { createStreamTranslator, ProviderProtocol, translateResponse } from '@gw/translate';
import { anthropicHeaders } from '../anthropic/anthropic.relay';
import { readMessage } from '../anthropic/anthropic-answers';
import { AnthropicStreamDialect } from '../anthropic/anthropic-stream.dialect';
import type { Held } from '../context/request-context';
import { observeStageTime } from '../context/stage-timer';
import { readGenerateContent } from '../gemini/gemini-answers';
import { geminiHeaders, streamFraming } from '../gemini/gemini.relay';
import { GeminiStreamDialect, JSON_ARRAY_CONTENT_TYPE } from '../gemini/gemini-stream.dialect';
import { readChatCompletion } from '../openai/openai-answers';
import { openAiHeaders } from '../openai/openai.relay';
import { OpenAiChatStreamDialect } from '../openai/openai-chat-stream.dialect';
import { ClientResponse } from '../relay/client-response';
import { JsonAnswerReader, readJsonAnswer, sendJsonAnswer } from '../relay/json-relay';
import type { RelayResult } from '../relay/relay-result';
import type { StreamDialect } from '../relay/stream-dialect';
import { relayStream } from '../relay/stream-relay';
import { UpstreamClient } from '../relay/upstream-client';
import { JsonOffload } from '../validation/json-offload';
import { TranslatedStreamDialect, translationFailure } from './translated-stream.dialect';
import type { Translation } from './translation';

/** How the gateway calls a provider of each protocol: the native relays' paths, credentials, answer readers and dialects. */
interface ProviderSide {
  path(upstreamModel: string, stream: boolean): string;
  headers(channel: ChannelRecord, forward: Readonly<Record<string, string>>): Record<string, string>;
  read: JsonAnswerReader;
  dialect(requestedModel: string): StreamDialect;
}

const PROVIDER_SIDE: Record<ProviderProtocol, ProviderSide> = {
  'openai-chat': {
    path: () => '/v1/chat/completions',
    headers: (channel) => openAiHeaders(channel),
    read: readChatCompletion,
    // The translated request always asks for usage (libs/translate's encoder): the dialect reads it.
    dialect: (requestedModel) => new OpenAiChatStreamDialect(requestedModel, true),
  },
  anthropic: {
    path: () => '/v1/messages',
    headers: anthropicHeaders,
    read: readMessage,
    dialect: (requestedModel) => new AnthropicStreamDialect(requestedModel),
  },
  gemini: {
    path: (model, stream) => `/v1beta/models/${encodeURIComponent(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    headers: (channel) => geminiHeaders(channel),
    read: readGenerateContent,
    dialect: () => new GeminiStreamDialect('sse'),
  },
};

/**
 * The request a translated answer echoes (a Responses answer echoes its parameters): the client's, with the output limit
 * the provider is sent as `max_output_tokens` (the model's maximum when the client set none or asked for more), which
 * is what an OpenAI model's native answer echoes, the gateway sending it that limit (reserve stage, withOutputLimit).
 */
export function echoedRequest(translation: Translation, model: ModelRecord): Record<string, unknown> {
  const body = translation.clientBody;
  if (translation.from !== 'openai-responses') return body;
  return { ...body, max_output_tokens: outputLimit('responses', body, model) };
}

/**
 * A translated request (resolve stage: the model's provider speaks another protocol than the client): its provider
 * body goes to the provider's endpoint over the same UpstreamClient as a native one (channels, failover before the
 * first byte, timeouts, circuit breakers), and the answer comes back in the client's protocol, translated by
 * libs/translate. It settles on the provider's usage as the provider protocol's own reader and dialect read it, so a
 * translated request is billed exactly as the same request sent natively; the usage record keeps the client's
 * protocol and endpoint. A provider's 4xx reaches the client through the route's exception filter, in its format.
 */
@Injectable()
export class TranslatedRelay {
  constructor(
    private readonly upstream: UpstreamClient,
    private readonly json: JsonOffload,
  ) {}

  async relay(request: Held, query: unknown, reply: FastifyReply): Promise<RelayResult> {
    const translation = request.translation!;
    const { context, model, requestedModel, forwardHeaders } = request;
    const side = PROVIDER_SIDE[translation.to];
    const client = new ClientResponse(reply, context);
    const echoed = echoedRequest(translation, model);
    const call = {
      model,
      path: side.path(model.upstreamModel, request.stream),
      headers: (channel: ChannelRecord) => side.headers(channel, forwardHeaders),
      body: await this.json.stringify(request.body, {}),
      client,
    };
    try {
      if (!request.stream) {
        return await this.upstream.exchange(context, call, async (response) => {
          const { body, answer } = await readJsonAnswer(response, side.read);
          const text = this.translateAnswer(translation, body, requestedModel, echoed);
          return sendJsonAnswer(reply, text, answer);
        });
      }
      const framing = translation.from === 'gemini' ? streamFraming(query) : undefined;
      return await this.upstream.exchange(context, call, (response) => {
        const translator = createStreamTranslator(translation.to, translation.from, {
          model: requestedModel,
          request: echoed,
          includeUsage: translation.includeUsage,
          geminiFraming: framing,
        });
        // A Gemini client streaming as a JSON array gets that content type (the translator writes the array).
        const contentType = framing === 'json-array' ? JSON_ARRAY_CONTENT_TYPE : undefined;
        const dialect = new TranslatedStreamDialect(side.dialect(requestedModel), translator, translation, contentType);
        return relayStream(context, response, client, dialect);
      });
    } finally {
      observeStageTime('translate', translation.elapsedMs);
    }
  }

  /** The provider's answer -> the client's answer text (a 502 when the provider's answer cannot be read). */
  private translateAnswer(translation: Translation, body: Record<string, unknown>, requestedModel: string, echoed: unknown): string {
    const started = performance.now();
    try {
      const translated = translateResponse(translation.to, translation.from, body, { model: requestedModel, request: echoed });
      return JSON.stringify(translated.body);
    } catch (error) {
      throw translationFailure(error);
    } finally {
      translation.elapsedMs += performance.now() - started;
    }
  }
}
