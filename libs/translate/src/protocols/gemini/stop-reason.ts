import type { StopReason } from '../../model';

const FILTERED = new Set([
  'SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION', 'LANGUAGE', 'MODEL_ARMOR',
]);

/** Gemini says STOP for an answer that calls tools too: `calledTools` makes it tool_use. */
export function decodeGeminiFinishReason(reason: unknown, calledTools: boolean): StopReason {
  if (reason === 'MAX_TOKENS') return 'max_tokens';
  if (typeof reason === 'string' && FILTERED.has(reason)) return 'content_filter';
  if (reason === 'STOP' || reason === 'FINISH_REASON_UNSPECIFIED' || reason === undefined) return calledTools ? 'tool_use' : 'end_turn';
  return 'error';
}

export type GeminiFinishReason = 'STOP' | 'MAX_TOKENS' | 'SAFETY' | 'OTHER';

export function encodeGeminiFinishReason(reason: StopReason): GeminiFinishReason {
  switch (reason) {
    case 'max_tokens':
      return 'MAX_TOKENS';
    case 'content_filter':
      return 'SAFETY';
    case 'error':
      return 'OTHER';
    default:
      return 'STOP';
  }
}
