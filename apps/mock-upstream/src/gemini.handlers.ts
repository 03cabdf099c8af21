import type { Exchange, Handler } from './exchange';
import type { FailFirstRegistry } from './fail-first';
import {
  type GenerateContentRequest,
  InvalidArgument,
  readCountTokensRequest,
  readGenerateContentRequest,
} from './gemini.request';
import {
  type GeminiAnswer,
  GeminiArrayStream,
  GeminiChunks,
  GeminiSseStream,
  indented,
  TRUNCATED_CHUNK,
  TRUNCATED_RESPONSE,
} from './gemini.responses';
import { GOOGLE_JSON_CONTENT_TYPE, sendGoogleJson, sendText } from './http-io';
import { answerWithMarkers, failedFirst } from './marked-answer';
import { cachedWithinInput, type Markers, parseMarkers, planOutput } from './markers';
import { GEMINI_MODELS } from './models';
import { sendProviderError } from './provider-errors';
import { SSE_HEADERS, streamFrames } from './sse';

export interface GeminiHandlers {
  readonly generateContent: Handler;
  readonly streamGenerateContent: Handler;
  readonly countTokens: Handler;
  readonly models: Handler;
  readonly model: Handler;
}

/** Google's default page size of `models.list`, and its largest. */
export const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/** The Gemini API (`/v1beta/models/…`); the model is the route's `{model}` parameter, any name is answered. */
export function createGeminiHandlers(nextId: () => number, failures: FailFirstRegistry): GeminiHandlers {
  const generate = (x: Exchange, stream: boolean): void => {
    const req = readGenerateContentRequest(x.body);
    if (req instanceof InvalidArgument) return sendProviderError(x.res, 'gemini', 400, { message: req.message });
    const markers = parseMarkers(req.lastUserText);
    if (failedFirst(x, 'gemini', markers, failures, req.lastUserText)) return;
    answerWithMarkers(x, 'gemini', markers, () => {
      const chunks = new GeminiChunks(answerFor(x.param, req, markers, nextId()));
      const sse = stream && new URLSearchParams(x.query).get('alt') === 'sse';
      if (markers.invalidJson) return sendTruncated(x, stream, sse);
      if (!stream) return sendText(x.res, 200, indented(chunks.whole()), GOOGLE_JSON_CONTENT_TYPE);
      const source = sse ? new GeminiSseStream(chunks) : new GeminiArrayStream(chunks);
      streamFrames(x, source, markers, source.headers);
    });
  };

  return {
    generateContent: (x) => generate(x, false),
    streamGenerateContent: (x) => generate(x, true),

    countTokens(x: Exchange): void {
      const req = readCountTokensRequest(x.body);
      if (req instanceof InvalidArgument) return sendProviderError(x.res, 'gemini', 400, { message: req.message });
      const details = [{ modality: 'TEXT', tokenCount: req.inputTokens }];
      sendGoogleJson(x.res, 200, { totalTokens: req.inputTokens, promptTokensDetails: details });
    },

    models(x: Exchange): void {
      const page = readPage(x.query);
      if (page instanceof InvalidArgument) return sendProviderError(x.res, 'gemini', 400, { message: page.message });
      const end = page.offset + page.size;
      const body: { models: unknown[]; nextPageToken?: string } = { models: GEMINI_MODELS.slice(page.offset, end) };
      if (end < GEMINI_MODELS.length) body.nextPageToken = pageToken(end);
      sendGoogleJson(x.res, 200, body);
    },

    model(x: Exchange): void {
      const name = x.param.startsWith('models/') ? x.param : `models/${x.param}`;
      const model = GEMINI_MODELS.find((m) => m.name === name);
      if (model !== undefined) return sendGoogleJson(x.res, 200, model);
      const message =
        `${name} is not found for API version v1beta, or is not supported for GET. ` +
        'Call ListModels to see the list of available models and their supported methods.';
      sendProviderError(x.res, 'gemini', 404, { message });
    },
  };
}

function answerFor(
  model: string,
  req: GenerateContentRequest,
  markers: Markers,
  n: number,
): GeminiAnswer {
  const output = planOutput(markers, req.maxOutputTokens, 'reported');
  const functionName = markers.toolCall ? req.functionName : undefined;
  return {
    responseId: `mockresp${n}`,
    model,
    inputTokens: req.inputTokens,
    cachedTokens: cachedWithinInput(markers, req.inputTokens),
    outputTokens: output.tokens,
    thoughtsTokens: output.reasoningTokens,
    // A function call is a normal stop for Gemini.
    finishReason: output.capped && functionName === undefined ? 'MAX_TOKENS' : 'STOP',
    functionName,
  };
}

function sendTruncated(x: Exchange, stream: boolean, sse: boolean): void {
  if (!stream) return sendText(x.res, 200, TRUNCATED_RESPONSE, GOOGLE_JSON_CONTENT_TYPE);
  if (!sse) return sendText(x.res, 200, `[${TRUNCATED_RESPONSE}`, GOOGLE_JSON_CONTENT_TYPE);
  x.res.writeHead(200, SSE_HEADERS);
  x.res.end(`data: ${TRUNCATED_CHUNK}\r\n\r\n`);
}

interface Page {
  readonly offset: number;
  readonly size: number;
}

/** `pageSize` (default 50, at most 1000; 0 means the default) and `pageToken` (from a previous `nextPageToken`). */
function readPage(query: string): Page | InvalidArgument {
  const params = new URLSearchParams(query);
  const rawSize = params.get('pageSize');
  let size = DEFAULT_PAGE_SIZE;
  if (rawSize !== null && rawSize !== '') {
    const n = Number(rawSize);
    if (!Number.isInteger(n) || n < 0) {
      return new InvalidArgument(`Invalid value at 'page_size' (TYPE_INT32), "${rawSize}"`);
    }
    if (n > 0) size = Math.min(n, MAX_PAGE_SIZE);
  }
  const token = params.get('pageToken');
  if (token === null || token === '') return { offset: 0, size };
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset <= 0) return new InvalidArgument('Invalid page token.');
  return { offset, size };
}

function pageToken(offset: number): string {
  return Buffer.from(String(offset), 'utf8').toString('base64url');
}
