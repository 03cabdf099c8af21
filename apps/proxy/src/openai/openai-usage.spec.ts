import { costMicros } from '@gw/billing';
import { fromOpenAiUsage, fromResponsesUsage } from './openai-usage';

describe(fromResponsesUsage.name, () => {
  const reported = {
    input_tokens: 120,
    input_tokens_details: { cached_tokens: 100 },
    output_tokens: 50,
    output_tokens_details: { reasoning_tokens: 30 },
    total_tokens: 170,
  };

  it('reads cached tokens as part of the input and reasoning tokens as part of the output', () => {
    expect(fromResponsesUsage(reported)).toEqual({
      inputTokens: 120,
      outputTokens: 50,
      cachedInputTokens: 100,
      cacheWriteTokens: 0,
      reasoningTokens: 30,
    });
  });

  it('bills each token once: the same cost as the chat accounting of the same counts', () => {
    const price = { inputMicrosPerMTok: 2_000_000n, outputMicrosPerMTok: 8_000_000n, cachedInputMicrosPerMTok: 500_000n, cacheWriteMicrosPerMTok: null };
    const chat = fromOpenAiUsage({ prompt_tokens: 120, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 100 } })!;
    // 20 x 2 + 100 x 0.5 + 50 x 8 = 490 micro-dollars: the 30 reasoning tokens are inside the 50 output tokens.
    expect(costMicros(price, fromResponsesUsage(reported)!)).toBe(490n);
    expect(costMicros(price, chat)).toBe(490n);
  });

  it('is null without a usage object, and counts garbage as 0', () => {
    expect(fromResponsesUsage(null)).toBeNull();
    expect(fromResponsesUsage(undefined)).toBeNull();
    expect(fromResponsesUsage({ input_tokens: -1, output_tokens: '5', input_tokens_details: null, output_tokens_details: { reasoning_tokens: 1.5 } })).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });
});

describe(fromOpenAiUsage.name, () => {
  it('reads cached tokens inside prompt_tokens and reasoning tokens inside completion_tokens', () => {
    const usage = fromOpenAiUsage({
      prompt_tokens: 40,
      completion_tokens: 25,
      prompt_tokens_details: { cached_tokens: 30 },
      completion_tokens_details: { reasoning_tokens: 9 },
    });
    expect(usage).toEqual({ inputTokens: 40, outputTokens: 25, cachedInputTokens: 30, cacheWriteTokens: 0, reasoningTokens: 9 });
    // 10 x 2 + 30 x 0.5 + 25 x 8 = 235 micro-dollars: the reasoning tokens are billed once, as the output they are part of.
    const price = { inputMicrosPerMTok: 2_000_000n, outputMicrosPerMTok: 8_000_000n, cachedInputMicrosPerMTok: 500_000n, cacheWriteMicrosPerMTok: null };
    expect(costMicros(price, usage!)).toBe(235n);
  });

  it('reports 0 reasoning tokens when the details are absent', () => {
    expect(fromOpenAiUsage({ prompt_tokens: 3, completion_tokens: 2 })?.reasoningTokens).toBe(0);
  });
});
