import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { createParser, EventSourceMessage } from 'eventsource-parser';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { countOpenAiTokens } from '@gw/billing';
import { errorBody, GatewayError } from '@gw/common';
import type { ChannelRecord } from '@gw/db';
import type { GatewayContext } from '../context/gateway-context';
import { ClientResponse } from '../relay/client-response';
import type { RelayResult } from '../relay/relay-result';
import { classifyTransportError, ClientGoneError } from '../upstream/upstream-errors';
import { UpstreamClient, UpstreamResponse } from '../upstream/upstream-client';
import { fromOpenAiUsage } from './openai-usage';

interface ChatChunk {
  model?: string;
  choices?: { delta?: { content?: unknown; refusal?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] } }[];
  usage?: unknown;
  error?: unknown;
}

/**
 * POST /v1/chat/completions to an OpenAI-protocol upstream, non-streaming or streaming.
 *
 * Streams: the upstream is always asked for `stream_options.include_usage` so the settlement uses the provider's own
 * count; the usage chunk reaches the client only if the client asked for it. The text delivered to the client is
 * tracked so that a stream cut short (client gone, upstream dropped, idle timeout) is settled on what was delivered.
 */
@Injectable()
export class OpenAiChatRelay {
  constructor(
    private readonly upstream: UpstreamClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async relay(gw: GatewayContext, reply: FastifyReply): Promise<RelayResult> {
    const client = new ClientResponse(reply);
    const body: Record<string, unknown> = { ...gw.body!, model: gw.model!.upstreamModel };
    const clientWantsUsage = gw.stream && (gw.body!.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (gw.stream) body.stream_options = { ...(gw.body!.stream_options as object | undefined), include_usage: true };

    const response = await this.upstream.send(gw, {
      model: gw.model!,
      path: '/v1/chat/completions',
      headers: openAiHeaders,
      body: JSON.stringify(body),
      clientSignal: client.signal,
      idleTimeoutMs: this.config.proxy.streamIdleTimeoutMs,
    });
    return gw.stream
      ? this.relayStream(gw, response, client, clientWantsUsage)
      : this.relayJson(gw, response, reply);
  }

  private async relayJson(gw: GatewayContext, response: UpstreamResponse, reply: FastifyReply): Promise<RelayResult> {
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw classifyTransportError(error, gw.model!.timeoutS);
    }
    let completion: { model?: string; choices?: unknown; usage?: unknown };
    try {
      completion = JSON.parse(text);
    } catch {
      throw GatewayError.upstream('The upstream provider returned an invalid response (not JSON)');
    }
    if (typeof completion !== 'object' || completion === null || !Array.isArray(completion.choices)) {
      throw GatewayError.upstream('The upstream provider returned an invalid response (no choices)');
    }
    const reported = fromOpenAiUsage(completion.usage);
    completion.model = gw.requestedModel;
    reply.status(200).header('content-type', 'application/json').send(JSON.stringify(completion));
    return {
      status: 200,
      outcome: 'completed',
      usage: reported ?? {
        inputTokens: gw.hold?.inputTokens ?? 0,
        outputTokens: countOpenAiTokens(choiceText(completion.choices)),
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
      },
      usageEstimated: reported === null,
      errorType: null,
    };
  }

  private async relayStream(
    gw: GatewayContext,
    response: UpstreamResponse,
    client: ClientResponse,
    clientWantsUsage: boolean,
  ): Promise<RelayResult> {
    const stopUpstream = () => response.abort(new ClientGoneError());
    client.signal.addEventListener('abort', stopUpstream, { once: true });
    const delivered: string[] = [];
    let reported: ReturnType<typeof fromOpenAiUsage> = null;
    let done = false;
    let failure: GatewayError | null = null;
    const pending: string[] = [];

    const parser = createParser({
      onEvent: (event: EventSourceMessage) => {
        if (failure || done) return;
        if (event.data === '[DONE]') {
          done = true;
          pending.push('data: [DONE]\n\n');
          return;
        }
        let chunk: ChatChunk;
        try {
          chunk = JSON.parse(event.data);
        } catch {
          failure = GatewayError.upstream('The upstream provider sent an invalid stream event');
          return;
        }
        if (chunk.error) {
          failure = GatewayError.upstream('The upstream provider reported an error mid-stream');
          return;
        }
        if (chunk.usage) reported = fromOpenAiUsage(chunk.usage) ?? reported;
        if (!clientWantsUsage) {
          if (Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage) return;
          delete chunk.usage;
        }
        collectDelta(chunk, delivered);
        chunk.model = gw.requestedModel;
        pending.push(`data: ${JSON.stringify(chunk)}\n\n`);
      },
    });

    client.start();
    const decoder = new TextDecoder();
    try {
      for await (const bytes of response.body) {
        parser.feed(decoder.decode(bytes as Buffer, { stream: true }));
        for (const text of pending.splice(0)) await client.write(text);
        if (failure || done || client.closed) break;
      }
      if (!done && !failure && !client.closed) {
        failure = GatewayError.upstream('The upstream provider closed the stream before it was complete');
      }
    } catch (error) {
      if (!client.closed) failure = toStreamFailure(error, gw.model!.timeoutS);
    } finally {
      client.signal.removeEventListener('abort', stopUpstream);
    }

    if (client.closed) {
      response.abort(new ClientGoneError());
      return this.cutShort(gw, delivered, 'client_aborted', null);
    }
    if (failure) {
      response.abort(failure);
      const error: GatewayError = failure;
      await client.write(`data: ${JSON.stringify(errorBody('openai', error))}\n\n`);
      client.end();
      return this.cutShort(gw, delivered, 'upstream_dropped', error.type);
    }
    client.end();
    return {
      status: 200,
      outcome: 'completed',
      usage: reported ?? this.counted(gw, delivered),
      usageEstimated: reported === null,
      errorType: null,
    };
  }

  private cutShort(
    gw: GatewayContext,
    delivered: string[],
    outcome: RelayResult['outcome'],
    errorType: string | null,
  ): RelayResult {
    return { status: 200, outcome, usage: this.counted(gw, delivered), usageEstimated: true, errorType };
  }

  /** Input as estimated before the call (the provider reports it only at the end), output as delivered. */
  private counted(gw: GatewayContext, delivered: string[]) {
    return {
      inputTokens: gw.hold?.inputTokens ?? 0,
      outputTokens: countOpenAiTokens(delivered.join('')),
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
    };
  }
}

function openAiHeaders(channel: ChannelRecord): Record<string, string> {
  return { authorization: `Bearer ${channel.apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
}

function toStreamFailure(error: unknown, timeoutS: number): GatewayError {
  const classified = classifyTransportError(error, timeoutS);
  if (classified instanceof GatewayError) return classified;
  return GatewayError.upstream('The upstream stream failed');
}

/** Text the client has been sent in a chunk: content, refusals and tool-call arguments all cost output tokens. */
function collectDelta(chunk: ChatChunk, into: string[]): void {
  if (!Array.isArray(chunk.choices)) return;
  for (const choice of chunk.choices) {
    const delta = choice?.delta;
    if (!delta) continue;
    if (typeof delta.content === 'string') into.push(delta.content);
    if (typeof delta.refusal === 'string') into.push(delta.refusal);
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls) {
        if (typeof call?.function?.arguments === 'string') into.push(call.function.arguments);
      }
    }
  }
}

function choiceText(choices: unknown): string {
  if (!Array.isArray(choices)) return '';
  return choices
    .map((c: { message?: { content?: unknown } }) => (typeof c?.message?.content === 'string' ? c.message.content : ''))
    .join('');
}
