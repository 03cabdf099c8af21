/** What the markers in the last user message ask the mock to do. */
export interface Markers {
  readonly outputTokens: number | undefined;
  readonly status: number | undefined;
  readonly delayMs: number;
  readonly stall: boolean;
  readonly invalidJson: boolean;
  readonly dropAfter: number | undefined;
  readonly chunkDelayMs: number;
  readonly toolCall: boolean;
  /** Fail the first N requests with this same text with 503 (see FailFirstRegistry). */
  readonly failFirst: number | undefined;
  /** In a stream, send the provider's in-stream error after N content chunks, then end the stream. */
  readonly failAfter: number | undefined;
  /** Reasoning (thinking) tokens to report besides the visible output; see planOutput. */
  readonly reasoningTokens: number;
  /** Input tokens to report as read from the provider's prompt cache. */
  readonly cachedTokens: number;
  /** Input tokens to report as written to the prompt cache (Anthropic only). */
  readonly cacheWriteTokens: number;
}

export const NO_MARKERS: Markers = Object.freeze({
  outputTokens: undefined,
  status: undefined,
  delayMs: 0,
  stall: false,
  invalidJson: false,
  dropAfter: undefined,
  chunkDelayMs: 0,
  toolCall: false,
  failFirst: undefined,
  failAfter: undefined,
  reasoningTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
});

/** Keeps a marker from making the mock build gigabytes of reply text; also the cap of every reported token count. */
export const MAX_OUTPUT_TOKENS = 1_000_000;
/** setTimeout fires at once for anything longer. */
const MAX_DELAY_MS = 2_147_483_647;

const MARKER = /mock:([a-z_]+)(?:=(\d+))?/g;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Parses `mock:name[=N]` markers; unknown names and out-of-range values are ignored, the last occurrence wins. */
export function parseMarkers(text: string): Markers {
  if (!text.includes('mock:')) return NO_MARKERS;
  const markers: Mutable<Markers> = { ...NO_MARKERS };
  for (const [, name, raw] of text.matchAll(MARKER)) {
    const value = raw === undefined ? undefined : Number(raw);
    switch (name) {
      case 'stall':
        markers.stall = true;
        break;
      case 'invalid_json':
        markers.invalidJson = true;
        break;
      case 'tool_call':
        markers.toolCall = true;
        break;
      case 'output_tokens':
        if (value !== undefined) markers.outputTokens = Math.min(value, MAX_OUTPUT_TOKENS);
        break;
      case 'status':
        // 1xx cannot be a final response.
        if (value !== undefined && value >= 200 && value <= 599) markers.status = value;
        break;
      case 'delay_ms':
        if (value !== undefined) markers.delayMs = Math.min(value, MAX_DELAY_MS);
        break;
      case 'chunk_delay_ms':
        if (value !== undefined) markers.chunkDelayMs = Math.min(value, MAX_DELAY_MS);
        break;
      case 'drop_after':
        if (value !== undefined) markers.dropAfter = value;
        break;
      case 'fail_first':
        if (value !== undefined) markers.failFirst = value;
        break;
      case 'fail_after':
        if (value !== undefined) markers.failAfter = value;
        break;
      case 'reasoning_tokens':
        if (value !== undefined) markers.reasoningTokens = Math.min(value, MAX_OUTPUT_TOKENS);
        break;
      case 'cached_tokens':
        if (value !== undefined) markers.cachedTokens = Math.min(value, MAX_OUTPUT_TOKENS);
        break;
      case 'cache_write_tokens':
        if (value !== undefined) markers.cacheWriteTokens = Math.min(value, MAX_OUTPUT_TOKENS);
        break;
    }
  }
  return markers;
}

export interface OutputPlan {
  /** Visible output tokens: the words of the reply text. */
  readonly tokens: number;
  /** Reasoning tokens, reported besides the visible ones (0 where the provider has none). */
  readonly reasoningTokens: number;
  /** The request's max tokens cut the answer short. */
  readonly capped: boolean;
}

export const DEFAULT_OUTPUT_TOKENS = 16;

/** Whether the provider reports reasoning tokens (OpenAI, Gemini) or not (Anthropic). */
export type ReasoningReport = 'reported' | 'none';

/**
 * How many tokens an answer has. Where reasoning is reported, the model thinks first and its max tokens bound thinking
 * and text together, as with the real providers: reasoning = min(R, max), text = min(N, max - reasoning). Elsewhere
 * the reasoning marker is ignored and text = min(N, max).
 */
export function planOutput(
  markers: Markers,
  maxTokens: number | undefined,
  reasoning: ReasoningReport = 'none',
): OutputPlan {
  const wanted = markers.outputTokens ?? DEFAULT_OUTPUT_TOKENS;
  const thinking = reasoning === 'reported' ? markers.reasoningTokens : 0;
  if (maxTokens === undefined || wanted + thinking <= maxTokens) {
    return { tokens: wanted, reasoningTokens: thinking, capped: false };
  }
  const reasoningTokens = Math.min(thinking, maxTokens);
  return { tokens: Math.min(wanted, maxTokens - reasoningTokens), reasoningTokens, capped: true };
}

/** Cached input tokens where the provider counts them inside the input (OpenAI, Gemini): never more than the input. */
export function cachedWithinInput(markers: Markers, inputTokens: number): number {
  return Math.min(markers.cachedTokens, inputTokens);
}
