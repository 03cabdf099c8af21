import type { ModelProvider } from '@gw/db';
import type { ModelAllowances } from './request-text';

/** The encodings the gateway can count exactly (gpt-tokenizer's names). */
export type ExactEncoding = 'o200k_base' | 'cl100k_base';

/** What the estimate needs to know of a model. */
export interface TokenizedModel {
  provider: ModelProvider;
  kind: 'chat' | 'embedding';
  /** The name the provider knows it by: it says which tokenizer the provider bills with. */
  upstreamModel: string;
  maxOutputTokens: number;
  /** The most input tokens one request can hold. */
  contextWindow: number;
}

// OpenAI's published encodings by model family (tiktoken's model map). Anything else, including models of other
// vendors served over the OpenAI protocol, has no exact count: its hold stays on the byte bound.
const O200K = /^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4)(\b|-|$)/;
const CL100K = /^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)(\b|-|$)/;

/** The tokenizer the provider bills this model with, when the gateway has it; null otherwise. */
export function exactEncodingOf(model: TokenizedModel): ExactEncoding | null {
  if (model.provider !== 'openai') return null;
  if (O200K.test(model.upstreamModel)) return 'o200k_base';
  if (CL100K.test(model.upstreamModel)) return 'cl100k_base';
  return null;
}

/**
 * The most one image can cost, in input tokens. OpenAI: tile-priced models at most 85 + 170 x 8 tiles = 1,445
 * (gpt-4o, gpt-4.1, gpt-5), patch-priced ones at most 1,536 patches x their multiplier (x 2.46 for the nano models:
 * 3,779); gpt-4o-mini bills 2,833 + 5,667 per tile, 48,169 for 8 tiles. Anthropic: (width x height) / 750 after
 * resizing to about 1.15 megapixels, about 1,600.
 */
export function imageTokenAllowance(model: TokenizedModel): number {
  if (model.provider === 'anthropic') return 1_600;
  if (/^gpt-4o-mini(\b|-|$)/.test(model.upstreamModel)) return 48_200;
  return 3_800;
}

export function modelAllowances(model: TokenizedModel): ModelAllowances {
  return { imageTokens: imageTokenAllowance(model), answerTokens: model.maxOutputTokens, referencedTokens: model.contextWindow };
}
