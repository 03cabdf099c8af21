import { countOrUndefined, isObject, type JsonObject } from './guards';
import { contentText, type TextPart } from './message-text';
import { countWords } from './mock-text';

/** What the mock needs from a `generateContent` / `streamGenerateContent` / `countTokens` request. */
export interface GenerateContentRequest {
  readonly maxOutputTokens: number | undefined;
  readonly inputTokens: number;
  readonly lastUserText: string;
  /** Name of the first function declaration, if any. */
  readonly functionName: string | undefined;
}

/** A request Google refuses with 400 INVALID_ARGUMENT, and its message. */
export class InvalidArgument {
  constructor(readonly message: string) {}
}

const CONTENT_TYPE = 'type.googleapis.com/google.ai.generativelanguage.v1beta.Content';

/** Reads a GenerateContentRequest body, or returns what Google would refuse it with. */
export function readGenerateContentRequest(body: unknown): GenerateContentRequest | InvalidArgument {
  if (!isObject(body)) return new InvalidArgument('Invalid JSON payload received. Expected an object.');
  return readRequest(body, 'GenerateContentRequest');
}

/** countTokens takes `contents`, or a whole `generateContentRequest` (whose system instruction then counts too). */
export function readCountTokensRequest(body: unknown): GenerateContentRequest | InvalidArgument {
  if (!isObject(body)) return new InvalidArgument('Invalid JSON payload received. Expected an object.');
  const inner = body.generateContentRequest;
  if (inner !== undefined && inner !== null) {
    if (!isObject(inner)) return invalidValue('generate_content_request', inner, 'GenerateContentRequest');
    return readRequest(inner, 'CountTokensRequest.generate_content_request');
  }
  return readRequest(body, 'CountTokensRequest');
}

function readRequest(body: JsonObject, name: string): GenerateContentRequest | InvalidArgument {
  const { contents, systemInstruction, generationConfig } = body;
  if (contents === undefined || contents === null || (Array.isArray(contents) && contents.length === 0)) {
    return new InvalidArgument(`* ${name}.contents: contents is not specified\n`);
  }
  if (!Array.isArray(contents)) return invalidValue('contents', contents, CONTENT_TYPE);

  let inputTokens = 0;
  if (systemInstruction !== undefined && systemInstruction !== null) {
    const words = contentWords(systemInstruction, 'system_instruction', false);
    if (words instanceof InvalidArgument) return words;
    inputTokens += words;
  }
  let lastUser: JsonObject | undefined;
  for (let i = 0; i < contents.length; i++) {
    const content: unknown = contents[i];
    const words = contentWords(content, `contents[${i}]`, true);
    if (words instanceof InvalidArgument) return words;
    inputTokens += words;
    const { role } = content as JsonObject;
    if (role === undefined || role === 'user') lastUser = content as JsonObject;
  }

  let maxOutputTokens: number | undefined;
  if (generationConfig !== undefined && generationConfig !== null) {
    if (!isObject(generationConfig)) return invalidValue('generation_config', generationConfig, 'GenerationConfig');
    const max = generationConfig.maxOutputTokens;
    if (max !== undefined && max !== null) {
      maxOutputTokens = countOrUndefined(max);
      if (maxOutputTokens === undefined) return invalidValue('generation_config.max_output_tokens', max, 'TYPE_INT32');
    }
  }
  return {
    maxOutputTokens,
    inputTokens: Math.max(1, inputTokens),
    // Every turn's parts were checked to be an array above.
    lastUserText: lastUser === undefined ? '' : contentText(lastUser.parts, isTextPart),
    functionName: firstFunctionName(body.tools),
  };
}

const ROLES = ['user', 'model', 'function'];

/**
 * The words of a Content: its text parts, and a function response's JSON text. The model's own function calls count
 * none. `checkRole`: a turn's role is `user` or `model` (or absent); a system instruction's role is ignored.
 */
function contentWords(content: unknown, path: string, checkRole: boolean): number | InvalidArgument {
  if (!isObject(content)) return invalidValue(path, content, CONTENT_TYPE);
  const { role, parts } = content;
  if (checkRole && role !== undefined && (typeof role !== 'string' || !ROLES.includes(role))) {
    return new InvalidArgument('Please use a valid role: user, model.');
  }
  if (!Array.isArray(parts) || parts.length === 0) {
    return new InvalidArgument(`* GenerateContentRequest.${path}.parts: contents.parts must not be empty.\n`);
  }
  let words = 0;
  for (let i = 0; i < parts.length; i++) {
    const part: unknown = parts[i];
    if (!isObject(part)) return invalidValue(`${path}.parts[${i}]`, part, 'Part');
    if (typeof part.text === 'string') words += countWords(part.text);
    else if (part.text !== undefined) return invalidValue(`${path}.parts[${i}].text`, part.text, 'TYPE_STRING');
    else if (isObject(part.functionResponse) && part.functionResponse.response !== undefined) {
      words += countWords(JSON.stringify(part.functionResponse.response));
    }
  }
  return words;
}

function isTextPart(part: unknown): part is TextPart {
  return isObject(part) && typeof part.text === 'string';
}

/** Tools: `[{functionDeclarations: [{name, ...}]}, {googleSearch: {}}, ...]`; the first declared function wins. */
function firstFunctionName(tools: unknown): string | undefined {
  if (!Array.isArray(tools)) return undefined;
  for (const tool of tools) {
    const declarations: unknown = isObject(tool) ? tool.functionDeclarations : undefined;
    if (!Array.isArray(declarations)) continue;
    const first: unknown = declarations[0];
    if (isObject(first) && typeof first.name === 'string') return first.name;
  }
  return undefined;
}

/** Google's wording for a value of the wrong type at a field (its snake_case path); long values are cut. */
function invalidValue(path: string, value: unknown, type: string): InvalidArgument {
  const shown = (JSON.stringify(value) ?? String(value)).slice(0, 100);
  return new InvalidArgument(`Invalid value at '${path}' (${type}), ${shown}`);
}
