import { countOrUndefined, isObject, type JsonObject } from './guards';
import { contentText, contentWords } from './message-text';
import { countWords } from './mock-text';

/** What the mock needs from a chat completions request. */
export interface ChatRequest {
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly maxTokens: number | undefined;
  readonly inputTokens: number;
  readonly lastUserText: string;
  /** Name of the first declared tool, if any. */
  readonly toolName: string | undefined;
}

/** Reads a chat completions body, or returns the validation error message. */
export function readChatRequest(body: unknown): ChatRequest | string {
  if (!isObject(body)) return 'The request body must be a JSON object.';
  const { model, messages } = body;
  if (typeof model !== 'string' || model === '') return 'you must provide a model parameter';
  if (!Array.isArray(messages)) return "'messages' is a required property";

  let inputTokens = 0;
  let lastUser: JsonObject | undefined;
  for (const message of messages) {
    if (!isObject(message)) continue;
    inputTokens += contentWords(message.content, isTextPart);
    if (message.role === 'user') lastUser = message;
  }
  const options = body.stream_options;
  return {
    model,
    stream: body.stream === true,
    includeUsage: isObject(options) && options.include_usage === true,
    maxTokens: countOrUndefined(body.max_completion_tokens) ?? countOrUndefined(body.max_tokens),
    inputTokens: Math.max(1, inputTokens),
    lastUserText: lastUser === undefined ? '' : contentText(lastUser.content, isTextPart),
    toolName: firstToolName(body.tools),
  };
}

/** Content is a string or an array of parts, of which only `text` parts carry text. */
function isTextPart(part: unknown): part is { type: 'text'; text: string } {
  return isObject(part) && part.type === 'text' && typeof part.text === 'string';
}

function firstToolName(tools: unknown): string | undefined {
  if (!Array.isArray(tools)) return undefined;
  const fn: unknown = isObject(tools[0]) ? tools[0].function : undefined;
  return isObject(fn) && typeof fn.name === 'string' ? fn.name : undefined;
}

/** Embedding inputs: a string, strings, a token array, or token arrays. */
export interface EmbeddingRequest {
  readonly model: string;
  /** One text per embedding to return; token arrays are rendered as their numbers. */
  readonly texts: readonly string[];
  readonly inputTokens: number;
  readonly dimensions: number;
  readonly base64: boolean;
}

export const DEFAULT_EMBEDDING_DIMENSIONS = 16;
export const MAX_EMBEDDING_DIMENSIONS = 3072;

export function readEmbeddingRequest(body: unknown): EmbeddingRequest | string {
  if (!isObject(body)) return 'The request body must be a JSON object.';
  const { model, input, dimensions, encoding_format: format } = body;
  if (typeof model !== 'string' || model === '') return 'you must provide a model parameter';
  const inputs = readInputs(input);
  if (inputs === undefined) return "'input' must be a non-empty string, array of strings, or array of token arrays";
  let dims = DEFAULT_EMBEDDING_DIMENSIONS;
  if (dimensions !== undefined && dimensions !== null) {
    const n = countOrUndefined(dimensions);
    if (n === undefined || n < 1 || n > MAX_EMBEDDING_DIMENSIONS) {
      return `'dimensions' must be an integer between 1 and ${MAX_EMBEDDING_DIMENSIONS}`;
    }
    dims = n;
  }
  if (format !== undefined && format !== null && format !== 'float' && format !== 'base64') {
    return "'encoding_format' must be 'float' or 'base64'";
  }
  return { model, ...inputs, dimensions: dims, base64: format === 'base64' };
}

function readInputs(input: unknown): { texts: string[]; inputTokens: number } | undefined {
  if (typeof input === 'string') return { texts: [input], inputTokens: Math.max(1, countWords(input)) };
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every(isTokenId)) return { texts: [input.join(' ')], inputTokens: input.length };
  const texts: string[] = [];
  let tokens = 0;
  for (const item of input) {
    if (typeof item === 'string') {
      texts.push(item);
      tokens += countWords(item);
    } else if (Array.isArray(item) && item.every(isTokenId)) {
      texts.push(item.join(' '));
      tokens += item.length;
    } else {
      return undefined;
    }
  }
  return { texts, inputTokens: Math.max(1, tokens) };
}

function isTokenId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
