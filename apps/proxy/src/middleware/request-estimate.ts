import {
  anthropicMessagesInputTokens,
  estimateMicros,
  openAiChatInputTokens,
  openAiEmbeddingInputTokens,
} from '@gw/billing';
import type { ModelRecord } from '@gw/db';
import type { GatewayEndpoint } from '../context/gateway-context';

export interface RequestEstimate {
  inputTokens: number;
  maxOutputTokens: number;
  amountMicros: bigint;
}

const positiveInt = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;

/**
 * The hold for a request (spec/proxy.md, "Billing of one request", step 1): input tokens counted from the body, output
 * tokens from the request's limit or the model's max output, times the number of choices asked for.
 */
export function estimateRequest(endpoint: GatewayEndpoint, body: Record<string, unknown>, model: ModelRecord): RequestEstimate {
  let inputTokens = 0;
  let maxOutputTokens = 0;
  switch (endpoint) {
    case 'chat.completions': {
      inputTokens = openAiChatInputTokens(body);
      const limit = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens) ?? model.maxOutputTokens;
      maxOutputTokens = Math.min(limit, model.maxOutputTokens) * (positiveInt(body.n) ?? 1);
      break;
    }
    case 'messages':
      inputTokens = anthropicMessagesInputTokens(body);
      maxOutputTokens = Math.min(positiveInt(body.max_tokens) ?? model.maxOutputTokens, model.maxOutputTokens);
      break;
    case 'embeddings':
      inputTokens = openAiEmbeddingInputTokens(body);
      break;
    default:
      break;
  }
  return { inputTokens, maxOutputTokens, amountMicros: estimateMicros(priceOf(model), inputTokens, maxOutputTokens) };
}

export function priceOf(model: ModelRecord) {
  return {
    inputMicrosPerMTok: model.inputMicrosPerMTok,
    outputMicrosPerMTok: model.outputMicrosPerMTok,
    cachedInputMicrosPerMTok: model.cachedInputMicrosPerMTok,
    cacheWriteMicrosPerMTok: model.cacheWriteMicrosPerMTok,
  };
}
