import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ExactTokenCounter, exactEncodingOf, ZERO_USAGE } from '@gw/billing';
import { GatewayError, GatewayErrorCode } from '@gw/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import type { ChannelRecord } from '@gw/db';
import { anthropicHeaders } from '../anthropic/anthropic.relay';
import { readTokenCount as readAnthropicCount } from '../anthropic/anthropic-answers';
import type { Resolved } from '../context/request-context';
import { observeStageTime } from '../context/stage-timer';
import { geminiHeaders } from '../gemini/gemini.relay';
import { readTokenCount as readGeminiCount } from '../gemini/gemini-answers';
import { ClientResponse } from '../relay/client-response';
import { JsonAnswerReader, readJsonAnswer } from '../relay/json-relay';
import type { RelayResult } from '../relay/relay-result';
import { UpstreamClient } from '../relay/upstream-client';
import { JsonOffload } from '../validation/json-offload';
import { ownChannels } from './provider-legs';
import { openAiChatCount } from './token-count';

/** A provider's counting endpoint: its path, credentials, answer reader and where the answer has the count. */
interface CountingEndpoint {
  path(upstreamModel: string): string;
  headers(channel: ChannelRecord, forward: Readonly<Record<string, string>>): Record<string, string>;
  read: JsonAnswerReader;
  tokens(body: Record<string, unknown>): number;
}

const COUNTING_ENDPOINT: Partial<Record<string, CountingEndpoint>> = {
  anthropic: {
    path: () => '/v1/messages/count_tokens',
    headers: anthropicHeaders,
    read: readAnthropicCount as JsonAnswerReader,
    tokens: (body) => body.input_tokens as number,
  },
  gemini: {
    path: (model) => `/v1beta/models/${encodeURIComponent(model)}:countTokens`,
    headers: (channel) => geminiHeaders(channel),
    read: readGeminiCount as JsonAnswerReader,
    tokens: (body) => body.totalTokens as number,
  },
};

/** The count in the client's protocol: Anthropic's `{input_tokens}`, Gemini's `{totalTokens}`. */
function countAnswer(client: string, tokens: number): string {
  return JSON.stringify(client === 'gemini' ? { totalTokens: tokens } : { input_tokens: tokens });
}

/**
 * Token counting (Anthropic count_tokens, Gemini countTokens; free) for a model of another protocol, its request
 * translated by the resolve stage (token-count.ts): an Anthropic or Google model's own counting endpoint, over the
 * model's own channels with UpstreamClient's failover; an OpenAI model, which has none for chat, counted here, exactly,
 * with the model's tokenizer (its chat template and tool definitions as OpenAI counts them), off the event loop.
 */
@Injectable()
export class TokenCountRelay {
  constructor(
    private readonly upstream: UpstreamClient,
    private readonly json: JsonOffload,
    private readonly counter: ExactTokenCounter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async count(request: Resolved, reply: FastifyReply): Promise<RelayResult> {
    const translation = request.translation!;
    const client = request.route.protocol;
    try {
      const endpoint = COUNTING_ENDPOINT[translation.to];
      if (endpoint === undefined) return this.send(reply, countAnswer(client, await this.countLocally(request)));
      const { context, model, forwardHeaders } = request;
      const own = ownChannels(model);
      const call = {
        model: own,
        path: endpoint.path(own.upstreamModel),
        headers: (channel: ChannelRecord) => endpoint.headers(channel, forwardHeaders),
        body: await this.json.stringify(request.body, {}),
        client: new ClientResponse(reply, context),
      };
      return await this.upstream.exchange(context, call, async (response) => {
        const { body } = await readJsonAnswer(response, endpoint.read);
        return this.send(reply, countAnswer(client, endpoint.tokens(body)));
      });
    } finally {
      observeStageTime('translate', translation.elapsedMs);
    }
  }

  /** An OpenAI model's count: its tokenizer over the texts, plus the chat template's own tokens. */
  private async countLocally(request: Resolved): Promise<number> {
    const encoding = exactEncodingOf(request.model);
    if (encoding === null) {
      throw GatewayError.invalidRequest(`Counting tokens is not supported for the model '${request.requestedModel}' (its tokenizer is not known)`);
    }
    const { pieces, fixedTokens } = openAiChatCount(request.body);
    const bytes = pieces.reduce((sum, piece) => sum + Buffer.byteLength(piece), 0);
    const limit = this.config.billing.exactCount.maxBytes;
    if (bytes > limit) {
      throw new GatewayError(GatewayErrorCode.PAYLOAD_TOO_LARGE, `The request is too large to count its tokens (over ${limit} bytes of text)`);
    }
    const tokens = await this.counter.count(pieces, encoding, bytes);
    if (tokens === null) throw GatewayError.unavailable('Counting tokens is busy; retry later', { 'retry-after': '1' });
    return fixedTokens + tokens;
  }

  private send(reply: FastifyReply, text: string): RelayResult {
    reply.status(200).header('content-type', 'application/json').send(text);
    return { status: 200, outcome: 'completed', usage: ZERO_USAGE, usageEstimated: false, inputReported: true, outputText: null, errorType: null };
  }
}
