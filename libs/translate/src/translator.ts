import type { ChatRequest, ChatResponse, StopReason, StreamEvent, Usage } from './model';
import type { ClientProtocol, ProviderProtocol } from './protocols';
import { ProviderResponseError } from './errors';
import { decodeAnthropicRequest } from './protocols/anthropic/request.decode';
import { encodeAnthropicRequest } from './protocols/anthropic/request.encode';
import { decodeAnthropicResponse, encodeAnthropicResponse } from './protocols/anthropic/response';
import { AnthropicStreamDecoder, AnthropicStreamEncoder } from './protocols/anthropic/stream';
import { decodeGeminiRequest } from './protocols/gemini/request.decode';
import { encodeGeminiRequest } from './protocols/gemini/request.encode';
import { decodeGeminiResponse, encodeGeminiResponse } from './protocols/gemini/response';
import { GeminiFraming, GeminiStreamDecoder, GeminiStreamEncoder } from './protocols/gemini/stream';
import { decodeOpenAiChatRequest } from './protocols/openai-chat/request.decode';
import { encodeOpenAiChatRequest } from './protocols/openai-chat/request.encode';
import { decodeOpenAiChatResponse, encodeOpenAiChatResponse } from './protocols/openai-chat/response';
import { OpenAiChatStreamDecoder, OpenAiChatStreamEncoder } from './protocols/openai-chat/stream';
import { decodeResponsesRequest } from './protocols/openai-responses/request';
import { encodeResponsesResponse, ResponsesEncodeOptions } from './protocols/openai-responses/response';
import { ResponsesStreamEncoder } from './protocols/openai-responses/stream';
import type { DecodeContext, EncodeContext } from './shared/context';
import type { SseEvent } from './shared/sse';
import type { StreamDecoder, StreamEncoder, StreamFailure } from './shared/stream';
import { isObject, Json, parseProviderJson } from './shared/values';

export interface TranslateRequestOptions {
  /** The provider's name of the model, written into the body (Gemini takes it in the URL instead). */
  model: string;
  /** The model's maximum output (the catalog's): Anthropic requires a limit, and this is it when the client set none. */
  modelMaxOutputTokens: number;
  /** For a Gemini client, whether its route streams (`streamGenerateContent`); other clients say it in the body. */
  stream?: boolean;
}

export interface TranslatedRequest {
  /** The provider's request body. */
  body: Json;
  /** Whether to call the provider's streaming endpoint (for Gemini, `:streamGenerateContent?alt=sse`). */
  stream: boolean;
  /** Client fields dropped as harmless hints, for the log (README, "Translation"). */
  dropped: string[];
  /** The request in the internal shape, for the caller's own checks (and `streamIncludeUsage`). */
  request: ChatRequest;
}

/** A client body -> ChatRequest. Throws UntranslatableFeatureError or InvalidRequestError (both 400). */
export function decodeRequest(from: ClientProtocol, body: unknown, ctx: DecodeContext, stream = false): ChatRequest {
  switch (from) {
    case 'openai-chat':
      return decodeOpenAiChatRequest(body, ctx);
    case 'openai-responses':
      return decodeResponsesRequest(body, ctx);
    case 'anthropic':
      return decodeAnthropicRequest(body, ctx);
    case 'gemini':
      return decodeGeminiRequest(body, ctx, stream);
  }
}

/** ChatRequest -> a provider body. Throws UntranslatableFeatureError for what the provider cannot honour. */
export function encodeRequest(to: ProviderProtocol, request: ChatRequest, ctx: EncodeContext): Json {
  switch (to) {
    case 'openai-chat':
      return encodeOpenAiChatRequest(request, ctx) as unknown as Json;
    case 'anthropic':
      return encodeAnthropicRequest(request, ctx) as unknown as Json;
    case 'gemini':
      return encodeGeminiRequest(request, ctx) as unknown as Json;
  }
}

/** A client's request body in its protocol -> the provider's request body in its own. */
export function translateRequest(
  from: ClientProtocol,
  to: ProviderProtocol,
  body: unknown,
  options: TranslateRequestOptions,
): TranslatedRequest {
  const dropped: string[] = [];
  const request = decodeRequest(from, body, { target: to, dropped }, options.stream === true);
  const encoded = encodeRequest(to, request, {
    source: from,
    target: to,
    dropped,
    model: options.model,
    modelMaxOutputTokens: options.modelMaxOutputTokens,
  });
  return { body: encoded, stream: request.stream, dropped: [...new Set(dropped)], request };
}

/** A provider's answer as the relay has it: parsed, or its JSON text. */
function providerBody(body: unknown): Json {
  const fail = (message: string) => new ProviderResponseError(message);
  if (typeof body === 'string') return parseProviderJson(body, 'response', fail);
  if (!isObject(body)) throw fail('The upstream provider sent an invalid response');
  return body;
}

/** A provider's answer body -> ChatResponse. Throws ProviderResponseError (502) for a malformed one. */
export function decodeResponse(from: ProviderProtocol, body: unknown): ChatResponse {
  const json = providerBody(body);
  switch (from) {
    case 'openai-chat':
      return decodeOpenAiChatResponse(json);
    case 'anthropic':
      return decodeAnthropicResponse(json);
    case 'gemini':
      return decodeGeminiResponse(json);
  }
}

/** ChatResponse -> the answer body of the client's protocol. */
export function encodeResponse(to: ClientProtocol, response: ChatResponse, options: ResponsesEncodeOptions): Json {
  switch (to) {
    case 'openai-chat':
      return encodeOpenAiChatResponse(response, options) as unknown as Json;
    case 'openai-responses':
      return encodeResponsesResponse(response, options) as unknown as Json;
    case 'anthropic':
      return encodeAnthropicResponse(response, options) as unknown as Json;
    case 'gemini':
      return encodeGeminiResponse(response, options) as unknown as Json;
  }
}

export interface TranslatedResponse {
  /** The client's answer body. */
  body: Json;
  /** The provider's usage in the gateway's accounting: what to bill. */
  usage: Usage;
  stopReason: StopReason;
}

/** A provider's answer (a parsed body or its JSON text) -> the client's answer, with the usage to bill. */
export function translateResponse(
  from: ProviderProtocol,
  to: ClientProtocol,
  body: unknown,
  options: ResponsesEncodeOptions,
): TranslatedResponse {
  const response = decodeResponse(from, body);
  return { body: encodeResponse(to, response, options), usage: response.usage, stopReason: response.stopReason };
}

export interface StreamTranslatorOptions extends ResponsesEncodeOptions {
  /** An OpenAI chat client's `stream_options.include_usage` (TranslatedRequest.request.streamIncludeUsage). */
  includeUsage?: boolean;
  /** A Gemini client's framing: `sse` for `?alt=sse`, else a growing JSON array (Gemini's default). */
  geminiFraming?: GeminiFraming;
}

function streamDecoder(from: ProviderProtocol): StreamDecoder {
  switch (from) {
    case 'openai-chat':
      return new OpenAiChatStreamDecoder();
    case 'anthropic':
      return new AnthropicStreamDecoder();
    case 'gemini':
      return new GeminiStreamDecoder();
  }
}

function streamEncoder(to: ClientProtocol, options: StreamTranslatorOptions): StreamEncoder {
  switch (to) {
    case 'openai-chat':
      return new OpenAiChatStreamEncoder(options, options.includeUsage === true);
    case 'openai-responses':
      return new ResponsesStreamEncoder(options);
    case 'anthropic':
      return new AnthropicStreamEncoder(options);
    case 'gemini':
      return new GeminiStreamEncoder(options, options.geminiFraming);
  }
}

/**
 * One translated stream: provider SSE events in (as eventsource-parser hands them over), the client's SSE text out.
 * It keeps what the relay needs to settle: whether the provider finished, the usage it reported, and the text it
 * delivered (for counting the output of a stream cut short).
 */
export class StreamTranslator {
  private readonly events: StreamEvent[] = [];
  private done = false;
  private reported: Usage | null = null;
  private reason: StopReason | null = null;
  private delivered = '';

  constructor(
    private readonly decoder: StreamDecoder,
    private readonly encoder: StreamEncoder,
  ) {}

  /**
   * One provider event -> the client's SSE text ('' for nothing). Throws ProviderStreamError when the provider reports
   * a failure, ProviderResponseError when the event is not valid: either way the caller ends the stream with fail().
   */
  push(event: SseEvent): string {
    if (this.done) return '';
    const events = this.events;
    events.length = 0;
    this.decoder.decode(event, events);
    let out = '';
    for (const e of events) {
      switch (e.type) {
        case 'text_delta':
        case 'reasoning_delta':
          this.delivered += e.text;
          break;
        case 'tool_call_start':
          this.delivered += e.name;
          break;
        case 'tool_call_delta':
          this.delivered += e.argumentsDelta;
          break;
        case 'usage':
          this.reported = e.usage;
          break;
        case 'finish':
          this.reason = e.stopReason;
          this.done = true;
      }
      out += this.encoder.encode(e);
      if (this.done) break;
    }
    return out;
  }

  /** The text that ends the client's stream with its protocol's error event. */
  fail(error: StreamFailure): string {
    this.done = true;
    return this.encoder.fail(error);
  }

  /** True once the provider's answer was complete and the client's stream closed. */
  get finished(): boolean {
    return this.reason !== null;
  }

  /** The usage the provider reported (its last report), or null. */
  get usage(): Usage | null {
    return this.reported;
  }

  get stopReason(): StopReason | null {
    return this.reason;
  }

  /** Text, reasoning, tool names and arguments delivered to the client so far. */
  get deliveredText(): string {
    return this.delivered;
  }
}

export function createStreamTranslator(from: ProviderProtocol, to: ClientProtocol, options: StreamTranslatorOptions): StreamTranslator {
  return new StreamTranslator(streamDecoder(from), streamEncoder(to, options));
}
