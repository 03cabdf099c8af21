import type { ModelRecord } from '@gw/db';
import { HoldPlan } from '../estimate/hold-plan';
import { exactEncodingOf, modelAllowances } from '../estimate/model-tokens';
import {
  anthropicMessagesText,
  geminiGenerateContentText,
  openAiChatText,
  openAiEmbeddingText,
  openAiPredictionText,
  openAiResponsesText,
} from '../estimate/request-text';
import { tokenBound } from '../estimate/token-bound';
import type { ModelPrice } from '../pricing';

/** The proxy endpoints, as the estimate tells them apart (the ones it does not name cost nothing to hold). */
export type BilledEndpoint =
  | 'chat.completions'
  | 'responses'
  | 'embeddings'
  | 'messages'
  | 'count_tokens'
  | 'models'
  | 'generate_content'
  | 'key_info'
  | 'generation';

const positiveInt = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;

/**
 * Anthropic's max_tokens, 0 included: 0 is its prompt-cache pre-warming (the prompt is read and cached, nothing
 * generated), a limit like any other, not "none" (made the model's maximum, it generated and billed a whole answer).
 */
const anthropicMaxTokens = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;

/**
 * The output tokens one choice may produce: the request's own limit, never above the model's max output, the model's
 * max when the request sets none. withOutputLimit sends exactly this upstream, so the provider cannot produce more than
 * the hold covers, whatever the provider's own default or maximum.
 */
export function outputLimit(endpoint: BilledEndpoint, body: Record<string, unknown>, model: ModelRecord): number {
  switch (endpoint) {
    case 'chat.completions': {
      const asked = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens) ?? model.maxOutputTokens;
      return Math.min(asked, model.maxOutputTokens);
    }
    case 'messages':
      return Math.min(anthropicMaxTokens(body.max_tokens) ?? model.maxOutputTokens, model.maxOutputTokens);
    case 'responses':
      // Reasoning tokens count within max_output_tokens.
      return Math.min(positiveInt(body.max_output_tokens) ?? model.maxOutputTokens, model.maxOutputTokens);
    case 'generate_content':
      return Math.min(positiveInt(generationConfigOf(body).maxOutputTokens) ?? model.maxOutputTokens, model.maxOutputTokens);
    default:
      return 0;
  }
}

/**
 * Everything a request can cost (spec/proxy.md, "Billing of one request", step 1): what it sends, and output up to its
 * limit (outputLimit) for each choice asked for, plus predicted output (billed as output whether the answer uses it
 * or not). The hold is a quote on this plan: the byte bound, or an exact count (HoldPlacer).
 */
export function holdPlan(endpoint: BilledEndpoint, body: Record<string, unknown>, model: ModelRecord): HoldPlan {
  const price = priceOf(model);
  const encoding = exactEncodingOf(model);
  const allowances = modelAllowances(model);
  const limit = outputLimit(endpoint, body, model);
  switch (endpoint) {
    case 'chat.completions':
      return {
        price,
        encoding,
        input: openAiChatText(body, allowances),
        outputTokens: limit * (positiveInt(body.n) ?? 1) + tokenBound(openAiPredictionText(body)),
      };
    case 'messages':
      return { price, encoding, input: anthropicMessagesText(body, allowances), outputTokens: limit };
    case 'responses':
      return { price, encoding, input: openAiResponsesText(body, allowances), outputTokens: limit };
    case 'generate_content':
      // Gemini counts thinking within maxOutputTokens; each candidate asked for has its own.
      return {
        price,
        encoding,
        input: geminiGenerateContentText(body, allowances),
        outputTokens: limit * (positiveInt(generationConfigOf(body).candidateCount) ?? 1),
      };
    case 'embeddings':
      return { price, encoding, input: openAiEmbeddingText(body), outputTokens: 0 };
    default:
      return { price, encoding, input: { pieces: [], allowanceTokens: 0 }, outputTokens: 0 };
  }
}

/**
 * The body to send upstream, with the output limit the hold covers made explicit. A client that sets none would
 * otherwise get the provider's default, which may exceed the catalog's max output (a new model snapshot, a catalog
 * configured below the provider's maximum): the hold would no longer be an upper bound. A limit above the model's max
 * is lowered to it (the provider would refuse it anyway). OpenAI: every limit the client sent is capped
 * (max_completion_tokens, and the legacy max_tokens), and max_completion_tokens is added when it sent neither (the one
 * every current model takes). Anthropic requires max_tokens: it is capped. The Responses API's max_output_tokens is
 * capped, or added when absent. Gemini: generationConfig.maxOutputTokens, set or capped.
 */
export function withOutputLimit(
  endpoint: BilledEndpoint,
  body: Record<string, unknown>,
  limit: number,
): Record<string, unknown> {
  switch (endpoint) {
    case 'chat.completions': {
      const capped = { ...body };
      let sent = false;
      for (const field of ['max_completion_tokens', 'max_tokens']) {
        if (body[field] === undefined || body[field] === null) continue;
        sent = true;
        if (positiveInt(body[field]) === null || (body[field] as number) > limit) capped[field] = limit;
      }
      if (!sent) capped.max_completion_tokens = limit;
      return capped;
    }
    case 'messages': {
      const asked = anthropicMaxTokens(body.max_tokens);
      return asked !== null && asked <= limit ? body : { ...body, max_tokens: limit };
    }
    case 'responses':
      return positiveInt(body.max_output_tokens) !== null && (body.max_output_tokens as number) <= limit
        ? body
        : { ...body, max_output_tokens: limit };
    case 'generate_content': {
      const config = generationConfigOf(body);
      const asked = positiveInt(config.maxOutputTokens);
      return asked !== null && asked <= limit ? body : { ...body, generationConfig: { ...config, maxOutputTokens: limit } };
    }
    default:
      return body;
  }
}

/** A Gemini request's generationConfig (validated: an object when present). */
function generationConfigOf(body: Record<string, unknown>): Record<string, unknown> {
  const config = body.generationConfig;
  return typeof config === 'object' && config !== null ? (config as Record<string, unknown>) : {};
}

/**
 * The prices the provider charges for a model: the catalog's upstream table (libs/catalog, model-prices.ts) when the
 * record carries one; a record without it was never marked up (one built outside the catalog), so its prices are
 * the provider's.
 */
export function upstreamPriceOf(model: ModelRecord & { upstream?: ModelPrice }): ModelPrice {
  return model.upstream ?? priceOf(model);
}

export function priceOf(model: ModelRecord): ModelPrice {
  return {
    inputMicrosPerMTok: model.inputMicrosPerMTok,
    outputMicrosPerMTok: model.outputMicrosPerMTok,
    cachedInputMicrosPerMTok: model.cachedInputMicrosPerMTok,
    cacheWriteMicrosPerMTok: model.cacheWriteMicrosPerMTok,
  };
}
