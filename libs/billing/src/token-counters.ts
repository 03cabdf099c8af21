import type * as O200kBase from 'gpt-tokenizer/encoding/o200k_base';

// Special-token text in user content is just text to the provider: the tokenizer must not throw on it.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

let o200k: typeof O200kBase | undefined;

/**
 * Loads the o200k_base tables: about 0.4 s of start-up and 15 MB of heap. The proxy loads them as it starts (it counts
 * every streamed delta, and the first stream must not wait for them); the worker and the admin, which count nothing,
 * never do, though they import this library.
 */
export function loadDeliveredTokenCounter(): typeof O200kBase {
  // A require, not an import: an import would load the tables in every app that imports this library.
  return (o200k ??= require('gpt-tokenizer/encoding/o200k_base') as typeof O200kBase);
}

/** OpenAI-family models: a real BPE tokenizer (o200k_base, used by gpt-4o, gpt-4.1 and later). */
export function countOpenAiTokens(text: string): number {
  return text.length === 0 ? 0 : loadDeliveredTokenCounter().countTokens(text, PLAIN_TEXT);
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
