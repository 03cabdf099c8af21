import { UntranslatableFeatureError } from '../errors';
import type { ClientProtocol, ProviderProtocol } from '../protocols';
import { isSet, Json } from './values';

/** What a request decoder needs besides the body: where the request goes, and where to list dropped hints. */
export interface DecodeContext {
  target: ProviderProtocol;
  /** Client fields dropped as harmless hints (README, "Translation"), for the caller to log. */
  dropped: string[];
}

/** What a request encoder needs besides the request. */
export interface EncodeContext {
  /** The client's protocol: what an encoder refuses is named as the client named it (CLIENT_FEATURE_NAMES). */
  source: ClientProtocol;
  target: ProviderProtocol;
  dropped: string[];
  /** The provider's name of the model. */
  model: string;
  /** The model's maximum output, for a provider that requires a limit (Anthropic) when the client gave none. */
  modelMaxOutputTokens: number;
}

export function untranslatable(ctx: { target: ProviderProtocol }, feature: string): UntranslatableFeatureError {
  return new UntranslatableFeatureError(feature, ctx.target);
}

/**
 * Features an encoder refuses, as each client protocol that can ask for them names them. The encoder sees only the
 * internal request, so without this a Gemini client's `presencePenalty` was refused as `presence_penalty` and an
 * Anthropic client's `disable_parallel_tool_use` as `parallel_tool_calls: false`: names it never sent.
 */
export const CLIENT_FEATURE_NAMES = {
  topK: { 'openai-chat': 'top_k', 'openai-responses': 'top_k', anthropic: 'top_k', gemini: 'topK' },
  presencePenalty: {
    'openai-chat': 'presence_penalty',
    'openai-responses': 'presence_penalty',
    anthropic: 'presence_penalty',
    gemini: 'presencePenalty',
  },
  frequencyPenalty: {
    'openai-chat': 'frequency_penalty',
    'openai-responses': 'frequency_penalty',
    anthropic: 'frequency_penalty',
    gemini: 'frequencyPenalty',
  },
  jsonWithoutSchema: {
    'openai-chat': 'JSON mode without a schema (json_object)',
    'openai-responses': 'JSON mode without a schema (text.format json_object)',
    anthropic: 'JSON mode without a schema',
    gemini: "JSON mode without a schema (responseMimeType 'application/json' without responseSchema)",
  },
  serialToolCalls: {
    'openai-chat': 'parallel_tool_calls: false',
    'openai-responses': 'parallel_tool_calls: false',
    anthropic: 'tool_choice.disable_parallel_tool_use: true',
    gemini: 'serial function calls',
  },
} as const satisfies Record<string, Record<ClientProtocol, string>>;

/** A refused feature, named as the client's protocol names it. */
export function untranslatableFeature(ctx: EncodeContext, feature: keyof typeof CLIENT_FEATURE_NAMES): UntranslatableFeatureError {
  return untranslatable(ctx, CLIENT_FEATURE_NAMES[feature][ctx.source]);
}

/**
 * The top-level fields of a client body that a decoder does not map itself: `hints` are dropped (and listed) when
 * set, `refused` are untranslatable when set, and any field in neither list nor `mapped` is untranslatable too: a
 * field the gateway does not know is a feature it cannot promise to honour.
 */
export interface FieldRules {
  mapped: ReadonlySet<string>;
  hints: ReadonlySet<string>;
  refused: ReadonlySet<string>;
  /** Refused whatever their value (an empty `web_search_options` still turns web search on). */
  refusedWhenPresent?: ReadonlySet<string>;
}

export function checkFields(body: Json, rules: FieldRules, ctx: DecodeContext): void {
  for (const key in body) {
    if (rules.mapped.has(key)) continue;
    const value = body[key];
    if (value === undefined || value === null) continue;
    if (rules.hints.has(key)) {
      if (isSet(value)) ctx.dropped.push(key);
      continue;
    }
    // A refused feature switched off (`logprobs: false`, `logit_bias: {}`) asks for nothing.
    if (rules.refused.has(key) && !isSet(value) && rules.refusedWhenPresent?.has(key) !== true) continue;
    throw untranslatable(ctx, key);
  }
}
