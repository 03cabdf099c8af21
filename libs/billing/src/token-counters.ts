import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

// Special-token text in user content is just text to the provider: the tokenizer must not throw on it.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** OpenAI-family models: a real BPE tokenizer (o200k_base, used by gpt-4o, gpt-4.1 and later). */
export function countOpenAiTokens(text: string): number {
  return text.length === 0 ? 0 : countTokens(text, PLAIN_TEXT);
}

/**
 * Output tokens the gateway charges on its own count (a stream cut short before the provider's final usage, or an
 * answer without usage), for every provider. Unlike a hold, a charge must not err high: the o200k BPE count is exact
 * for OpenAI models and, on typical text, no higher than Claude's own tokenizer, so an Anthropic stream cut short is
 * never overcharged. The stream dialects count each delta as it arrives (a few characters: microseconds), never the
 * whole answer at once, so this never blocks the event loop; providers cut their deltas on token boundaries, which
 * keeps the sum of the deltas' counts the count of the text.
 */
export function countDeliveredTokens(text: string): number {
  return countOpenAiTokens(text);
}
