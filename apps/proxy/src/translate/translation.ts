import type { BilledEndpoint } from '@gw/billing';
import { GatewayError } from '@gw/common';
import type { ModelRecord, UsageProtocol } from '@gw/db';
import { ClientProtocol, ProviderProtocol, TranslateError, translateRequest, type TranslateRequestOptions } from '@gw/translate';
import type { GatewayEndpoint } from '../context/request-context';
import { DEFAULT_ANTHROPIC_VERSION } from '../pipeline/anthropic-headers';
import type { JsonOffload } from '../validation/json-offload';

/** The client protocol each translatable endpoint speaks (count_tokens and embeddings are never translated). */
const CLIENT_PROTOCOL: Partial<Record<GatewayEndpoint, ClientProtocol>> = {
  'chat.completions': 'openai-chat',
  responses: 'openai-responses',
  messages: 'anthropic',
  generate_content: 'gemini',
};

/** How the gateway speaks to a provider of each native protocol, and which of its endpoints the hold is planned on. */
const PROVIDER_SIDE: Record<UsageProtocol, { protocol: ProviderProtocol; endpoint: BilledEndpoint }> = {
  openai: { protocol: 'openai-chat', endpoint: 'chat.completions' },
  anthropic: { protocol: 'anthropic', endpoint: 'messages' },
  gemini: { protocol: 'gemini', endpoint: 'generate_content' },
};

/** A request served to a model of another protocol than the client's: what the relay needs to translate back. */
export interface Translation {
  readonly from: ClientProtocol;
  readonly to: ProviderProtocol;
  /** The provider's endpoint: the hold is planned, and its output limit set, on the translated request. */
  readonly endpoint: BilledEndpoint;
  /** The client's validated body (a Responses answer echoes its parameters). */
  readonly clientBody: Record<string, unknown>;
  /**
   * The client's own protocol headers (validated, e.g. anthropic-version): what a failover link of the client's
   * protocol sends natively (TranslatedRelay never sends them: the provider gets translatedHeaders).
   */
  readonly clientHeaders: Readonly<Record<string, string>>;
  /** An OpenAI chat client's `stream_options.include_usage` (the provider is always asked for usage). */
  readonly includeUsage: boolean;
  /** Milliseconds spent translating this request so far, both ways (gw_stage_duration_seconds{stage="translate"}). */
  elapsedMs: number;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
/** What a translated request to an Anthropic model sends upstream: the version the translation is written for. */
const TRANSLATED_ANTHROPIC_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'anthropic-version': DEFAULT_ANTHROPIC_VERSION });

/** The protocol headers a translated request sends a provider: another protocol's headers mean nothing to it. */
export function translatedHeaders(native: UsageProtocol): Readonly<Record<string, string>> {
  return native === 'anthropic' ? TRANSLATED_ANTHROPIC_HEADERS : NO_HEADERS;
}

/** The client protocol of an endpoint that can be translated, or undefined. */
export function clientProtocolOf(endpoint: GatewayEndpoint): ClientProtocol | undefined {
  return CLIENT_PROTOCOL[endpoint];
}

/**
 * translateForProvider of a large body (one JsonOffload parsed), in a worker thread (JsonOffload.translate): the same
 * provider body and the same 400s, without holding the event loop for the translation (hundreds of milliseconds on
 * megabytes of tool calls) or for serialising the result. Null when the worker cannot take it: the caller translates
 * it with translateForProvider.
 */
export async function translateLargeForProvider(
  json: JsonOffload,
  from: ClientProtocol,
  native: UsageProtocol,
  body: Record<string, unknown>,
  model: ModelRecord,
  stream: boolean,
  clientHeaders: Readonly<Record<string, string>>,
): Promise<{ body: Record<string, unknown>; translation: Translation } | null> {
  const translated = await json.translate(body, from, PROVIDER_SIDE[native].protocol, requestOptions(model, stream));
  if (translated === null) return null;
  return { body: translated.body, translation: translationOf(from, native, body, clientHeaders, translated) };
}

/**
 * The client's validated body -> the provider's request body, in the model's native protocol. A feature the provider
 * cannot honour, or a body the decoder finds invalid, is a 400 naming it (before any money moves).
 */
export function translateForProvider(
  from: ClientProtocol,
  native: UsageProtocol,
  body: Record<string, unknown>,
  model: ModelRecord,
  stream: boolean,
  clientHeaders: Readonly<Record<string, string>>,
): { body: Record<string, unknown>; translation: Translation } {
  const started = performance.now();
  let translated;
  try {
    translated = translateRequest(from, PROVIDER_SIDE[native].protocol, body, requestOptions(model, stream));
  } catch (error) {
    if (error instanceof TranslateError && error.status === 400) throw GatewayError.invalidRequest(error.message);
    throw error;
  }
  const done = { includeUsage: translated.request.streamIncludeUsage === true, elapsedMs: performance.now() - started };
  return { body: translated.body as Record<string, unknown>, translation: translationOf(from, native, body, clientHeaders, done) };
}

/** What translateRequest needs of the model and the request, on the event loop or in a worker thread. */
function requestOptions(model: ModelRecord, stream: boolean): TranslateRequestOptions {
  return { model: model.upstreamModel, modelMaxOutputTokens: model.maxOutputTokens, stream };
}

/** The record of a body translated for `native`'s provider, for the relay that translates the answer back. */
function translationOf(
  from: ClientProtocol,
  native: UsageProtocol,
  clientBody: Record<string, unknown>,
  clientHeaders: Readonly<Record<string, string>>,
  done: { includeUsage: boolean; elapsedMs: number },
): Translation {
  const side = PROVIDER_SIDE[native];
  return { from, to: side.protocol, endpoint: side.endpoint, clientBody, clientHeaders, includeUsage: done.includeUsage, elapsedMs: done.elapsedMs };
}
