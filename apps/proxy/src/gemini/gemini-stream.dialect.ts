import type { EventSourceMessage } from 'eventsource-parser';
import { geminiFinishReason } from '../relay/finish-reason';
import { countDeliveredTokens, TokenUsage } from '@gw/billing';
import { errorBodyText, GatewayError } from '@gw/common';
import type { GeminiFraming } from '@gw/translate';
import { DeliveredUsage, sseFrame, StreamDialect } from '../relay/stream-dialect';
import { candidateParts, partsText, thoughtsText } from './gemini-answers';
import { fromGeminiUsage } from './gemini-usage';

interface Chunk {
  candidates?: unknown;
  usageMetadata?: unknown;
  promptFeedback?: { blockReason?: unknown } | null;
  error?: { code?: unknown; status?: unknown } | null;
}

export const JSON_ARRAY_CONTENT_TYPE = 'application/json; charset=utf-8';
const INVALID_EVENT = 'The upstream provider sent an invalid stream event';

function parse(data: string): Chunk {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw GatewayError.upstream(INVALID_EVENT);
  }
  if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) throw GatewayError.upstream(INVALID_EVENT);
  return chunk as Chunk;
}

/** The chunk ends the answer: every candidate has its finishReason, or the prompt was blocked (no candidates). */
function isLast(chunk: Chunk): boolean {
  const candidates = chunk.candidates;
  if (Array.isArray(candidates) && candidates.length > 0) {
    return candidates.every((candidate) => typeof (candidate as { finishReason?: unknown } | null)?.finishReason === 'string');
  }
  return chunk.promptFeedback?.blockReason !== undefined;
}

/**
 * The chunks of a streamed generateContent. The upstream is always read as SSE (`alt=sse`); the client gets its
 * chunks as it asked: SSE frames (`data: {GenerateContentResponse}`), or one JSON array that grows (`[{…}`, `,\r\n{…}`,
 * then `]`), Gemini's default. Chunks are passed on as the provider wrote them. Gemini has no closing event: the
 * answer is complete with the chunk that carries the finishReason (and the final usageMetadata). Every chunk's
 * usageMetadata is cumulative: the latest one is the provider's count of the stream so far; the text of the parts is
 * also counted as it arrives, for a stream whose chunks carry no usage.
 */
export class GeminiStreamDialect implements StreamDialect {
  finished = false;
  readonly contentType: string | undefined;
  private usage: TokenUsage | null = null;
  private deliveredTokens = 0;
  /** The part of deliveredTokens that came in thought parts. */
  private deliveredThoughtTokens = 0;
  private stopReason: string | null = null;
  private elements = 0;

  constructor(private readonly framing: GeminiFraming) {
    this.contentType = framing === 'json-array' ? JSON_ARRAY_CONTENT_TYPE : undefined;
  }

  onEvent(event: EventSourceMessage): string {
    const chunk = parse(event.data);
    if (typeof chunk.error === 'object' && chunk.error !== null) throw upstreamStreamError(chunk.error);
    this.usage = fromGeminiUsage(chunk.usageMetadata) ?? this.usage;
    this.stopReason = geminiFinishReason(chunk.candidates) ?? this.stopReason;
    const parts = candidateParts(chunk.candidates);
    const text = partsText(parts);
    if (text.length > 0) this.deliveredTokens += countDeliveredTokens(text);
    const thoughts = thoughtsText(parts);
    if (thoughts.length > 0) this.deliveredThoughtTokens += countDeliveredTokens(thoughts);
    this.finished = isLast(chunk);
    return this.element(event.data, this.finished);
  }

  errorEvent(error: GatewayError): string {
    return this.element(errorBodyText('gemini', error), true);
  }

  finishReason(): string | null {
    return this.stopReason;
  }

  reportedUsage(): TokenUsage | null {
    return this.usage;
  }

  deliveredUsage(): DeliveredUsage {
    // The latest usageMetadata is the provider's count of the prompt and the thoughts so far. Its candidatesTokenCount
    // may lag behind the text (Google leaves it out of the chunks before the last one, or sends usage in some chunks
    // only): the output delivered is never counted below the text the gateway counted as it went (spec/proxy.md, "a
    // cut stream: the tokens delivered so far, counted by the gateway").
    if (this.usage !== null) {
      const reportedThoughts = this.usage.reasoningTokens ?? 0;
      const candidates = Math.max(this.usage.outputTokens - reportedThoughts, this.deliveredTokens - this.deliveredThoughtTokens);
      const thoughts = Math.max(reportedThoughts, this.deliveredThoughtTokens);
      return { usage: { ...this.usage, outputTokens: candidates + thoughts, reasoningTokens: thoughts }, inputReported: true };
    }
    return { usage: { inputTokens: 0, outputTokens: this.deliveredTokens, cachedInputTokens: 0, cacheWriteTokens: 0 }, inputReported: false };
  }

  /** One chunk in the client's framing; `last` closes the JSON array. */
  private element(json: string, last: boolean): string {
    if (this.framing === 'sse') return sseFrame(undefined, json);
    const element = `${this.elements++ === 0 ? '[' : ',\r\n'}${json}`;
    return last ? `${element}]` : element;
  }
}

/** Google's own mid-stream error: UNAVAILABLE (503) is the provider being overloaded, anything else its failure. */
function upstreamStreamError(error: { code?: unknown; status?: unknown }): GatewayError {
  if (error.code === 503 || error.status === 'UNAVAILABLE') return GatewayError.unavailable('The upstream provider is overloaded; retry later');
  return GatewayError.upstream('The upstream provider reported an error mid-stream');
}
