import type { TokenUsage } from '@gw/billing';

interface AnthropicUsage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  cache_read_input_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
}

const count = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;

/**
 * Anthropic's usage, as reported in a message or across a stream's message_start and message_delta (whose counts are
 * cumulative: a later report replaces an earlier one, field by field).
 *
 * Anthropic's input_tokens excludes the prompt-cache reads and writes it reports beside it; TokenUsage counts every
 * input token in inputTokens, with the cached and cache-write tokens as parts of it (libs/billing pricing.ts).
 */
export class AnthropicUsageTally {
  private input: number | null = null;
  private cacheRead = 0;
  private cacheWrite = 0;
  private output: number | null = null;

  /**
   * Takes the counts a usage object reports; returns whether it was one. message_start's output count is a
   * placeholder (the output has not been produced yet): `withOutput` false leaves it out.
   */
  add(usage: unknown, withOutput = true): boolean {
    if (typeof usage !== 'object' || usage === null) return false;
    const u = usage as AnthropicUsage;
    this.input = count(u.input_tokens) ?? this.input;
    this.cacheRead = count(u.cache_read_input_tokens) ?? this.cacheRead;
    this.cacheWrite = count(u.cache_creation_input_tokens) ?? this.cacheWrite;
    if (withOutput) this.output = count(u.output_tokens) ?? this.output;
    return true;
  }

  get hasInput(): boolean {
    return this.input !== null;
  }

  get hasOutput(): boolean {
    return this.output !== null;
  }

  /** The usage, with `fallback` for what was never reported. */
  toTokenUsage(fallback: { inputTokens: number; outputTokens: number }): TokenUsage {
    const reportedInput = this.input !== null;
    return {
      inputTokens: reportedInput ? this.input! + this.cacheRead + this.cacheWrite : fallback.inputTokens,
      outputTokens: this.output ?? fallback.outputTokens,
      cachedInputTokens: reportedInput ? this.cacheRead : 0,
      cacheWriteTokens: reportedInput ? this.cacheWrite : 0,
    };
  }
}

/** A message's usage object -> TokenUsage, or null when it reports no input and output counts. */
export function fromAnthropicUsage(usage: unknown): TokenUsage | null {
  const tally = new AnthropicUsageTally();
  if (!tally.add(usage) || !tally.hasInput || !tally.hasOutput) return null;
  return tally.toTokenUsage({ inputTokens: 0, outputTokens: 0 });
}
