import type OpenAI from 'openai';
import { tokenCount, Usage } from '../../model';
import { isObject } from '../../shared/values';

/** OpenAI's accounting: cached and cache-write tokens are parts of prompt_tokens, reasoning of completion_tokens. */
export function decodeOpenAiUsage(usage: unknown): Usage | null {
  if (!isObject(usage)) return null;
  const prompt = isObject(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const completion = isObject(usage.completion_tokens_details) ? usage.completion_tokens_details : {};
  return {
    inputTokens: tokenCount(usage.prompt_tokens),
    cachedInputTokens: tokenCount(prompt.cached_tokens),
    cacheWriteTokens: tokenCount(prompt.cache_write_tokens),
    outputTokens: tokenCount(usage.completion_tokens),
    reasoningTokens: tokenCount(completion.reasoning_tokens),
  };
}

export function encodeOpenAiUsage(usage: Usage): OpenAI.CompletionUsage {
  const promptDetails: OpenAI.CompletionUsage.PromptTokensDetails = { cached_tokens: usage.cachedInputTokens };
  if (usage.cacheWriteTokens > 0) promptDetails.cache_write_tokens = usage.cacheWriteTokens;
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}
