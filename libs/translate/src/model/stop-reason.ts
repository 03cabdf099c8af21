/**
 * Why the model stopped, in one vocabulary for every protocol (Anthropic's, which is the finest-grained of the
 * three; `error` covers a provider's own failure reasons such as Gemini's MALFORMED_FUNCTION_CALL).
 */
export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'content_filter' | 'error';
