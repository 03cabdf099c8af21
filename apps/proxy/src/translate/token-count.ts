import { GatewayError } from '@gw/common';
import type { ModelRecord, UsageProtocol } from '@gw/db';
import { computeChatCompletionTokenCount, type ChatCompletionRequest, type ChatMessage } from 'gpt-tokenizer/functionCalling';
import type { ClientProtocol } from '@gw/translate';
import { translatedHeaders, translateForProvider, type Translation } from './translation';

/** The client protocol of each token-counting route, as the translation decodes its body. */
const COUNT_CLIENT: Partial<Record<UsageProtocol, ClientProtocol>> = { anthropic: 'anthropic', gemini: 'gemini' };

/** The fields of a translated request each provider's counting endpoint takes (the rest is about the answer). */
const ANTHROPIC_COUNT_FIELDS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking'] as const;
const GEMINI_COUNT_FIELDS = ['contents', 'systemInstruction', 'tools', 'toolConfig'] as const;

/** A count request translated for a model of another protocol: the provider's count body (or, OpenAI, its chat body). */
export interface TranslatedCount {
  body: Record<string, unknown>;
  translation: Translation;
  forwardHeaders: Readonly<Record<string, string>>;
}

/**
 * A token-count request (Anthropic count_tokens, Gemini countTokens) for a model whose provider speaks another
 * protocol: the client's body decoded as the request it would count, encoded for the provider, then cut to what the
 * provider's counting endpoint takes (Anthropic: /v1/messages/count_tokens; Gemini: :countTokens with a whole
 * generateContentRequest). OpenAI has no counting endpoint for chat: its chat body is counted locally (countOpenAiChat).
 * A feature the provider cannot honour is the same 400 as on the generating route.
 */
export function translateCountRequest(
  client: UsageProtocol,
  native: UsageProtocol,
  body: Record<string, unknown>,
  model: ModelRecord,
  clientHeaders: Readonly<Record<string, string>>,
): TranslatedCount {
  const from = COUNT_CLIENT[client];
  if (from === undefined) throw new Error(`no token counting route speaks ${client}`);
  // Gemini's count body is either the contents alone or a whole generateContentRequest (its model is the path's).
  const request = from === 'gemini' ? geminiCountedRequest(body) : body;
  const translated = translateForProvider(from, native, request, model, false, clientHeaders);
  return { body: countBody(native, translated.body, model), translation: translated.translation, forwardHeaders: translatedHeaders(native) };
}

function geminiCountedRequest(body: Record<string, unknown>): Record<string, unknown> {
  const inner = body.generateContentRequest;
  if (typeof inner !== 'object' || inner === null) return { contents: body.contents };
  const { model: _model, ...request } = inner as Record<string, unknown>;
  return request;
}

function countBody(native: UsageProtocol, body: Record<string, unknown>, model: ModelRecord): Record<string, unknown> {
  if (native === 'anthropic') return pick(body, ANTHROPIC_COUNT_FIELDS);
  if (native === 'gemini') return { generateContentRequest: { model: `models/${model.upstreamModel}`, ...pick(body, GEMINI_COUNT_FIELDS) } };
  return body;
}

function pick(body: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const field of fields) if (body[field] !== undefined) picked[field] = body[field];
  return picked;
}

/**
 * An OpenAI chat request's input tokens, as OpenAI counts them: gpt-tokenizer's reproduction of the chat template (3
 * tokens a message, 3 priming the reply, a name 1 more) and of the hidden function definitions the tools become. It is
 * linear in the counts of its texts, so it is split into those texts (`pieces`, counted by the model's tokenizer off the
 * event loop) and the template's own tokens (`fixedTokens`). Images cannot be counted without their dimensions: a 400.
 */
export function openAiChatCount(body: Record<string, unknown>): { pieces: string[]; fixedTokens: number } {
  const request = chatCompletionRequest(body);
  const pieces: string[] = [];
  const fixedTokens = computeChatCompletionTokenCount(request, (text) => {
    pieces.push(text);
    return 0;
  });
  return { pieces, fixedTokens };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function chatCompletionRequest(body: Json): ChatCompletionRequest {
  const messages: ChatMessage[] = [];
  for (const message of Array.isArray(body.messages) ? body.messages : []) {
    if (!isObject(message)) continue;
    const role = String(message.role);
    const content = textOf(message.content);
    const name = typeof message.name === 'string' ? message.name : undefined;
    const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObject) : [];
    if (calls.length === 0) {
      messages.push({ role, content, ...(name ? { name } : {}) });
      continue;
    }
    // Each call as the function call of an assistant turn (the first one carries the turn's text).
    calls.forEach((call, index) => {
      const fn = isObject(call.function) ? call.function : {};
      messages.push({
        role,
        content: index === 0 ? content : '',
        function_call: { name: String(fn.name ?? ''), arguments: String(fn.arguments ?? '') },
      });
    });
  }
  const functions = (Array.isArray(body.tools) ? body.tools : [])
    .filter(isObject)
    .map((tool) => tool.function)
    .filter(isObject) as unknown as ChatCompletionRequest['functions'];
  const request: ChatCompletionRequest = { messages, ...(functions && functions.length > 0 ? { functions } : {}) };
  const choice = body.tool_choice;
  if (choice === 'none') request.function_call = 'none';
  else if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string') {
    request.function_call = { name: choice.function.name };
  }
  return request;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (!isObject(part)) continue;
    if (part.type === 'text' && typeof part.text === 'string') text += part.text;
    else {
      const what = part.type === 'image_url' ? 'an image' : `${String(part.type)} input`;
      throw GatewayError.invalidRequest(`Counting the tokens of ${what} is not supported for an OpenAI model (only text and tools)`);
    }
  }
  return text;
}
