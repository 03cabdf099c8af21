import type { ReasoningPart } from '../model';

/**
 * Anthropic's thinking signature (or redacted thinking) must come back with the thinking in later turns. A client of
 * the Responses API returns a reasoning item's `encrypted_content`, a Gemini client a thought part's
 * `thoughtSignature`: the signature travels there, marked, so that only what the gateway put there is ever sent to
 * Anthropic as a signature (an OpenAI or Gemini original in the same field is not one).
 */
const SIGNED = 'gw-anthropic-thinking:';
const REDACTED = 'gw-anthropic-redacted:';

export function carriedReasoning(part: ReasoningPart): string | undefined {
  if (part.redactedData !== undefined) return REDACTED + part.redactedData;
  if (part.signature !== undefined) return SIGNED + part.signature;
  return undefined;
}

/** The signature or redacted data a carried value holds, as ReasoningPart fields. */
export function uncarryReasoning(value: unknown): Pick<ReasoningPart, 'signature' | 'redactedData'> {
  if (typeof value !== 'string') return {};
  if (value.startsWith(SIGNED)) return { signature: value.slice(SIGNED.length) };
  if (value.startsWith(REDACTED)) return { redactedData: value.slice(REDACTED.length) };
  return {};
}
