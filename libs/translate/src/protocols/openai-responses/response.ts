import type OpenAI from 'openai';
import type { ChatResponse, ReasoningPart, StopReason, Usage } from '../../model';
import { carriedReasoning } from '../../shared/reasoning-carrier';
import { clientToolCallId, ResponseEncodeOptions, withPrefix } from '../../shared/response-options';
import { isObject, Json } from '../../shared/values';

type Response = OpenAI.Responses.Response;
type OutputItem = OpenAI.Responses.ResponseOutputItem;

export interface ResponsesEncodeOptions extends ResponseEncodeOptions {
  /** The client's request body: a response object echoes the request's parameters, as OpenAI's does. */
  request?: unknown;
}

export function encodeResponsesUsage(usage: Usage): OpenAI.Responses.ResponseUsage {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens, cache_write_tokens: usage.cacheWriteTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/** A response that stopped at the output limit or a content filter is `incomplete`, saying why. */
export function responseStatus(reason: StopReason): Pick<Response, 'status' | 'incomplete_details'> {
  if (reason === 'max_tokens') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (reason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

const echo = (request: Json, key: string, fallback: unknown): unknown => (request[key] === undefined ? fallback : request[key]);

/**
 * The envelope of a response object (the SDK computes `output_text` itself; OpenAI does not send it). Parameters
 * come from the client's request, with OpenAI's defaults where it set none.
 */
export function responseEnvelope(id: string, createdAt: number, options: ResponsesEncodeOptions): Response {
  const request = isObject(options.request) ? options.request : {};
  const envelope = {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: echo(request, 'instructions', null),
    max_output_tokens: echo(request, 'max_output_tokens', null),
    metadata: echo(request, 'metadata', {}),
    model: options.model,
    output: [],
    parallel_tool_calls: echo(request, 'parallel_tool_calls', true),
    previous_response_id: null,
    reasoning: echo(request, 'reasoning', { effort: null, summary: null }),
    store: false,
    temperature: echo(request, 'temperature', null),
    text: echo(request, 'text', { format: { type: 'text' } }),
    tool_choice: echo(request, 'tool_choice', 'auto'),
    tools: echo(request, 'tools', []),
    top_p: echo(request, 'top_p', null),
    truncation: echo(request, 'truncation', 'disabled'),
    usage: null,
  };
  return envelope as unknown as Response;
}

/** Output item ids, unique within the response: `<kind>_<response id without its prefix>_<position>`. */
export function itemId(kind: 'msg' | 'fc' | 'rs', responseId: string, position: number): string {
  return `${kind}_${responseId.replace(/^resp_/, '')}_${position}`;
}

export function reasoningItem(id: string, text: string, part: Pick<ReasoningPart, 'signature' | 'redactedData'>): OpenAI.Responses.ResponseReasoningItem {
  const item: OpenAI.Responses.ResponseReasoningItem = { id, type: 'reasoning', summary: text.length > 0 ? [{ type: 'summary_text', text }] : [] };
  const carried = carriedReasoning({ type: 'reasoning', text, ...part });
  if (carried !== undefined) item.encrypted_content = carried;
  return item;
}

export function outputText(text: string): OpenAI.Responses.ResponseOutputText {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/** ChatResponse -> a Responses API response object: reasoning, message and function_call items in order. */
export function encodeResponsesResponse(response: ChatResponse, options: ResponsesEncodeOptions): Response {
  const id = options.id ?? withPrefix('resp_', response.id);
  const result = responseEnvelope(id, options.created ?? Math.floor(Date.now() / 1000), options);
  const output: OutputItem[] = [];
  let message: OpenAI.Responses.ResponseOutputMessage | null = null;
  for (const part of response.content) {
    if (part.type === 'text') {
      if (message === null) {
        message = { id: itemId('msg', id, output.length), type: 'message', status: 'completed', role: 'assistant', content: [] };
        output.push(message);
      }
      message.content.push(outputText(part.text));
      continue;
    }
    message = null;
    if (part.type === 'reasoning') output.push(reasoningItem(itemId('rs', id, output.length), part.text, part));
    else {
      output.push({
        id: itemId('fc', id, output.length),
        type: 'function_call',
        status: 'completed',
        call_id: clientToolCallId(part),
        name: part.name,
        arguments: part.arguments,
      });
    }
  }
  Object.assign(result, responseStatus(response.stopReason), { output, usage: encodeResponsesUsage(response.usage) });
  return result;
}
