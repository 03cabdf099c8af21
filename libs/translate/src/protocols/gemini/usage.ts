import { tokenCount, Usage } from '../../model';
import { isObject } from '../../shared/values';

/**
 * Gemini's accounting: cachedContentTokenCount is part of promptTokenCount (as is a tool's prompt,
 * toolUsePromptTokenCount, which Gemini reports beside it), and thoughtsTokenCount comes on top of
 * candidatesTokenCount.
 */
export function decodeGeminiUsage(metadata: unknown): Usage | null {
  if (!isObject(metadata)) return null;
  const thoughts = tokenCount(metadata.thoughtsTokenCount);
  return {
    inputTokens: tokenCount(metadata.promptTokenCount) + tokenCount(metadata.toolUsePromptTokenCount),
    cachedInputTokens: tokenCount(metadata.cachedContentTokenCount),
    cacheWriteTokens: 0,
    outputTokens: tokenCount(metadata.candidatesTokenCount) + thoughts,
    reasoningTokens: thoughts,
  };
}

/** The usageMetadata of a Gemini answer (cache writes, which Gemini has no field for, count as prompt tokens). */
export interface GeminiUsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

export function encodeGeminiUsage(usage: Usage): GeminiUsageMetadata {
  const metadata: GeminiUsageMetadata = {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: Math.max(0, usage.outputTokens - usage.reasoningTokens),
    totalTokenCount: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cachedInputTokens > 0) metadata.cachedContentTokenCount = usage.cachedInputTokens;
  if (usage.reasoningTokens > 0) metadata.thoughtsTokenCount = usage.reasoningTokens;
  return metadata;
}
