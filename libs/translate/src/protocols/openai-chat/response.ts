import type OpenAI from 'openai';
import { ProviderResponseError } from '../../errors';
import { ChatResponse, EMPTY_USAGE, OutputPart } from '../../model';
import { clientToolCallId, ResponseEncodeOptions, withPrefix } from '../../shared/response-options';
import { newToolCallId } from '../../shared/tool-call-ids';
import { isObject, Json } from '../../shared/values';
import { decodeOpenAiFinishReason, encodeOpenAiFinishReason } from './stop-reason';
import { decodeOpenAiUsage, encodeOpenAiUsage } from './usage';

const fail = (message: string) => new ProviderResponseError(message);

/** The body of an OpenAI chat completion -> ChatResponse (the first choice; the gateway never asks for more). */
export function decodeOpenAiChatResponse(body: Json): ChatResponse {
  const choice = Array.isArray(body.choices) ? body.choices[0] : undefined;
  if (!isObject(choice) || !isObject(choice.message)) throw fail('The upstream provider sent a completion without a choice');
  const message = choice.message;
  const content: OutputPart[] = [];
  // Reasoning text, as OpenAI-compatible providers return it (OpenAI itself does not).
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (typeof reasoning === 'string' && reasoning.length > 0) content.push({ type: 'reasoning', text: reasoning });
  if (typeof message.content === 'string' && message.content.length > 0) content.push({ type: 'text', text: message.content });
  if (typeof message.refusal === 'string' && message.refusal.length > 0) content.push({ type: 'text', text: message.refusal });
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isObject(call) || !isObject(call.function) || typeof call.function.name !== 'string') {
        throw fail('The upstream provider sent an invalid tool call');
      }
      content.push({
        type: 'tool_call',
        id: typeof call.id === 'string' ? call.id : newToolCallId(),
        name: call.function.name,
        arguments: typeof call.function.arguments === 'string' ? call.function.arguments : '',
      });
    }
  }
  return {
    id: typeof body.id === 'string' ? body.id : '',
    model: typeof body.model === 'string' ? body.model : '',
    content,
    stopReason: decodeOpenAiFinishReason(choice.finish_reason),
    usage: decodeOpenAiUsage(body.usage) ?? { ...EMPTY_USAGE },
  };
}

/**
 * ChatResponse -> an OpenAI chat completion. Reasoning text, which OpenAI's own models never return, goes out as
 * `reasoning_content` (the field OpenAI-compatible providers use; the SDK passes unknown fields through).
 */
export function encodeOpenAiChatResponse(response: ChatResponse, options: ResponseEncodeOptions): OpenAI.ChatCompletion {
  let text = '';
  let reasoning = '';
  const calls: OpenAI.ChatCompletionMessageFunctionToolCall[] = [];
  for (const part of response.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'reasoning') reasoning += part.text;
    else calls.push({ id: clientToolCallId(part), type: 'function', function: { name: part.name, arguments: part.arguments } });
  }
  const message: OpenAI.ChatCompletionMessage & { reasoning_content?: string } = {
    role: 'assistant',
    content: text.length > 0 || calls.length === 0 ? text : null,
    refusal: null,
  };
  if (reasoning.length > 0) message.reasoning_content = reasoning;
  if (calls.length > 0) message.tool_calls = calls;
  return {
    id: options.id ?? withPrefix('chatcmpl-', response.id),
    object: 'chat.completion',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: options.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: encodeOpenAiFinishReason(response.stopReason) }],
    usage: encodeOpenAiUsage(response.usage),
  };
}
