/**
 * The stop reason of an answer in each provider protocol's own words, for the usage record and the generation lookup
 * (stop, length, tool_calls; end_turn, max_tokens, tool_use; STOP, MAX_TOKENS; completed, max_output_tokens). Null
 * when the answer carries none (a stream cut short, an embedding).
 */
const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/** OpenAI chat: the first choice's finish_reason (a completion or a stream chunk). */
export function chatFinishReason(choices: unknown): string | null {
  if (!Array.isArray(choices)) return null;
  for (const choice of choices) {
    const reason = text((choice as { finish_reason?: unknown } | null)?.finish_reason);
    if (reason !== null) return reason;
  }
  return null;
}

/** OpenAI Responses: why an incomplete response stopped (max_output_tokens, content_filter), else its status. */
export function responseFinishReason(response: unknown): string | null {
  if (typeof response !== 'object' || response === null) return null;
  const r = response as { status?: unknown; incomplete_details?: { reason?: unknown } | null };
  return text(r.incomplete_details?.reason) ?? text(r.status);
}

/** Anthropic: the message's stop_reason (a message, or a stream's message_delta). */
export function anthropicFinishReason(stopReason: unknown): string | null {
  return text(stopReason);
}

/** Gemini: the first candidate's finishReason. */
export function geminiFinishReason(candidates: unknown): string | null {
  if (!Array.isArray(candidates)) return null;
  for (const candidate of candidates) {
    const reason = text((candidate as { finishReason?: unknown } | null)?.finishReason);
    if (reason !== null) return reason;
  }
  return null;
}
