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

/** The request's value of `key`, or OpenAI's default when it set none (null and absent alike, as OpenAI reads them). */
const echo = (request: Json, key: string, fallback: unknown): unknown => request[key] ?? fallback;

/** OpenAI's reasoning settings: both fields always there, null when not asked for. */
function echoReasoning(request: Json): { effort: unknown; summary: unknown } {
  const reasoning = isObject(request.reasoning) ? request.reasoning : {};
  return { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null };
}

/**
 * The envelope of a response object (the SDK computes `output_text` itself; OpenAI does not send it): every field an
 * OpenAI model's answer has, the request's parameters echoed with OpenAI's defaults where it set none, as an OpenAI
 * model's native answer has them. Fields of features translation refuses have their "off" value (`background`,
 * `max_tool_calls`, `top_logprobs`); `service_tier` is the tier that served it, `store` is false (nothing is stored).
 */
export function responseEnvelope(id: string, createdAt: number, options: ResponsesEncodeOptions): Response {
  const request = isObject(options.request) ? options.request : {};
  const envelope = {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: echo(request, 'instructions', null),
    max_output_tokens: echo(request, 'max_output_tokens', null),
    max_tool_calls: null,
    model: options.model,
    output: [],
    parallel_tool_calls: echo(request, 'parallel_tool_calls', true),
    previous_response_id: null,
    prompt_cache_key: echo(request, 'prompt_cache_key', null),
    reasoning: echoReasoning(request),
    safety_identifier: echo(request, 'safety_identifier', null),
    service_tier: 'default',
    store: false,
    temperature: echo(request, 'temperature', 1),
    text: echo(request, 'text', { format: { type: 'text' }, verbosity: 'medium' }),
    tool_choice: echo(request, 'tool_choice', 'auto'),
    tools: echo(request, 'tools', []),
    top_logprobs: 0,
    top_p: echo(request, 'top_p', 1),
    truncation: echo(request, 'truncation', 'disabled'),
    usage: null,
    user: echo(request, 'user', null),
    metadata: echo(request, 'metadata', {}),
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
