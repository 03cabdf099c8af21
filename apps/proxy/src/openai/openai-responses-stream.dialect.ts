import type { EventSourceMessage } from 'eventsource-parser';
import { responseFinishReason } from '../relay/finish-reason';
import { countDeliveredTokens, TokenUsage } from '@gw/billing';
import { GatewayError, responsesErrorEventText } from '@gw/common';
import { withRequestedModel } from '../relay/model-field';
import { DeliveredUsage, deliveredSoFar, parseEventData, sseFrame, StreamDialect } from '../relay/stream-dialect';
import { fromResponsesUsage } from './openai-usage';

interface ResponsesEvent {
  type?: unknown;
  sequence_number?: unknown;
  response?: { model?: unknown; usage?: unknown } & Record<string, unknown>;
  output_index?: unknown;
  item?: unknown;
  delta?: unknown;
}

/** Events that carry the whole response object (and so its `model`). */
const LIFECYCLE = new Set(['response.created', 'response.queued', 'response.in_progress', 'response.completed', 'response.incomplete']);
/** The last event of a response that ran to its end (incomplete: stopped at max_output_tokens or by a filter). */
const FINAL = new Set(['response.completed', 'response.incomplete']);

/**
 * The typed events of a streamed Responses API answer, passed on as the provider wrote them (event names and data)
 * except for the response object's `model`, which carries back the id the client sent. Usage comes from the final
 * response.completed (or response.incomplete); the text of every delta is counted as it arrives, for a stream cut
 * short and for heartbeats. The provider's own failure (an `error` event, response.failed) and any failure of the
 * stream once started end it with the Responses API's `error` event, then response.failed carrying the response as
 * far as it got (its finished output items), numbered on from the provider's last sequence_number, so that the SDKs
 * finish on a failed response rather than one left in progress.
 */
export class OpenAiResponsesStreamDialect implements StreamDialect {
  finished = false;
  private usage: TokenUsage | null = null;
  private deliveredTokens = 0;
  private nextSequence = 0;
  /** The response object of the last lifecycle event (model as the client sent it). */
  private response: Record<string, unknown> | null = null;
  private readonly doneItems: unknown[] = [];

  constructor(private readonly requestedModel: string) {}

  onEvent(event: EventSourceMessage): string {
    const { data } = event;
    const parsed = parseEventData<ResponsesEvent>(data);
    const type = typeof parsed.type === 'string' ? parsed.type : event.event;
    if (typeof parsed.sequence_number === 'number' && Number.isSafeInteger(parsed.sequence_number)) {
      this.nextSequence = Math.max(this.nextSequence, parsed.sequence_number + 1);
    }
    if (type === 'error' || type === 'response.failed') {
      throw GatewayError.upstream('The upstream provider reported an error mid-stream');
    }
    if (type !== undefined && LIFECYCLE.has(type)) return this.lifecycle(event.event, data, parsed, type);
    if (type === 'response.output_item.done' && typeof parsed.output_index === 'number') {
      this.doneItems[parsed.output_index] = parsed.item;
    } else if (typeof parsed.delta === 'string' && type?.endsWith('.delta') && type !== 'response.audio.delta') {
      // Text, refusals, function-call arguments, reasoning, custom tool input: everything streamed is output.
      this.deliveredTokens += countDeliveredTokens(parsed.delta);
    }
    return sseFrame(event.event, data);
  }

  errorEvent(error: GatewayError): string {
    let frames = sseFrame('error', responsesErrorEventText(error, this.nextSequence++));
    if (this.response !== null) {
      const response = {
        ...this.response,
        status: 'failed',
        error: { code: error.type, message: error.message },
        output: this.doneItems.filter((item) => item !== undefined),
        usage: null,
      };
      frames += sseFrame('response.failed', JSON.stringify({ type: 'response.failed', sequence_number: this.nextSequence++, response }));
    }
    return frames;
  }

  /** From the final lifecycle event's response (completed, or why it is incomplete). */
  finishReason(): string | null {
    return this.finished ? responseFinishReason(this.response) : null;
  }

  reportedUsage(): TokenUsage | null {
    return this.usage;
  }

  deliveredUsage(): DeliveredUsage {
    // The usage comes with the final event: once it has, it is the provider's own count of everything.
    return deliveredSoFar(this.usage, this.deliveredTokens);
  }

  private lifecycle(name: string | undefined, data: string, parsed: ResponsesEvent, type: string): string {
    const response = parsed.response;
    if (typeof response !== 'object' || response === null) {
      throw GatewayError.upstream('The upstream provider sent an invalid stream event');
    }
    if (FINAL.has(type)) {
      this.usage = fromResponsesUsage(response.usage);
      this.finished = true;
    }
    let text = withRequestedModel(data, response.model, this.requestedModel);
    response.model = this.requestedModel;
    if (text === null) text = JSON.stringify(parsed);
    this.response = response;
    return sseFrame(name, text);
  }
}
