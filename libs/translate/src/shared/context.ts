import { UntranslatableFeatureError } from '../errors';
import type { ProviderProtocol } from '../protocols';
import { isSet, Json } from './values';

/** What a request decoder needs besides the body: where the request goes, and where to list dropped hints. */
export interface DecodeContext {
  target: ProviderProtocol;
  /** Client fields dropped as harmless hints (README, "Translation"), for the caller to log. */
  dropped: string[];
}

/** What a request encoder needs besides the request. */
export interface EncodeContext {
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
