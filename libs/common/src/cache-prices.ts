import { ceilDiv } from './money';

/**
 * The prompt-cache prices of a model that sets none (spec/policy.md, "Prices"): cache reads at 0.1 x the input price,
 * cache writes at 1.25 x (Anthropic's five-minute write; OpenAI's and Gemini's cached input are about that low), both
 * rounded up to the micro-dollar per million tokens. One rule for the catalog's tables and for any price that reaches
 * billing without them, so the two can never disagree.
 */
export function defaultCachedInputPrice(inputMicrosPerMTok: bigint): bigint {
  return ceilDiv(inputMicrosPerMTok, 10n);
}

export function defaultCacheWritePrice(inputMicrosPerMTok: bigint): bigint {
  return ceilDiv(inputMicrosPerMTok * 5n, 4n);
}
