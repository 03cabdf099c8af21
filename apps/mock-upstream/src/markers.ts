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
});

/** Keeps a marker from making the mock build gigabytes of reply text. */
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
    }
  }
  return markers;
}

export interface OutputPlan {
  readonly tokens: number;
  /** The request's max tokens cut the answer short. */
  readonly capped: boolean;
}

export const DEFAULT_OUTPUT_TOKENS = 16;

export function planOutput(markers: Markers, maxTokens: number | undefined): OutputPlan {
  const wanted = markers.outputTokens ?? DEFAULT_OUTPUT_TOKENS;
  if (maxTokens !== undefined && wanted > maxTokens) return { tokens: maxTokens, capped: true };
  return { tokens: wanted, capped: false };
}
