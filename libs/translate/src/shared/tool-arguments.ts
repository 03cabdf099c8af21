import { isObject, Json } from './values';

/**
 * Arguments that nest deeper than this stay text. Parsed, they join the provider's body, which is serialised and
 * walked recursively on its way out (JSON.stringify, the token bound): a client's arguments text of any depth must
 * not overflow the stack there (a 500). As deep as a client's body itself may nest (the gateway's MAX_JSON_DEPTH).
 */
export const MAX_ARGUMENTS_DEPTH = 100;

/**
 * A tool call's arguments (JSON text, as OpenAI carries them) -> the object Anthropic (`input`) and Gemini (`args`)
 * carry. Empty text is no arguments. Text that is not a JSON object (a model's malformed call, or one cut off by the
 * output limit), or one nested deeper than MAX_ARGUMENTS_DEPTH, cannot be an object: it is kept whole under one key
 * rather than lost.
 */
export function argumentsObject(text: string): Json {
  if (text.trim().length === 0) return {};
  try {
    const value: unknown = JSON.parse(text); // V8's parser is not recursive: any depth parses
    if (isObject(value) && !nestsDeeperThan(value, MAX_ARGUMENTS_DEPTH)) return value;
  } catch {
    // fall through
  }
  return { _raw_arguments: text };
}

/** Whether objects and arrays nest more than `limit` levels in `value` (an object: level 1), without recursion. */
function nestsDeeperThan(value: object, limit: number): boolean {
  const pending: { node: object; depth: number }[] = [{ node: value, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.depth > limit) return true;
    for (const child of Object.values(next.node)) {
      if (typeof child === 'object' && child !== null) pending.push({ node: child, depth: next.depth + 1 });
    }
  }
  return false;
}
