import { ProviderResponseError, ProviderStreamError } from '../../errors';
import type { StopReason, StreamEvent, Usage } from '../../model';
import { ResponseEncodeOptions } from '../../shared/response-options';
import { SseEvent, sseFrame } from '../../shared/sse';
import type { StreamDecoder, StreamEncoder, StreamFailure } from '../../shared/stream';
import { isObject, parseProviderJson } from '../../shared/values';
import { decodeGeminiPart, encodeGeminiPart } from './response';
import { googleStatus } from './status';
import { decodeGeminiFinishReason, encodeGeminiFinishReason } from './stop-reason';
import { decodeGeminiUsage, encodeGeminiUsage } from './usage';
import type { GeminiPart, GeminiResponse } from './wire';

const fail = (message: string) => new ProviderResponseError(message);

/**
 * Gemini's stream (`alt=sse`: one GenerateContentResponse per event) -> internal events. Gemini sends each function
 * call whole, so a call starts, gets all its arguments and ends in one go. Gemini has no closing event: the answer is
 * complete with the chunk that carries a finishReason (and the final usageMetadata).
 */
export class GeminiStreamDecoder implements StreamDecoder {
  private started = false;
  private calls = 0;
  private responseId = '';

  decode(event: SseEvent, out: StreamEvent[]): void {
    const chunk = parseProviderJson(event.data, 'stream event', fail);
    if (isObject(chunk.error)) {
      const error = chunk.error;
      const message = typeof error.message === 'string' ? error.message : 'The upstream provider reported an error mid-stream';
      const status = typeof error.status === 'string' ? error.status : undefined;
      throw new ProviderStreamError(error.code === 503 || status === 'UNAVAILABLE' ? 503 : 502, message, status);
    }
    // Every chunk carries the running usageMetadata (the prompt's count from the first one on): pushed before
    // message_start, so that an encoder starting the client's stream already knows the input (Anthropic's
    // message_start reports input_tokens, which Anthropic clients read there).
    const usage = decodeGeminiUsage(chunk.usageMetadata);
    if (usage !== null) out.push({ type: 'usage', usage });
    if (!this.started) {
      this.started = true;
      this.responseId = typeof chunk.responseId === 'string' ? chunk.responseId : '';
      out.push({ type: 'message_start', id: this.responseId, model: String(chunk.modelVersion ?? '') });
    }
    const candidate = Array.isArray(chunk.candidates) ? chunk.candidates[0] : undefined;
    if (isObject(candidate) && isObject(candidate.content) && Array.isArray(candidate.content.parts)) {
      for (const part of candidate.content.parts) if (isObject(part)) this.part(decodeGeminiPart(part, this.responseId, this.calls), out);
    }
    if (isObject(candidate) && typeof candidate.finishReason === 'string') {
      out.push({ type: 'finish', stopReason: decodeGeminiFinishReason(candidate.finishReason, this.calls > 0) });
    } else if (!isObject(candidate) && isObject(chunk.promptFeedback) && chunk.promptFeedback.blockReason !== undefined) {
      out.push({ type: 'finish', stopReason: 'content_filter' });
    }
  }

  private part(part: ReturnType<typeof decodeGeminiPart>, out: StreamEvent[]): void {
    if (part === null) return;
    switch (part.type) {
      case 'text':
        if (part.text.length > 0) out.push({ type: 'text_delta', text: part.text });
        return;
      case 'reasoning':
        if (part.text.length > 0) out.push({ type: 'reasoning_delta', text: part.text });
        return;
      case 'tool_call': {
        const index = this.calls++;
        const start: StreamEvent = { type: 'tool_call_start', index, id: part.id, name: part.name };
        if (part.thoughtSignature !== undefined) start.thoughtSignature = part.thoughtSignature;
        out.push(start, { type: 'tool_call_delta', index, argumentsDelta: part.arguments }, { type: 'tool_call_end', index });
      }
    }
  }
}

interface PendingCall {
  id: string;
  name: string;
  thoughtSignature?: string;
  arguments: string;
}

export type GeminiFraming = 'sse' | 'json-array';

/**
 * Internal events -> Gemini's stream: a GenerateContentResponse chunk per text or thought delta, a function call as
 * one part once its arguments are complete, and a last chunk with the finishReason and usageMetadata. Framing:
 * `sse` (`?alt=sse`, what the SDK asks for) or `json-array` (a JSON array that grows, Gemini's default).
 */
export class GeminiStreamEncoder implements StreamEncoder {
  private responseId = '';
  private started = false;
  private chunks = 0;
  private usage: Usage | null = null;
  private readonly calls = new Map<number, PendingCall>();
  private around: [string, string] | undefined;

  constructor(
    private readonly options: ResponseEncodeOptions,
    private readonly framing: GeminiFraming = 'sse',
  ) {}

  encode(event: StreamEvent): string {
    if (!this.started && event.type !== 'usage') {
      this.started = true;
      this.responseId = this.options.id ?? (event.type === 'message_start' ? event.id : '');
    }
    switch (event.type) {
      case 'text_delta':
        return this.chunk([{ text: event.text }]);
      case 'reasoning_delta':
        return this.chunk([{ text: event.text, thought: true }]);
      case 'reasoning_signature':
        return this.chunk([encodeGeminiPart({ type: 'reasoning', text: '', signature: event.signature })]);
      case 'reasoning_redacted':
        return this.chunk([encodeGeminiPart({ type: 'reasoning', text: '', redactedData: event.data })]);
      case 'tool_call_start':
        this.calls.set(event.index, { id: event.id, name: event.name, thoughtSignature: event.thoughtSignature, arguments: '' });
        return '';
      case 'tool_call_delta': {
        const call = this.calls.get(event.index);
        if (call !== undefined) call.arguments += event.argumentsDelta;
        return '';
      }
      case 'tool_call_end':
        return this.flushCall(event.index);
      case 'usage':
        this.usage = event.usage;
        return '';
      case 'finish':
        return this.finish(event.stopReason);
      default:
        return '';
    }
  }

  fail(error: StreamFailure): string {
    const body = JSON.stringify({
      error: { code: error.status, message: error.message, status: googleStatus(error.status) },
    });
    if (this.framing === 'sse') return sseFrame(undefined, body);
    return `${this.chunks++ === 0 ? '[' : ',\r\n'}${body}]`;
  }

  private flushCall(index: number): string {
    const call = this.calls.get(index);
    if (call === undefined) return '';
    this.calls.delete(index);
    return this.chunk([encodeGeminiPart({ type: 'tool_call', ...call })]);
  }

  private finish(reason: StopReason): string {
    let text = '';
    for (const index of [...this.calls.keys()]) text += this.flushCall(index);
    text += this.chunk([{ text: '' }], reason);
    return this.framing === 'json-array' ? `${text}]` : text;
  }

  private chunk(parts: GeminiPart[], reason?: StopReason): string {
    let json: string;
    if (reason === undefined) {
      // The envelope is the same for every delta of the stream: serialised once, around the parts.
      if (this.around === undefined) {
        const envelope = JSON.stringify(this.response([]));
        const at = envelope.indexOf('"parts":[]') + '"parts":'.length;
        this.around = [envelope.slice(0, at), envelope.slice(at + 2)];
      }
      json = this.around[0] + JSON.stringify(parts) + this.around[1];
    } else {
      const response = this.response(parts);
      response.candidates[0].finishReason = encodeGeminiFinishReason(reason);
      if (this.usage !== null) response.usageMetadata = encodeGeminiUsage(this.usage);
      json = JSON.stringify(response);
    }
    if (this.framing === 'sse') return sseFrame(undefined, json);
    return `${this.chunks++ === 0 ? '[' : ',\r\n'}${json}`;
  }

  private response(parts: GeminiPart[]): GeminiResponse {
    return { candidates: [{ content: { role: 'model', parts }, index: 0 }], modelVersion: this.options.model, responseId: this.responseId };
  }
}
