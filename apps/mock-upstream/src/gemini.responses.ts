import type { OutgoingHttpHeaders } from 'node:http';
import { GOOGLE_JSON_CONTENT_TYPE } from './http-io';
import { replyPiece, replyPieceJson, replyText } from './mock-text';
import { providerErrorBody, streamFailure } from './provider-errors';
import { type FrameSource, SSE_HEADERS } from './sse';

export type GeminiFinishReason = 'STOP' | 'MAX_TOKENS';

export interface GeminiAnswer {
  readonly responseId: string;
  /** `modelVersion`: the model named in the path. */
  readonly model: string;
  readonly inputTokens: number;
  /** Of the input tokens, how many came from cached content. */
  readonly cachedTokens: number;
  /** Visible output tokens: the words of the reply. */
  readonly outputTokens: number;
  /** Thinking tokens, on top of the candidates' tokens (Google's accounting). */
  readonly thoughtsTokens: number;
  readonly finishReason: GeminiFinishReason;
  /** The function called instead of a text answer. */
  readonly functionName: string | undefined;
}

/*
 * Google writes JSON its own way: `": "` after a key, a bare `,` between members (and, outside SSE, indented by two
 * spaces). Chunks are assembled in the compact form from strings; the indented form is derived from it.
 */

/** Google's totalTokenCount: the prompt (cached content included), the candidates and the thoughts. */
function totalTokens(a: GeminiAnswer, candidates: number): number {
  return a.inputTokens + candidates + a.thoughtsTokens;
}

/** usageMetadata after `candidates` visible tokens; as Google does, counts of zero are left out. */
function usageMetadata(a: GeminiAnswer, candidates: number): string {
  const p = a.inputTokens;
  let json = `{"promptTokenCount": ${p},`;
  if (candidates > 0) json += `"candidatesTokenCount": ${candidates},`;
  json += `"totalTokenCount": ${totalTokens(a, candidates)},`;
  if (a.cachedTokens > 0) json += `"cachedContentTokenCount": ${a.cachedTokens},`;
  json += `"promptTokensDetails": [{"modality": "TEXT","tokenCount": ${p}}]`;
  if (a.cachedTokens > 0) json += `,"cacheTokensDetails": [{"modality": "TEXT","tokenCount": ${a.cachedTokens}}]`;
  if (a.thoughtsTokens > 0) json += `,"thoughtsTokenCount": ${a.thoughtsTokens}`;
  return `${json}}`;
}

function functionCallPart(name: string): string {
  return `{"functionCall": {"name": ${JSON.stringify(name)},"args": {"mock": true}}}`;
}

/** The chunks of a streamed answer (compact JSON), and the whole answer in one. */
export class GeminiChunks {
  /** One chunk per word, or one for a function call. */
  readonly content: number;
  /** The content chunks are words of text (not a function call). */
  readonly text: boolean;
  private readonly tail: string;

  constructor(private readonly answer: GeminiAnswer) {
    this.text = answer.functionName === undefined;
    this.content = this.text ? answer.outputTokens : 1;
    this.tail = `,"modelVersion": ${JSON.stringify(answer.model)},"responseId": "${answer.responseId}"}`;
  }

  /** Chunk `i`: a content chunk, or (i === content) the last one, with the finish reason and the final usage. */
  chunk(i: number): string {
    const a = this.answer;
    if (i === this.content) return this.candidate('{"text": ""}', true, a.outputTokens);
    if (a.functionName !== undefined) return this.candidate(functionCallPart(a.functionName), false, a.outputTokens);
    return this.textChunk(JSON.stringify(replyPiece(i)), i + 1);
  }

  /** A chunk of text (a JSON string literal), after which `candidates` visible tokens have been sent. */
  textChunk(textJson: string, candidates: number): string {
    return this.candidate(`{"text": ${textJson}}`, false, candidates);
  }

  /** What totalTokenCount says after `candidates` visible tokens. */
  total(candidates: number): number {
    return totalTokens(this.answer, candidates);
  }

  /** The whole answer, as `generateContent` gives it. */
  whole(): string {
    const a = this.answer;
    if (a.functionName !== undefined) return this.candidate(functionCallPart(a.functionName), true, a.outputTokens);
    // An answer cut before any text (all thinking) has no parts at all.
    const part = a.outputTokens > 0 ? `{"text": ${JSON.stringify(replyText(a.outputTokens))}}` : undefined;
    return this.candidate(part, true, a.outputTokens);
  }

  private candidate(part: string | undefined, last: boolean, candidates: number): string {
    const content = part === undefined ? '{"role": "model"}' : `{"parts": [${part}],"role": "model"}`;
    const finish = last ? `"finishReason": "${this.answer.finishReason}",` : '';
    return (
      `{"candidates": [{"content": ${content},${finish}"index": 0}],` +
      `"usageMetadata": ${usageMetadata(this.answer, candidates)}${this.tail}`
    );
  }
}

/** The indented form of Google's JSON. */
export function indented(compact: string): string {
  return JSON.stringify(JSON.parse(compact), null, 2);
}

// Stand-ins for what differs between text chunks, to cut one rendered chunk into the pieces all of them share.
const TEXT_STAND_IN = JSON.stringify('\u0000');
const COUNT_STAND_IN = 987_654_321;

/**
 * The content chunks of a text answer, rendered as a stream sends them. Text chunks differ only in their text and two
 * counts, so one is rendered per stream and the others are spliced from its pieces: rendering each anew (indenting
 * it, for the JSON array form) would cost several times as much, and benchmarks measure the gateway against this mock.
 */
class TextFrames {
  private readonly pieces: readonly string[];

  constructor(
    private readonly chunks: GeminiChunks,
    render: (compact: string) => string,
  ) {
    const sample = render(chunks.textChunk(TEXT_STAND_IN, COUNT_STAND_IN));
    const [beforeText, rest] = sample.split(TEXT_STAND_IN);
    const [beforeCount, rest2] = rest.split(String(COUNT_STAND_IN));
    const [beforeTotal, after] = rest2.split(String(chunks.total(COUNT_STAND_IN)));
    this.pieces = [beforeText, beforeCount, beforeTotal, after];
  }

  /** Text chunk `i` (0-based), its word being the reply's i-th. */
  frame(i: number): string {
    const [beforeText, beforeCount, beforeTotal, after] = this.pieces;
    return `${beforeText}${replyPieceJson(i)}${beforeCount}${i + 1}${beforeTotal}${this.chunks.total(i + 1)}${after}`;
  }
}

// A failure mid-stream: Google sends an error object where the next chunk would be.
const STREAM_FAILURE = JSON.stringify(providerErrorBody('gemini', 500, streamFailure('gemini')));

/** A streamed answer: the chunks, each rendered by `render`, text chunks spliced from one rendered sample. */
abstract class GeminiStream implements FrameSource {
  readonly head = 0;
  readonly content: number;
  readonly length: number;
  abstract readonly headers: OutgoingHttpHeaders;
  private readonly textFrames: TextFrames | undefined;

  constructor(
    private readonly chunks: GeminiChunks,
    private readonly render: (compact: string) => string,
  ) {
    this.content = chunks.content;
    this.length = chunks.content + 1;
    this.textFrames = chunks.text && chunks.content > 0 ? new TextFrames(chunks, render) : undefined;
  }

  abstract frame(i: number): string;
  abstract failure(i: number): string;

  protected element(i: number): string {
    if (this.textFrames !== undefined && i < this.content) return this.textFrames.frame(i);
    return this.render(this.chunks.chunk(i));
  }
}

const compact = (json: string): string => json;

/** `?alt=sse`: one `data:` frame per chunk, each ended by a blank line, CRLFs as Google writes them. */
export class GeminiSseStream extends GeminiStream {
  readonly headers: OutgoingHttpHeaders = SSE_HEADERS;

  constructor(chunks: GeminiChunks) {
    super(chunks, compact);
  }

  frame(i: number): string {
    return `data: ${this.element(i)}\r\n\r\n`;
  }

  failure(): string {
    return `data: ${STREAM_FAILURE}\r\n\r\n`;
  }
}

const ARRAY_HEADERS: OutgoingHttpHeaders = Object.freeze({ 'content-type': GOOGLE_JSON_CONTENT_TYPE });

/**
 * Without `alt=sse`: one JSON array streamed as it grows, `[{…}`, then `\n,\r\n{…}` per chunk, then `\n]`, each
 * element indented as Google writes it.
 */
export class GeminiArrayStream extends GeminiStream {
  readonly headers: OutgoingHttpHeaders = ARRAY_HEADERS;

  constructor(chunks: GeminiChunks) {
    super(chunks, indented);
  }

  frame(i: number): string {
    const element = `${i === 0 ? '[' : '\n,\r\n'}${this.element(i)}`;
    return i === this.length - 1 ? `${element}\n]` : element;
  }

  failure(i: number): string {
    return `${i === 0 ? '[' : '\n,\r\n'}${indented(STREAM_FAILURE)}\n]`;
  }
}

/** What `mock:invalid_json` answers with: the start of a response, cut off. */
export const TRUNCATED_RESPONSE = '{\n  "candidates": [\n    {\n      "content": {\n        "parts": [\n          {\n';
export const TRUNCATED_CHUNK = '{"candidates": [{"content": {"parts": [{"text": ';
