import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

// Special-token text in user content is just text to the provider; the tokenizer must not throw on it.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** OpenAI-family models: a real BPE tokenizer (o200k_base, used by gpt-4o and gpt-4.1). */
export function countOpenAiTokens(text: string): number {
  return text.length === 0 ? 0 : countTokens(text, PLAIN_TEXT);
}

/**
 * Anthropic publishes no tokenizer, so the hold uses a conservative count: one token per 3 ASCII characters (Claude
 * averages about 3.5 on English text and code) and one token per other character (CJK and other scripts take about
 * one token per character or less). Erring high only makes the hold a little larger: the charge always comes from
 * the usage Anthropic reports.
 */
export function countAnthropicTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) ascii++;
    else if (code < 0xdc00 || code > 0xdfff) other++; // a surrogate pair counts once, on its high half
  }
  return Math.ceil(ascii / 3) + other;
}

/**
 * Output tokens the gateway charges on its own count (a stream cut short before the provider's final usage, or an
 * answer without usage), for every provider. Unlike a hold, a charge must not err high: the o200k BPE count is exact
 * for OpenAI models and, on typical text, no higher than Claude's own tokenizer, so an Anthropic stream cut short is
 * never overcharged (countAnthropicTokens deliberately overcounts, which is right for holds only).
 */
export function countDeliveredTokens(text: string): number {
  return countOpenAiTokens(text);
}
