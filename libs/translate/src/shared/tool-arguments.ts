import { isObject, Json } from './values';

/**
 * A tool call's arguments (JSON text, as OpenAI carries them) -> the object Anthropic (`input`) and Gemini (`args`)
 * carry. Empty text is no arguments. Text that is not a JSON object (a model's malformed call, or one cut off by the
 * output limit) cannot be an object: it is kept whole under one key rather than lost.
 */
export function argumentsObject(text: string): Json {
  if (text.trim().length === 0) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value)) return value;
  } catch {
    // fall through
  }
  return { _raw_arguments: text };
}
