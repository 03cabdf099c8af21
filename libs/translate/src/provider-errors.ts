import { isObject } from './shared/values';

/**
 * The message of a provider's error body (OpenAI and Gemini `{"error":{"message"}}`, Anthropic
 * `{"type":"error","error":{"message"}}`), so that a provider's own 4xx can be passed on in the client's format.
 * Null when the body says none.
 */
export function providerErrorMessage(body: unknown): string | null {
  let json = body;
  if (typeof body === 'string') {
    try {
      json = JSON.parse(body);
    } catch {
      return null;
    }
  }
  // Gemini's streamed errors come as a one-element array when the stream is a JSON array.
  if (Array.isArray(json)) json = json[0];
  if (!isObject(json) || !isObject(json.error)) return null;
  return typeof json.error.message === 'string' && json.error.message.length > 0 ? json.error.message : null;
}
