import type Anthropic from '@anthropic-ai/sdk';
import { ProviderResponseError, ProviderStreamError } from '../../errors';
import { EMPTY_USAGE, StopReason, StreamEvent, Usage } from '../../model';
import { clientToolCallId, ResponseEncodeOptions, withPrefix } from '../../shared/response-options';
import { SseEvent, sseFrame } from '../../shared/sse';
import type { StreamDecoder, StreamEncoder, StreamFailure } from '../../shared/stream';
import { isObject, Json, parseProviderJson } from '../../shared/values';
import { decodeAnthropicStopReason, encodeAnthropicStopReason } from './stop-reason';
import { AnthropicUsageTally, encodeAnthropicDeltaUsage, encodeAnthropicUsage } from './usage';

const fail = (message: string) => new ProviderResponseError(message);

/**
 * Anthropic's stream events -> internal events: content blocks become text, reasoning and tool-call events (tool
 * calls renumbered in order), usage is tallied across message_start and message_delta, and message_stop completes it.
 */
export class AnthropicStreamDecoder implements StreamDecoder {
  private readonly usage = new AnthropicUsageTally();
  /** Anthropic's block index -> the internal tool call index, for tool_use blocks. */
  private readonly toolByBlock = new Map<number, number>();
  private stopReason: StopReason = 'end_turn';
  private stopSequence: string | undefined;

  decode(event: SseEvent, out: StreamEvent[]): void {
    if (event.event === 'ping') return;
    const data = parseProviderJson(event.data, 'stream event', fail);
    switch (data.type) {
      case 'message_start': {
        const message = isObject(data.message) ? data.message : {};
        // The input usage first, so that an encoder starting the client's stream already knows it.
        if (this.usage.add(message.usage)) out.push({ type: 'usage', usage: this.usage.usage });
        out.push({ type: 'message_start', id: String(message.id ?? ''), model: String(message.model ?? '') });
        return;
      }
      case 'content_block_start':
        return this.blockStart(data, out);
      case 'content_block_delta':
        return this.blockDelta(data, out);
      case 'content_block_stop': {
        const index = this.toolByBlock.get(Number(data.index));
        if (index !== undefined) out.push({ type: 'tool_call_end', index });
        return;
      }
      case 'message_delta': {
        const delta = isObject(data.delta) ? data.delta : {};
        if (delta.stop_reason != null) this.stopReason = decodeAnthropicStopReason(delta.stop_reason);
        if (typeof delta.stop_sequence === 'string') this.stopSequence = delta.stop_sequence;
        if (this.usage.add(data.usage)) out.push({ type: 'usage', usage: this.usage.usage });
        return;
      }
      case 'message_stop':
        out.push(
          this.stopSequence === undefined
            ? { type: 'finish', stopReason: this.stopReason }
            : { type: 'finish', stopReason: this.stopReason, stopSequence: this.stopSequence },
        );
        return;
      case 'error': {
        const error = isObject(data.error) ? data.error : {};
        const type = typeof error.type === 'string' ? error.type : undefined;
        const message = typeof error.message === 'string' ? error.message : 'The upstream provider reported an error mid-stream';
        throw new ProviderStreamError(type === 'overloaded_error' ? 503 : 502, message, type);
      }
    }
  }

  private blockStart(data: Json, out: StreamEvent[]): void {
    const block = isObject(data.content_block) ? data.content_block : {};
    switch (block.type) {
      case 'text':
        if (typeof block.text === 'string' && block.text.length > 0) out.push({ type: 'text_delta', text: block.text });
        return;
      case 'thinking':
        if (typeof block.thinking === 'string' && block.thinking.length > 0) out.push({ type: 'reasoning_delta', text: block.thinking });
        return;
      case 'redacted_thinking':
        out.push({ type: 'reasoning_redacted', data: String(block.data ?? '') });
        return;
      case 'tool_use': {
        const index = this.toolByBlock.size;
        this.toolByBlock.set(Number(data.index), index);
        out.push({ type: 'tool_call_start', index, id: String(block.id), name: String(block.name) });
        return;
      }
    }
  }

  private blockDelta(data: Json, out: StreamEvent[]): void {
    const delta = isObject(data.delta) ? data.delta : {};
    switch (delta.type) {
      case 'text_delta':
        if (typeof delta.text === 'string' && delta.text.length > 0) out.push({ type: 'text_delta', text: delta.text });
        return;
      case 'thinking_delta':
        if (typeof delta.thinking === 'string' && delta.thinking.length > 0) out.push({ type: 'reasoning_delta', text: delta.thinking });
        return;
      case 'signature_delta':
        if (typeof delta.signature === 'string') out.push({ type: 'reasoning_signature', signature: delta.signature });
        return;
      case 'input_json_delta': {
        const index = this.toolByBlock.get(Number(data.index));
        if (index !== undefined && typeof delta.partial_json === 'string' && delta.partial_json.length > 0) {
          out.push({ type: 'tool_call_delta', index, argumentsDelta: delta.partial_json });
        }
        return;
      }
    }
  }
}

type OpenBlock = { kind: 'text' } | { kind: 'thinking' } | { kind: 'tool'; toolIndex: number };

/**
 * Internal events -> Anthropic's stream: message_start, then one content block per run of text, reasoning or tool
 * call (content_block_start, deltas, content_block_stop), message_delta with the stop reason and the whole usage
 * (input included: other providers report it only at the end), message_stop.
 */
export class AnthropicStreamEncoder implements StreamEncoder {
  private started = false;
  private blockCount = 0;
  private open: OpenBlock | null = null;
  private usage: Usage = EMPTY_USAGE;

  constructor(private readonly options: ResponseEncodeOptions) {}

  encode(event: StreamEvent): string {
    let text = '';
    if (!this.started && event.type !== 'usage') text += this.start(event.type === 'message_start' ? event.id : '');
    switch (event.type) {
      case 'text_delta':
        if (this.open?.kind !== 'text') text += this.openBlock({ kind: 'text' }, { type: 'text', text: '', citations: null });
        return text + this.delta({ type: 'text_delta', text: event.text });
      case 'reasoning_delta':
        if (this.open?.kind !== 'thinking') text += this.openBlock({ kind: 'thinking' }, { type: 'thinking', thinking: '', signature: '' });
        return text + this.delta({ type: 'thinking_delta', thinking: event.text });
      case 'reasoning_signature':
        if (this.open?.kind !== 'thinking') text += this.openBlock({ kind: 'thinking' }, { type: 'thinking', thinking: '', signature: '' });
        return text + this.delta({ type: 'signature_delta', signature: event.signature }) + this.closeBlock();
      case 'reasoning_redacted':
        return text + this.openBlock({ kind: 'thinking' }, { type: 'redacted_thinking', data: event.data }) + this.closeBlock();
      case 'tool_call_start':
        return (
          text +
          this.openBlock(
            { kind: 'tool', toolIndex: event.index },
            { type: 'tool_use', id: clientToolCallId(event), name: event.name, input: {}, caller: { type: 'direct' } },
          )
        );
      case 'tool_call_delta':
        // Anthropic's blocks cannot interleave; providers stream one call's arguments after the other.
        if (this.open?.kind !== 'tool' || this.open.toolIndex !== event.index) return text;
        return text + this.delta({ type: 'input_json_delta', partial_json: event.argumentsDelta });
      case 'tool_call_end':
        return this.open?.kind === 'tool' && this.open.toolIndex === event.index ? text + this.closeBlock() : text;
      case 'usage':
        this.usage = event.usage;
        return text;
      case 'finish':
        return text + this.finish(event.stopReason, event.stopSequence);
      default:
        return text;
    }
  }

  fail(error: StreamFailure): string {
    return sseFrame('error', JSON.stringify({ type: 'error', error: { type: error.type, message: error.message } }));
  }

  private start(providerId: string): string {
    this.started = true;
    const message: Anthropic.Message = {
      id: this.options.id ?? withPrefix('msg_', providerId),
      type: 'message',
      role: 'assistant',
      model: this.options.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: encodeAnthropicUsage(this.usage),
    };
    return this.frame({ type: 'message_start', message });
  }

  private openBlock(block: OpenBlock, content: Anthropic.RawContentBlockStartEvent['content_block']): string {
    const text = this.closeBlock();
    this.open = block;
    return text + this.frame({ type: 'content_block_start', index: this.blockCount, content_block: content });
  }

  private closeBlock(): string {
    if (this.open === null) return '';
    this.open = null;
    return this.frame({ type: 'content_block_stop', index: this.blockCount++ });
  }

  private delta(delta: Anthropic.RawContentBlockDelta): string {
    return this.frame({ type: 'content_block_delta', index: this.blockCount, delta });
  }

  private finish(reason: StopReason, stopSequence: string | undefined): string {
    return (
      this.closeBlock() +
      this.frame({
        type: 'message_delta',
        delta: { stop_reason: encodeAnthropicStopReason(reason), stop_sequence: stopSequence ?? null, stop_details: null, container: null },
        usage: encodeAnthropicDeltaUsage(this.usage),
      }) +
      this.frame({ type: 'message_stop' })
    );
  }

  private frame(event: Anthropic.RawMessageStreamEvent): string {
    return sseFrame(event.type, JSON.stringify(event));
  }
}
