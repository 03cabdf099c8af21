import type { TokenUsage } from '@gw/billing';

interface OpenAiUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
}

const count = (value: unknown): number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;

/** OpenAI's usage object -> TokenUsage. Cached tokens are part of prompt_tokens in OpenAI's accounting. */
export function fromOpenAiUsage(usage: unknown): TokenUsage | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const u = usage as OpenAiUsage;
  return {
    inputTokens: count(u.prompt_tokens),
    outputTokens: count(u.completion_tokens),
    cachedInputTokens: count(u.prompt_tokens_details?.cached_tokens),
    cacheWriteTokens: 0,
  };
}
