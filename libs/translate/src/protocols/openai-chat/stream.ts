import type OpenAI from 'openai';
import { ProviderResponseError, ProviderStreamError } from '../../errors';
import type { StopReason, StreamEvent, Usage } from '../../model';
import { clientToolCallId, ResponseEncodeOptions, withPrefix } from '../../shared/response-options';
import { SseEvent, sseFrame } from '../../shared/sse';
import type { StreamDecoder, StreamEncoder, StreamFailure } from '../../shared/stream';
import { newToolCallId } from '../../shared/tool-call-ids';
import { isObject, parseProviderJson } from '../../shared/values';
import { decodeOpenAiFinishReason, encodeOpenAiFinishReason } from './stop-reason';
import { decodeOpenAiUsage, encodeOpenAiUsage } from './usage';

const fail = (message: string) => new ProviderResponseError(message);

/**
 * OpenAI chat completion chunks -> internal events. The answer is complete at `[DONE]` (after the finish_reason
 * chunk and the usage chunk the gateway always asks for); tool calls end when the finish_reason arrives.
 */
export class OpenAiChatStreamDecoder implements StreamDecoder {
  private started = false;
  private readonly openCalls: number[] = [];
  private readonly seenCalls = new Set<number>();
  private stopReason: StopReason = 'end_turn';

  decode(event: SseEvent, out: StreamEvent[]): void {
    if (event.data === '[DONE]') {
      this.endCalls(out);
      out.push({ type: 'finish', stopReason: this.stopReason });
      return;
    }
    const chunk = parseProviderJson(event.data, 'stream event', fail);
    if (isObject(chunk.error)) {
      const message = typeof chunk.error.message === 'string' ? chunk.error.message : 'The upstream provider reported an error mid-stream';
      throw new ProviderStreamError(502, message, typeof chunk.error.type === 'string' ? chunk.error.type : undefined);
    }
    if (!this.started) {
      this.started = true;
      out.push({ type: 'message_start', id: String(chunk.id ?? ''), model: String(chunk.model ?? '') });
    }
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (isObject(choice)) {
      const delta = isObject(choice.delta) ? choice.delta : {};
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string' && reasoning.length > 0) out.push({ type: 'reasoning_delta', text: reasoning });
      if (typeof delta.content === 'string' && delta.content.length > 0) out.push({ type: 'text_delta', text: delta.content });
      if (typeof delta.refusal === 'string' && delta.refusal.length > 0) out.push({ type: 'text_delta', text: delta.refusal });
      if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) this.toolCall(call, out);
      if (typeof choice.finish_reason === 'string') {
        this.stopReason = decodeOpenAiFinishReason(choice.finish_reason);
        this.endCalls(out);
      }
    }
    const usage = decodeOpenAiUsage(chunk.usage);
    if (usage !== null) out.push({ type: 'usage', usage });
  }

  private toolCall(call: unknown, out: StreamEvent[]): void {
    if (!isObject(call) || typeof call.index !== 'number') throw fail('The upstream provider sent an invalid tool call delta');
    const index = call.index;
    const fn = isObject(call.function) ? call.function : {};
    if (!this.seenCalls.has(index)) {
      this.seenCalls.add(index);
      this.openCalls.push(index);
      const id = typeof call.id === 'string' ? call.id : newToolCallId();
      out.push({ type: 'tool_call_start', index, id, name: typeof fn.name === 'string' ? fn.name : '' });
    }
    if (typeof fn.arguments === 'string' && fn.arguments.length > 0) {
      out.push({ type: 'tool_call_delta', index, argumentsDelta: fn.arguments });
    }
  }

  private endCalls(out: StreamEvent[]): void {
    for (const index of this.openCalls) out.push({ type: 'tool_call_end', index });
    this.openCalls.length = 0;
  }
}

type Delta = OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };

/**
 * Internal events -> OpenAI chat completion chunks, as OpenAI streams them: a first chunk with the role, content
 * deltas, tool calls by index (id and name first, then argument deltas), a chunk with the finish_reason, a usage
 * chunk with no choices when the client asked for it (`stream_options.include_usage`), then `[DONE]`.
 */
export class OpenAiChatStreamEncoder implements StreamEncoder {
  private id = '';
  private readonly created: number;
  private started = false;
  private usage: Usage | null = null;
  private around: [string, string] | undefined;

  constructor(
    private readonly options: ResponseEncodeOptions,
    private readonly includeUsage: boolean,
  ) {
    this.created = options.created ?? Math.floor(Date.now() / 1000);
  }

  encode(event: StreamEvent): string {
    let text = '';
    if (!this.started && event.type !== 'usage') text += this.start(event.type === 'message_start' ? event.id : '');
    switch (event.type) {
      case 'text_delta':
        return text + this.chunk({ content: event.text });
      case 'reasoning_delta':
        return text + this.chunk({ reasoning_content: event.text });
      case 'tool_call_start':
        return (
          text +
          this.chunk({
            tool_calls: [{ index: event.index, id: clientToolCallId(event), type: 'function', function: { name: event.name, arguments: '' } }],
          })
        );
      case 'tool_call_delta':
        return text + this.chunk({ tool_calls: [{ index: event.index, function: { arguments: event.argumentsDelta } }] });
      case 'usage':
        this.usage = event.usage;
        return text;
      case 'finish':
        return text + this.finish(event.stopReason);
      default:
        return text;
    }
  }

  fail(error: StreamFailure): string {
    return sseFrame(undefined, JSON.stringify({ error: { message: error.message, type: error.type, code: String(error.status) } }));
  }

  private start(providerId: string): string {
    this.started = true;
    this.id = this.options.id ?? withPrefix('chatcmpl-', providerId);
    return this.chunk({ role: 'assistant', content: '' });
  }

  private finish(reason: StopReason): string {
    let text = this.frame([{ index: 0, delta: {}, logprobs: null, finish_reason: encodeOpenAiFinishReason(reason) }]);
    if (this.includeUsage && this.usage !== null) text += this.frame([], encodeOpenAiUsage(this.usage));
    return `${text}data: [DONE]\n\n`;
  }

  /**
   * A content chunk. The envelope (id, created, model) is the same for every chunk of the stream, so it is serialised
   * once, around the delta: only the delta is serialised per chunk (the hot path, one chunk per provider delta).
   */
  private chunk(delta: Delta): string {
    if (this.around === undefined) {
      const envelope = JSON.stringify(this.envelopeOf([{ index: 0, delta: {}, logprobs: null, finish_reason: null }]));
      const at = envelope.indexOf('"delta":{}') + '"delta":'.length;
      this.around = [`data: ${envelope.slice(0, at)}`, `${envelope.slice(at + 2)}\n\n`];
    }
    return this.around[0] + JSON.stringify(delta) + this.around[1];
  }

  private frame(choices: OpenAI.ChatCompletionChunk.Choice[], usage?: OpenAI.CompletionUsage): string {
    const chunk = this.envelopeOf(choices);
    if (usage !== undefined) chunk.usage = usage;
    return sseFrame(undefined, JSON.stringify(chunk));
  }

  private envelopeOf(choices: OpenAI.ChatCompletionChunk.Choice[]): OpenAI.ChatCompletionChunk {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.options.model, choices };
  }
}
