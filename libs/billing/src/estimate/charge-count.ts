import type { ExactTokenCounter } from './exact-token-counter';
import type { ExactEncoding } from './model-tokens';
import { type RequestText, textsOf } from './request-text';
import { textBytes } from './token-bound';

/** Where no count can be had: about four bytes per token, what BPE tokenizers average on English text and code. */
const APPROX_BYTES_PER_TOKEN = 4;

/**
 * Tokens to charge for text the provider did not count for us (an OpenAI stream cut before its usage chunk, an answer
 * without usage): the model's tokenizer, or o200k where the gateway has none of its own (the delivered-output count of
 * every provider, see countDeliveredTokens), off the event loop. Unlike a hold, a charge must not err high, so where
 * the count cannot be had (over EXACT_COUNT_MAX_BYTES, past EXACT_COUNT_TIMEOUT_MS) it is an average, not the bound.
 */
export async function chargeableTokens(
  counter: ExactTokenCounter,
  text: RequestText,
  encoding: ExactEncoding | null,
): Promise<number> {
  const bytes = textBytes(text);
  const counted = await counter.count(textsOf(text), encoding ?? 'o200k_base', bytes);
  return (counted ?? Math.ceil(bytes / APPROX_BYTES_PER_TOKEN)) + text.allowanceTokens;
}
