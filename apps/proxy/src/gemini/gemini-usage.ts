import type { TokenUsage } from '@gw/billing';
import { decodeGeminiUsage } from '@gw/translate';

/**
 * Gemini's usageMetadata -> TokenUsage, or null when it reports no prompt count (nothing reported). Google's own
 * accounting (libs/translate): cachedContentTokenCount is part of promptTokenCount (billed at the cached price),
 * thoughtsTokenCount comes on top of candidatesTokenCount and is billed as output; a tool's prompt
 * (toolUsePromptTokenCount) is input.
 */
export function fromGeminiUsage(metadata: unknown): TokenUsage | null {
  if (typeof metadata !== 'object' || metadata === null) return null;
  if (typeof (metadata as { promptTokenCount?: unknown }).promptTokenCount !== 'number') return null;
  return decodeGeminiUsage(metadata);
}
