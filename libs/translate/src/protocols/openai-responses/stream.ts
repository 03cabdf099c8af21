import type OpenAI from 'openai';
import type { StopReason, StreamEvent, Usage } from '../../model';
import { clientToolCallId, withPrefix } from '../../shared/response-options';
import { sseFrame } from '../../shared/sse';
import type { StreamEncoder, StreamFailure } from '../../shared/stream';
import {
  encodeResponsesUsage,
  itemId,
  outputText,
  reasoningItem,
  responseEnvelope,
  ResponsesEncodeOptions,
  responseStatus,
} from './response';

type Event = OpenAI.Responses.ResponseStreamEvent;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type OutputItem = OpenAI.Responses.ResponseOutputItem;

interface OpenText {
  index: number;
  id: string;
  text: string;
}

interface OpenReasoning extends OpenText {
  signature?: string;
}

interface OpenCall {
  index: number;
  id: string;
  callId: string;
  name: string;
  arguments: string;
}

/**
 * Internal events -> the Responses API's typed stream, as OpenAI sends it: response.created and .in_progress; per
 * output item, output_item.added, its deltas (output_text with a content part, reasoning_summary_text with a summary
 * part, function_call_arguments), their .done events and output_item.done; then response.completed (or
 * .incomplete) with the whole response and its usage. Every event has the next sequence_number; an item's
 * output_index is its position in `output`.
 */
export class ResponsesStreamEncoder implements StreamEncoder {
  private sequence = 0;
  private started = false;
  private id = '';
  private readonly createdAt: number;
  private readonly output: OutputItem[] = [];
  /** Positions in `output` of the items whose output_item.done went out. */
  private readonly doneItems = new Set<number>();
  private text: OpenText | null = null;
  private reasoning: OpenReasoning | null = null;
  private readonly calls = new Map<number, OpenCall>();
  private usage: Usage | null = null;

  constructor(private readonly options: ResponsesEncodeOptions) {
    this.createdAt = options.created ?? Math.floor(Date.now() / 1000);
  }

  encode(event: StreamEvent): string {
    let out = '';
    if (!this.started && event.type !== 'usage') out += this.start(event.type === 'message_start' ? event.id : '');
    switch (event.type) {
      case 'text_delta':
        out += this.closeReasoning();
        if (this.text === null) out += this.openText();
        this.text!.text += event.text;
        return out + this.emit({ type: 'response.output_text.delta', item_id: this.text!.id, output_index: this.text!.index, content_index: 0, delta: event.text, logprobs: [] });
      case 'reasoning_delta':
        out += this.closeText();
        if (this.reasoning === null) out += this.openReasoning();
        this.reasoning!.text += event.text;
        return out + this.emit({ type: 'response.reasoning_summary_text.delta', item_id: this.reasoning!.id, output_index: this.reasoning!.index, summary_index: 0, delta: event.text });
      case 'reasoning_signature':
        out += this.closeText();
        if (this.reasoning === null) out += this.openReasoning();
        this.reasoning!.signature = event.signature;
        return out + this.closeReasoning();
      case 'reasoning_redacted': {
        out += this.closeText() + this.closeReasoning();
        const item = reasoningItem(itemId('rs', this.id, this.output.length), '', { redactedData: event.data });
        return out + this.added(item) + this.done(this.output.length - 1, item);
      }
      case 'tool_call_start':
        return out + this.closeText() + this.closeReasoning() + this.openCall(event.index, clientToolCallId(event), event.name);
      case 'tool_call_delta': {
        const call = this.calls.get(event.index);
        if (call === undefined) return out;
        call.arguments += event.argumentsDelta;
        return out + this.emit({ type: 'response.function_call_arguments.delta', item_id: call.id, output_index: call.index, delta: event.argumentsDelta });
      }
      case 'tool_call_end':
        return out + this.closeCall(event.index);
      case 'usage':
        this.usage = event.usage;
        return out;
      case 'finish':
        return out + this.finish(event.stopReason);
      default:
        return out;
    }
  }

  /**
   * An `error` event, then response.failed with the output items finished so far, both with the gateway's error type
   * as their code (`upstream_error` for a cut stream: spec/errors.md), as on an OpenAI model's native stream
   * (OpenAiResponsesStreamDialect).
   */
  fail(error: StreamFailure): string {
    // The SDK builds its snapshot from response.created: a stream that fails before anything came still starts.
    const start = this.started ? '' : this.start('');
    const response = this.snapshot();
    response.output = this.output.filter((_, index) => this.doneItems.has(index));
    Object.assign(response, { status: 'failed', error: { code: error.type, message: error.message } });
    return (
      start +
      this.emit({ type: 'error', code: error.type, message: error.message, param: null }) +
      this.emit({ type: 'response.failed', response })
    );
  }

  private start(providerId: string): string {
    this.started = true;
    this.id = this.options.id ?? withPrefix('resp_', providerId);
    return this.emit({ type: 'response.created', response: this.snapshot() }) + this.emit({ type: 'response.in_progress', response: this.snapshot() });
  }

  private snapshot(): OpenAI.Responses.Response {
    const response = responseEnvelope(this.id, this.createdAt, this.options);
    response.output = this.output.slice();
    return response;
  }

  private openText(): string {
    const text: OpenText = { index: this.output.length, id: itemId('msg', this.id, this.output.length), text: '' };
    this.text = text;
    return (
      this.added({ id: text.id, type: 'message', status: 'in_progress', role: 'assistant', content: [] }) +
      this.emit({ type: 'response.content_part.added', item_id: text.id, output_index: text.index, content_index: 0, part: outputText('') })
    );
  }

  private closeText(): string {
    const text = this.text;
    if (text === null) return '';
    this.text = null;
    const part = outputText(text.text);
    return (
      this.emit({ type: 'response.output_text.done', item_id: text.id, output_index: text.index, content_index: 0, text: text.text, logprobs: [] }) +
      this.emit({ type: 'response.content_part.done', item_id: text.id, output_index: text.index, content_index: 0, part }) +
      this.done(text.index, { id: text.id, type: 'message', status: 'completed', role: 'assistant', content: [part] })
    );
  }

  private openReasoning(): string {
    const reasoning: OpenReasoning = { index: this.output.length, id: itemId('rs', this.id, this.output.length), text: '' };
    this.reasoning = reasoning;
    return (
      this.added({ id: reasoning.id, type: 'reasoning', summary: [] }) +
      this.emit({ type: 'response.reasoning_summary_part.added', item_id: reasoning.id, output_index: reasoning.index, summary_index: 0, part: { type: 'summary_text', text: '' } })
    );
  }

  private closeReasoning(): string {
    const reasoning = this.reasoning;
    if (reasoning === null) return '';
    this.reasoning = null;
    const part = { type: 'summary_text' as const, text: reasoning.text };
    return (
      this.emit({ type: 'response.reasoning_summary_text.done', item_id: reasoning.id, output_index: reasoning.index, summary_index: 0, text: reasoning.text }) +
      this.emit({ type: 'response.reasoning_summary_part.done', item_id: reasoning.id, output_index: reasoning.index, summary_index: 0, part }) +
      this.done(reasoning.index, reasoningItem(reasoning.id, reasoning.text, { signature: reasoning.signature }))
    );
  }

  private openCall(toolIndex: number, callId: string, name: string): string {
    const call: OpenCall = { index: this.output.length, id: itemId('fc', this.id, this.output.length), callId, name, arguments: '' };
    this.calls.set(toolIndex, call);
    return this.added({ id: call.id, type: 'function_call', status: 'in_progress', call_id: callId, name, arguments: '' });
  }

  private closeCall(toolIndex: number): string {
    const call = this.calls.get(toolIndex);
    if (call === undefined) return '';
    this.calls.delete(toolIndex);
    return (
      this.emit({ type: 'response.function_call_arguments.done', item_id: call.id, output_index: call.index, name: call.name, arguments: call.arguments }) +
      this.done(call.index, { id: call.id, type: 'function_call', status: 'completed', call_id: call.callId, name: call.name, arguments: call.arguments })
    );
  }

  private finish(reason: StopReason): string {
    let out = this.closeText() + this.closeReasoning();
    for (const index of [...this.calls.keys()]) out += this.closeCall(index);
    const response = this.snapshot();
    const status = responseStatus(reason);
    Object.assign(response, status);
    if (this.usage !== null) response.usage = encodeResponsesUsage(this.usage);
    return out + this.emit(status.status === 'completed' ? { type: 'response.completed', response } : { type: 'response.incomplete', response });
  }

  private added(item: OutputItem): string {
    const index = this.output.length;
    this.output.push(item);
    return this.emit({ type: 'response.output_item.added', output_index: index, item });
  }

  private done(index: number, item: OutputItem): string {
    this.output[index] = item;
    this.doneItems.add(index);
    return this.emit({ type: 'response.output_item.done', output_index: index, item });
  }

  private emit(event: DistributiveOmit<Event, 'sequence_number'>): string {
    // Set on the fresh literal rather than spread into a copy: this runs once per event.
    const full = event as Event;
    full.sequence_number = this.sequence++;
    return sseFrame(full.type, JSON.stringify(full));
  }
}
