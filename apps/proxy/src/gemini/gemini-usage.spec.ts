import { costMicros } from '@gw/billing';
import { fromGeminiUsage } from './gemini-usage';

describe(fromGeminiUsage.name, () => {
  it('counts cached content within the prompt and thoughts on top of the candidates, as output', () => {
    const usage = fromGeminiUsage({
      promptTokenCount: 100,
      cachedContentTokenCount: 40,
      candidatesTokenCount: 10,
      thoughtsTokenCount: 25,
      totalTokenCount: 135,
    });
    expect(usage).toEqual({ inputTokens: 100, cachedInputTokens: 40, cacheWriteTokens: 0, outputTokens: 35, reasoningTokens: 25 });
    // Each token once at its kind's price: 60 input, 40 cached, 35 output.
    const price = { inputMicrosPerMTok: 1_000_000n, outputMicrosPerMTok: 10_000_000n, cachedInputMicrosPerMTok: 100_000n, cacheWriteMicrosPerMTok: null };
    expect(costMicros(price, usage!)).toBe(60n + 4n + 350n);
  });

  it('takes an answer of thoughts only, or of nothing yet (no candidatesTokenCount: Google leaves zeros out)', () => {
    expect(fromGeminiUsage({ promptTokenCount: 3, thoughtsTokenCount: 7 })).toMatchObject({ inputTokens: 3, outputTokens: 7 });
    expect(fromGeminiUsage({ promptTokenCount: 3 })).toMatchObject({ inputTokens: 3, outputTokens: 0 });
  });

  it('is null when nothing is reported', () => {
    expect(fromGeminiUsage(undefined)).toBeNull();
    expect(fromGeminiUsage({ candidatesTokenCount: 3 })).toBeNull();
    expect(fromGeminiUsage('x')).toBeNull();
  });
});
