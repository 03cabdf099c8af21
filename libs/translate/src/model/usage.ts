/**
 * Token usage in the gateway's normalised accounting (the same as libs/billing's TokenUsage, plus the reasoning
 * share): every input token once in `inputTokens`, with the cached (read) and cache-write tokens as parts of it;
 * every output token once in `outputTokens`, with the reasoning (thinking) tokens as a part of it. Each provider's
 * own rules (protocols.md, "Token accounting") are applied by its decoder, and each client protocol's encoder writes
 * the numbers back out in that protocol's own fields.
 */
export interface Usage {
  inputTokens: number;
  /** Part of inputTokens: read from the provider's prompt cache. */
  cachedInputTokens: number;
  /** Part of inputTokens: written to the provider's prompt cache. */
  cacheWriteTokens: number;
  outputTokens: number;
  /** Part of outputTokens: reasoning / thinking tokens. */
  reasoningTokens: number;
}

export const EMPTY_USAGE: Readonly<Usage> = Object.freeze({
  inputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
});

/** A provider's count: a non-negative safe integer, anything else (absent, null, garbage) is 0. */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}
