import { isObject, type JsonObject } from './guards';
import { contentText, contentWords } from './message-text';
import { countWords } from './mock-text';
import type { ErrorDetails } from './provider-errors';

/** The request settings a `response` object repeats, as the request gave them or with OpenAI's defaults. */
export interface ResponseSettings {
  readonly instructions: string | null;
  readonly maxOutputTokens: number | null;
  readonly metadata: unknown;
  readonly parallelToolCalls: boolean;
  readonly reasoning: { readonly effort: unknown; readonly summary: unknown };
  readonly store: boolean;
  readonly temperature: number;
  readonly text: unknown;
  readonly toolChoice: unknown;
  readonly tools: readonly unknown[];
  readonly topP: number;
  readonly truncation: unknown;
  readonly user: unknown;
}

/** What the mock needs from a Responses API request. */
export interface ResponsesRequest {
  readonly model: string;
  readonly stream: boolean;
  readonly maxOutputTokens: number | undefined;
  readonly inputTokens: number;
  readonly lastUserText: string;
  /** Name of the first declared function tool, if any. */
  readonly toolName: string | undefined;
  /** `include` asks for `reasoning.encrypted_content`. */
  readonly encryptedReasoning: boolean;
  readonly settings: ResponseSettings;
}

/** A request OpenAI refuses, with its error's message, param and code. */
export class InvalidRequest {
  constructor(readonly details: ErrorDetails) {}
}

/** OpenAI refuses a smaller `max_output_tokens`. */
export const MIN_MAX_OUTPUT_TOKENS = 16;

const ROLES = ['user', 'assistant', 'system', 'developer'];

/** Reads a `POST /v1/responses` body, or returns what OpenAI would refuse it with. */
export function readResponsesRequest(body: unknown): ResponsesRequest | InvalidRequest {
  if (!isObject(body)) return invalid('The request body must be a JSON object.', null, null);
  const { model, input, instructions, tools } = body;
  if (typeof model !== 'string' || model === '') return missing('model');
  if (input === undefined || input === null) return missing('input');
  if (typeof input !== 'string' && !Array.isArray(input)) {
    return wrongType('input', 'one of a string or array of input items', input);
  }
  if (instructions !== undefined && instructions !== null && typeof instructions !== 'string') {
    return wrongType('instructions', 'a string', instructions);
  }
  if (tools !== undefined && tools !== null && !Array.isArray(tools)) return wrongType('tools', 'an array', tools);
  const maxOutputTokens = readMaxOutputTokens(body.max_output_tokens);
  if (maxOutputTokens instanceof InvalidRequest) return maxOutputTokens;
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) {
    // Nothing is ever stored here, so no previous response can be found.
    const id = String(body.previous_response_id);
    const message = `Previous response with id '${id}' not found.`;
    return invalid(message, 'previous_response_id', 'previous_response_not_found');
  }

  let inputTokens = typeof instructions === 'string' ? countWords(instructions) : 0;
  let lastUserText = '';
  if (typeof input === 'string') {
    inputTokens += countWords(input);
    lastUserText = input;
  } else {
    for (let i = 0; i < input.length; i++) {
      const item = readItem(input[i], `input[${i}]`);
      if (item instanceof InvalidRequest) return item;
      inputTokens += item.words;
      if (item.userText !== undefined) lastUserText = item.userText;
    }
  }
  return {
    model,
    stream: body.stream === true,
    maxOutputTokens,
    inputTokens: Math.max(1, inputTokens),
    lastUserText,
    toolName: firstFunctionName(tools),
    encryptedReasoning: Array.isArray(body.include) && body.include.includes('reasoning.encrypted_content'),
    settings: readSettings(body, maxOutputTokens),
  };
}

function readMaxOutputTokens(value: unknown): number | undefined | InvalidRequest {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) return wrongType('max_output_tokens', 'an integer', value);
  if (value < MIN_MAX_OUTPUT_TOKENS) {
    return invalid(
      `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= ${MIN_MAX_OUTPUT_TOKENS}, ` +
        `but got ${value} instead.`,
      'max_output_tokens',
      'integer_below_min_value',
    );
  }
  return value;
}

interface ItemText {
  readonly words: number;
  /** The text of a user message, where markers are read. */
  readonly userText: string | undefined;
}

const NO_TEXT: ItemText = { words: 0, userText: undefined };

/**
 * Input items: messages (with or without `type: "message"`) count the words of their text; a function call's output
 * counts its words; the model's own function calls and reasoning count none.
 */
function readItem(item: unknown, path: string): ItemText | InvalidRequest {
  if (!isObject(item)) return wrongType(path, 'an input item', item);
  const type = item.type ?? 'message';
  if (type === 'function_call_output') return { words: contentWords(item.output, isTextPart), userText: undefined };
  if (type !== 'message') return NO_TEXT;
  const { role, content } = item;
  if (typeof role !== 'string' || !ROLES.includes(role)) {
    return invalid(
      `Invalid value: '${String(role)}'. Supported values are: 'assistant', 'system', 'developer', and 'user'.`,
      `${path}.role`,
      'invalid_value',
    );
  }
  if (typeof content !== 'string' && !Array.isArray(content)) {
    return wrongType(`${path}.content`, 'one of a string or array of input content parts', content);
  }
  if (Array.isArray(content)) {
    const bad = content.findIndex((part) => !isObject(part) || typeof part.type !== 'string');
    if (bad !== -1) return wrongType(`${path}.content[${bad}]`, 'an input content part', content[bad]);
  }
  const userText = role === 'user' ? contentText(content, isTextPart) : undefined;
  return { words: contentWords(content, isTextPart), userText };
}

/** Content is a string or parts, of which `input_text` and `output_text` carry text. */
function isTextPart(part: unknown): part is { type: 'input_text' | 'output_text'; text: string } {
  return isObject(part) && (part.type === 'input_text' || part.type === 'output_text') && typeof part.text === 'string';
}

/** Responses API function tools are flat: `{type: "function", name, parameters}`; other tool types are skipped. */
function firstFunctionName(tools: unknown): string | undefined {
  if (!Array.isArray(tools)) return undefined;
  const tool: unknown = tools.find((t) => isObject(t) && t.type === 'function' && typeof t.name === 'string');
  return isObject(tool) ? (tool.name as string) : undefined;
}

function readSettings(body: JsonObject, maxOutputTokens: number | undefined): ResponseSettings {
  const reasoning = isObject(body.reasoning) ? body.reasoning : {};
  return {
    instructions: typeof body.instructions === 'string' ? body.instructions : null,
    maxOutputTokens: maxOutputTokens ?? null,
    metadata: isObject(body.metadata) ? body.metadata : {},
    parallelToolCalls: body.parallel_tool_calls !== false,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    store: body.store !== false,
    temperature: typeof body.temperature === 'number' ? body.temperature : 1,
    text: isObject(body.text) ? body.text : { format: { type: 'text' }, verbosity: 'medium' },
    toolChoice: body.tool_choice ?? 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    topP: typeof body.top_p === 'number' ? body.top_p : 1,
    truncation: body.truncation ?? 'disabled',
    user: body.user ?? null,
  };
}

function invalid(message: string, param: string | null, code: string | null): InvalidRequest {
  return new InvalidRequest({ message, param, code });
}

function missing(param: string): InvalidRequest {
  return invalid(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}

function wrongType(param: string, expected: string, value: unknown): InvalidRequest {
  return invalid(
    `Invalid type for '${param}': expected ${expected}, but got ${jsonTypeName(value)} instead.`,
    param,
    'invalid_type',
  );
}

function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'string') return 'a string';
  return typeof value === 'boolean' ? 'a boolean' : 'a value';
}
