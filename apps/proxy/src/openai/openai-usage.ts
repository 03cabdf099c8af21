import type { TokenUsage } from '@gw/billing';

interface OpenAiUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: unknown } | null;
}

interface ResponsesUsage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  input_tokens_details?: { cached_tokens?: unknown } | null;
  output_tokens_details?: { reasoning_tokens?: unknown } | null;
}

const count = (value: unknown): number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;

/**
 * OpenAI's usage object -> TokenUsage. In OpenAI's accounting cached tokens are part of prompt_tokens and reasoning
 * tokens part of completion_tokens (billed at the output price; kept apart for the usage record).
 */
export function fromOpenAiUsage(usage: unknown): TokenUsage | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const u = usage as OpenAiUsage;
  return {
    inputTokens: count(u.prompt_tokens),
    outputTokens: count(u.completion_tokens),
    cachedInputTokens: count(u.prompt_tokens_details?.cached_tokens),
    cacheWriteTokens: 0,
    reasoningTokens: count(u.completion_tokens_details?.reasoning_tokens),
  };
}

/**
 * The Responses API's usage object -> TokenUsage, with the same accounting under other names: cached tokens are part
 * of input_tokens, reasoning tokens part of output_tokens (billed at the output price).
 */
export function fromResponsesUsage(usage: unknown): TokenUsage | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const u = usage as ResponsesUsage;
  return {
    inputTokens: count(u.input_tokens),
    outputTokens: count(u.output_tokens),
    cachedInputTokens: count(u.input_tokens_details?.cached_tokens),
    cacheWriteTokens: 0,
    reasoningTokens: count(u.output_tokens_details?.reasoning_tokens),
  };
}
