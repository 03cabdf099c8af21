import type { EventSourceMessage } from 'eventsource-parser';
import { anthropicFinishReason } from '../relay/finish-reason';
import { countDeliveredTokens, TokenUsage } from '@gw/billing';
import { errorBodyText, GatewayError } from '@gw/common';
import { withRequestedModel } from '../relay/model-field';
import { DeliveredUsage, parseEventData, sseFrame, StreamDialect } from '../relay/stream-dialect';
import { AnthropicUsageTally } from './anthropic-usage';

interface StreamEvent {
  message?: { model?: unknown; usage?: unknown };
  content_block?: { text?: unknown; thinking?: unknown; name?: unknown };
  delta?: { text?: unknown; partial_json?: unknown; thinking?: unknown; stop_reason?: unknown };
  usage?: unknown;
  error?: { type?: unknown };
}

const parse = (data: string): StreamEvent => parseEventData<StreamEvent>(data);

/**
 * The events of a streamed Anthropic message, passed on untouched (event types and data as the provider wrote them)
 * except for message_start's `message.model`, which carries back the id the client sent. Input usage comes from
 * message_start, output usage from the last message_delta (Anthropic's counts there are cumulative); the text of the
 * deltas is counted as it arrives, for a stream cut short and for heartbeats. Events without anything to read (ping, content_block_stop, types added
 * later) are passed on without being parsed.
 */
export class AnthropicStreamDialect implements StreamDialect {
  finished = false;
  private readonly usage = new AnthropicUsageTally();
  private deliveredTokens = 0;
  private stopReason: string | null = null;

  constructor(private readonly requestedModel: string) {}

  onEvent(event: EventSourceMessage): string {
    const { data } = event;
    switch (event.event) {
      case 'message_start': {
        const message = parse(data).message;
        this.usage.add(message?.usage, false);
        const text = withRequestedModel(data, message?.model, this.requestedModel);
        if (text !== null) return sseFrame(event.event, text);
        const parsed = parse(data);
        parsed.message!.model = this.requestedModel;
        return sseFrame(event.event, JSON.stringify(parsed));
      }
      case 'content_block_start': {
        const block = parse(data).content_block;
        this.collect(block?.text, block?.thinking, block?.name);
        break;
      }
      case 'content_block_delta': {
        const delta = parse(data).delta;
        this.collect(delta?.text, delta?.partial_json, delta?.thinking);
        break;
      }
      case 'message_delta': {
        const delta = parse(data);
        this.usage.add(delta.usage);
        this.stopReason = anthropicFinishReason(delta.delta?.stop_reason) ?? this.stopReason;
        break;
      }
      case 'message_stop':
        this.finished = true;
        break;
      case 'error':
        throw upstreamStreamError(parse(data).error?.type);
    }
    return sseFrame(event.event, data);
  }

  errorEvent(error: GatewayError): string {
    return sseFrame('error', errorBodyText('anthropic', error));
  }

  finishReason(): string | null {
    return this.stopReason;
  }

  reportedUsage(): TokenUsage | null {
    if (!this.usage.hasInput || !this.usage.hasOutput) return null;
    return this.usage.toTokenUsage({ inputTokens: 0, outputTokens: 0 });
  }

  deliveredUsage(): DeliveredUsage {
    return {
      usage: this.usage.toTokenUsage({ inputTokens: 0, outputTokens: this.deliveredTokens }),
      inputReported: this.usage.hasInput,
    };
  }

  private collect(...pieces: unknown[]): void {
    for (const piece of pieces) if (typeof piece === 'string') this.deliveredTokens += countDeliveredTokens(piece);
  }
}

/** Anthropic's own mid-stream error: "overloaded" is the provider being unavailable, anything else its failure. */
function upstreamStreamError(type: unknown): GatewayError {
  if (type === 'overloaded_error') return GatewayError.unavailable('The upstream provider is overloaded; retry later');
  return GatewayError.upstream('The upstream provider reported an error mid-stream');
}
