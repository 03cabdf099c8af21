import type { EventSourceMessage } from 'eventsource-parser';
import { chatFinishReason } from '../relay/finish-reason';
import { countDeliveredTokens, TokenUsage } from '@gw/billing';
import { errorBodyText, GatewayError } from '@gw/common';
import { withRequestedModel } from '../relay/model-field';
import { DeliveredUsage, deliveredSoFar, parseEventData, sseFrame, StreamDialect } from '../relay/stream-dialect';
import { fromOpenAiUsage } from './openai-usage';

interface ChatChunk {
  model?: unknown;
  choices?: { delta?: { content?: unknown; refusal?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] } }[];
  usage?: unknown;
  error?: unknown;
}

const DONE_FRAME = 'data: [DONE]\n\n';
// How OpenAI ends every chunk of a stream that asked for usage.
const USAGE_NULL_TAIL = ',"usage":null}';

/**
 * The events of a streamed chat completion. The upstream is always asked for `stream_options.include_usage`, so the
 * settlement uses the provider's own count; the usage chunk (and the `"usage":null` of the other chunks) reaches the
 * client only if the client asked for it. Chunks are passed on as the provider wrote them (only `model` is changed,
 * in place); the text they carry is counted as it arrives, for a stream cut short and for heartbeats.
 */
export class OpenAiChatStreamDialect implements StreamDialect {
  finished = false;
  private usage: TokenUsage | null = null;
  private deliveredTokens = 0;
  private stopReason: string | null = null;

  constructor(
    private readonly requestedModel: string,
    private readonly clientWantsUsage: boolean,
  ) {}

  onEvent(event: EventSourceMessage): string {
    const data = event.data;
    if (data === '[DONE]') {
      this.finished = true;
      return DONE_FRAME;
    }
    const chunk = parseEventData<ChatChunk>(data);
    if (chunk.error) throw GatewayError.upstream('The upstream provider reported an error mid-stream');
    if (chunk.usage) this.usage = fromOpenAiUsage(chunk.usage) ?? this.usage;
    this.stopReason = chatFinishReason(chunk.choices) ?? this.stopReason;

    let text: string | null = data;
    if (!this.clientWantsUsage && chunk.usage !== undefined) {
      if (Array.isArray(chunk.choices) && chunk.choices.length === 0) return '';
      text = chunk.usage === null && data.endsWith(USAGE_NULL_TAIL) ? `${data.slice(0, -USAGE_NULL_TAIL.length)}}` : null;
    }
    this.collect(chunk);
    if (text !== null) text = withRequestedModel(text, chunk.model, this.requestedModel);
    if (text === null) {
      if (!this.clientWantsUsage) delete chunk.usage;
      chunk.model = this.requestedModel;
      text = JSON.stringify(chunk);
    }
    return sseFrame(event.event, text);
  }

  errorEvent(error: GatewayError): string {
    return sseFrame(undefined, errorBodyText('openai', error));
  }

  finishReason(): string | null {
    return this.stopReason;
  }

  reportedUsage(): TokenUsage | null {
    return this.usage;
  }

  deliveredUsage(): DeliveredUsage {
    // The usage chunk comes last, just before [DONE]: once it has, it is the provider's own count of everything.
    return deliveredSoFar(this.usage, this.deliveredTokens);
  }

  /** Text the client is sent: content, refusals and tool-call arguments all cost output tokens. */
  private collect(chunk: ChatChunk): void {
    if (!Array.isArray(chunk.choices)) return;
    for (const choice of chunk.choices) {
      const delta = choice?.delta;
      if (!delta) continue;
      if (typeof delta.content === 'string') this.deliveredTokens += countDeliveredTokens(delta.content);
      if (typeof delta.refusal === 'string') this.deliveredTokens += countDeliveredTokens(delta.refusal);
      if (Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls) {
          const args = call?.function?.arguments;
          if (typeof args === 'string') this.deliveredTokens += countDeliveredTokens(args);
        }
      }
    }
  }
}
