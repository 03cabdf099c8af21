import type Anthropic from '@anthropic-ai/sdk';
import { tokenCount, Usage } from '../../model';
import { isObject } from '../../shared/values';

/**
 * Anthropic's usage, as reported in a message or across a stream's message_start and message_delta (cumulative
 * counts: a later report replaces an earlier one, field by field). Anthropic's input_tokens excludes the cache reads
 * and writes it reports beside it; its output_tokens includes the thinking tokens (output_tokens_details).
 */
export class AnthropicUsageTally {
  private input = 0;
  private cacheRead = 0;
  private cacheWrite = 0;
  private output = 0;
  private thinking = 0;

  add(usage: unknown): boolean {
    if (!isObject(usage)) return false;
    if (usage.input_tokens != null) this.input = tokenCount(usage.input_tokens);
    if (usage.cache_read_input_tokens != null) this.cacheRead = tokenCount(usage.cache_read_input_tokens);
    if (usage.cache_creation_input_tokens != null) this.cacheWrite = tokenCount(usage.cache_creation_input_tokens);
    if (usage.output_tokens != null) this.output = tokenCount(usage.output_tokens);
    if (isObject(usage.output_tokens_details)) this.thinking = tokenCount(usage.output_tokens_details.thinking_tokens);
    return true;
  }

  get usage(): Usage {
    return {
      inputTokens: this.input + this.cacheRead + this.cacheWrite,
      cachedInputTokens: this.cacheRead,
      cacheWriteTokens: this.cacheWrite,
      outputTokens: this.output,
      reasoningTokens: this.thinking,
    };
  }
}

export function decodeAnthropicUsage(usage: unknown): Usage | null {
  const tally = new AnthropicUsageTally();
  return tally.add(usage) ? tally.usage : null;
}

/** A message_delta's usage: the whole usage, cumulative, in Anthropic's accounting. */
export function encodeAnthropicDeltaUsage(usage: Usage): Anthropic.MessageDeltaUsage {
  return {
    input_tokens: Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteTokens),
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cachedInputTokens,
    output_tokens: usage.outputTokens,
    output_tokens_details: usage.reasoningTokens > 0 ? { thinking_tokens: usage.reasoningTokens } : null,
    server_tool_use: null,
  };
}

/** A message's usage: a message_delta's, plus the fields only a message has. */
export function encodeAnthropicUsage(usage: Usage): Anthropic.Usage {
  // Properties added to the one object (a spread into a second literal cost V8 a slow path: 15 µs an answer).
  const counts = encodeAnthropicDeltaUsage(usage) as Anthropic.Usage;
  counts.cache_creation = null;
  counts.inference_geo = null;
  counts.service_tier = 'standard';
  counts.speed = null;
  return counts;
}
