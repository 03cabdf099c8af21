import { costMicros } from '@gw/billing';
import { AnthropicUsageTally, fromAnthropicUsage } from './anthropic-usage';

// claude-sonnet-4-6 in the demo catalog: 3.00 in, 15.00 out, 0.30 cache read, 3.75 cache write (USD per MTok).
const SONNET = {
  inputMicrosPerMTok: 3_000_000n,
  outputMicrosPerMTok: 15_000_000n,
  cachedInputMicrosPerMTok: 300_000n,
  cacheWriteMicrosPerMTok: 3_750_000n,
};

describe(fromAnthropicUsage.name, () => {
  it('counts cache reads and writes into the input, since Anthropic reports them beside input_tokens', () => {
    const usage = fromAnthropicUsage({
      input_tokens: 100,
      cache_read_input_tokens: 2_000,
      cache_creation_input_tokens: 300,
      output_tokens: 50,
    });
    expect(usage).toEqual({ inputTokens: 2_400, outputTokens: 50, cachedInputTokens: 2_000, cacheWriteTokens: 300 });
    // 100 x 3 + 2000 x 0.3 + 300 x 3.75 + 50 x 15 = 300 + 600 + 1125 + 750 micro-dollars.
    expect(costMicros(SONNET, usage!)).toBe(2_775n);
  });

  it('takes absent or null cache counts as zero', () => {
    expect(fromAnthropicUsage({ input_tokens: 7, output_tokens: 3, cache_read_input_tokens: null })).toEqual({
      inputTokens: 7,
      outputTokens: 3,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it('is null when the provider reported no counts', () => {
    expect(fromAnthropicUsage(undefined)).toBeNull();
    expect(fromAnthropicUsage({})).toBeNull();
    expect(fromAnthropicUsage({ input_tokens: 'many', output_tokens: 1 })).toBeNull();
  });
});

describe(AnthropicUsageTally.name, () => {
  it('keeps the latest cumulative count of each field, and ignores message_start output placeholders', () => {
    const tally = new AnthropicUsageTally();
    tally.add({ input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 }, false);
    expect(tally.hasOutput).toBe(false);
    tally.add({ output_tokens: 20 });
    tally.add({ output_tokens: 42, cache_creation_input_tokens: 8 });
    expect(tally.toTokenUsage({ inputTokens: 999, outputTokens: 999 })).toEqual({
      inputTokens: 23,
      outputTokens: 42,
      cachedInputTokens: 5,
      cacheWriteTokens: 8,
    });
  });

  it('falls back to the given counts for what was never reported', () => {
    expect(new AnthropicUsageTally().toTokenUsage({ inputTokens: 4, outputTokens: 6 })).toEqual({
      inputTokens: 4,
      outputTokens: 6,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
    });
  });
});
