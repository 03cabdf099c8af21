import fc from 'fast-check';
import { costMicros, dearestInputPrice, holdMicros, ModelPrice, PriceTables, requestCosts, TokenUsage, ZERO_USAGE } from './pricing';

const MTOK = 1_000_000n;

/** The contract's cache defaults, written independently: 0.1 x and 1.25 x the input price, rounded up. */
const refCached = (p: ModelPrice): bigint =>
  p.cachedInputMicrosPerMTok ?? p.inputMicrosPerMTok / 10n + (p.inputMicrosPerMTok % 10n === 0n ? 0n : 1n);
const refWrite = (p: ModelPrice): bigint =>
  p.cacheWriteMicrosPerMTok ?? (p.inputMicrosPerMTok * 125n) / 100n + ((p.inputMicrosPerMTok * 125n) % 100n === 0n ? 0n : 1n);

/** An independent reference of the exact cost (micro-dollars x 10^6): each class clamped in turn, summed in bigint. */
function referenceTotal(price: ModelPrice, usage: TokenUsage): bigint {
  const input = BigInt(usage.inputTokens);
  const cached = BigInt(usage.cachedInputTokens) < input ? BigInt(usage.cachedInputTokens) : input;
  const left = input - cached;
  const written = BigInt(usage.cacheWriteTokens) < left ? BigInt(usage.cacheWriteTokens) : left;
  return (
    (left - written) * price.inputMicrosPerMTok +
    cached * refCached(price) +
    written * refWrite(price) +
    BigInt(usage.outputTokens) * price.outputMicrosPerMTok
  );
}

/** Rounded up, written as quotient plus a carry rather than (n + d - 1) / d. */
function referenceCost(price: ModelPrice, usage: TokenUsage): bigint {
  const total = referenceTotal(price, usage);
  return total / MTOK + (total % MTOK === 0n ? 0n : 1n);
}

const tokenCount = fc.integer({ min: 0, max: 10_000_000 });
const anyTokenCount = fc.oneof(tokenCount, fc.constant(0), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
// Prices up to USD 1,000 per million tokens, in micro-dollars; realistic ones are a few cents to ~USD 100.
const priceValue = fc.bigInt({ min: 0n, max: 1_000_000_000n });
const price: fc.Arbitrary<ModelPrice> = fc.record({
  inputMicrosPerMTok: priceValue,
  outputMicrosPerMTok: priceValue,
  cachedInputMicrosPerMTok: fc.option(priceValue, { nil: null }),
  cacheWriteMicrosPerMTok: fc.option(priceValue, { nil: null }),
});
const usage: fc.Arbitrary<TokenUsage> = fc.record({
  inputTokens: anyTokenCount,
  outputTokens: anyTokenCount,
  cachedInputTokens: anyTokenCount,
  cacheWriteTokens: anyTokenCount,
});
/** Usage as providers report it: cache reads and writes are parts of the input. */
const consistentUsage: fc.Arbitrary<TokenUsage> = fc
  .tuple(tokenCount, tokenCount, tokenCount, tokenCount)
  .map(([cached, written, plain, output]) => ({
    inputTokens: cached + written + plain,
    outputTokens: output,
    cachedInputTokens: cached,
    cacheWriteTokens: written,
  }));
const add = (a: TokenUsage, b: TokenUsage): TokenUsage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
  cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
});

describe('costMicros', () => {
  it('matches an independent bigint reference for any prices and token counts', () => {
    fc.assert(fc.property(price, usage, (p, u) => costMicros(p, u) === referenceCost(p, u)), { numRuns: 2_000 });
  });

  it('rounds up to the micro-dollar: never below the exact cost, less than one micro-dollar above it', () => {
    fc.assert(
      fc.property(price, usage, (p, u) => {
        const excess = costMicros(p, u) * MTOK - referenceTotal(p, u);
        return excess >= 0n && excess < MTOK;
      }),
    );
  });

  it('is never negative, and zero for zero usage', () => {
    fc.assert(fc.property(price, usage, (p, u) => costMicros(p, u) >= 0n && costMicros(p, ZERO_USAGE) === 0n));
  });

  it('is monotonic in input and output tokens', () => {
    fc.assert(
      fc.property(price, consistentUsage, tokenCount, tokenCount, (p, u, moreIn, moreOut) => {
        const bigger = { ...u, inputTokens: u.inputTokens + moreIn, outputTokens: u.outputTokens + moreOut };
        return costMicros(p, bigger) >= costMicros(p, u);
      }),
    );
  });

  it('is subadditive within one micro-dollar: cost(a + b) is between cost(a) + cost(b) - 1 and cost(a) + cost(b)', () => {
    fc.assert(
      fc.property(price, consistentUsage, consistentUsage, (p, a, b) => {
        const sum = costMicros(p, a) + costMicros(p, b);
        const joint = costMicros(p, add(a, b));
        return joint <= sum && joint >= sum - 1n;
      }),
    );
  });

  it('charges cache reads at 0.1 x and cache writes at 1.25 x the input price when the model has no cache prices', () => {
    fc.assert(
      fc.property(price, consistentUsage, (p, u) => {
        const bare: ModelPrice = { ...p, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
        const explicit: ModelPrice = { ...p, cachedInputMicrosPerMTok: refCached(bare), cacheWriteMicrosPerMTok: refWrite(bare) };
        return costMicros(bare, u) === costMicros(explicit, u);
      }),
    );
    // USD 3 / MTok input: 1,000 cache reads at 0.30 and 1,000 cache writes at 3.75 = 300 + 3,750 micro-dollars.
    const sonnetBare: ModelPrice = { inputMicrosPerMTok: 3_000_000n, outputMicrosPerMTok: 0n, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
    expect(costMicros(sonnetBare, { inputTokens: 2_000, cachedInputTokens: 1_000, cacheWriteTokens: 1_000, outputTokens: 0 })).toBe(4_050n);
  });

  it('never charges more than every input token at the dearest input-side price', () => {
    fc.assert(
      fc.property(price, usage, (p, u) => {
        const prices = [p.inputMicrosPerMTok, refCached(p), refWrite(p)];
        const dearest = prices.reduce((a, b) => (a > b ? a : b));
        expect(dearestInputPrice(p)).toBe(dearest);
        return costMicros(p, u) <= holdMicros(p, u.inputTokens, u.outputTokens);
      }),
    );
  });

  it('prices an OpenAI answer with cached prompt tokens (cached_tokens are inside prompt_tokens)', () => {
    // gpt-4.1-mini: USD 0.40 input, 0.10 cached input, 1.60 output per million tokens.
    const gpt41mini: ModelPrice = {
      inputMicrosPerMTok: 400_000n,
      outputMicrosPerMTok: 1_600_000n,
      cachedInputMicrosPerMTok: 100_000n,
      cacheWriteMicrosPerMTok: null,
    };
    // prompt_tokens 2,006 of which 1,920 cached, completion_tokens 300:
    // 86 x 0.40 + 1,920 x 0.10 + 300 x 1.60 = 34.4 + 192 + 480 = 706.4 micro-dollars -> 707.
    expect(costMicros(gpt41mini, { inputTokens: 2_006, cachedInputTokens: 1_920, cacheWriteTokens: 0, outputTokens: 300 })).toBe(
      707n,
    );
  });

  it('prices an Anthropic answer with cache reads and writes (reported beside input_tokens)', () => {
    // claude-sonnet: USD 3 input, 0.30 cache read, 3.75 cache write, 15 output per million tokens.
    const sonnet: ModelPrice = {
      inputMicrosPerMTok: 3_000_000n,
      outputMicrosPerMTok: 15_000_000n,
      cachedInputMicrosPerMTok: 300_000n,
      cacheWriteMicrosPerMTok: 3_750_000n,
    };
    // input_tokens 21, cache_read_input_tokens 188,086, cache_creation_input_tokens 1,000, output_tokens 393
    // (normalised: inputTokens is their sum): 21 x 3 + 188,086 x 0.3 + 1,000 x 3.75 + 393 x 15
    // = 63 + 56,425.8 + 3,750 + 5,895 = 66,133.8 -> 66,134 micro-dollars.
    const usageOf = { inputTokens: 21 + 188_086 + 1_000, cachedInputTokens: 188_086, cacheWriteTokens: 1_000, outputTokens: 393 };
    expect(costMicros(sonnet, usageOf)).toBe(66_134n);
  });

  it('rounds a sub-micro-dollar cost up to one micro-dollar, and an exact one not at all', () => {
    const cheap: ModelPrice = { inputMicrosPerMTok: 20_000n, outputMicrosPerMTok: 0n, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
    expect(costMicros(cheap, { ...ZERO_USAGE, inputTokens: 1 })).toBe(1n); // 0.02 micro-dollars
    expect(costMicros(cheap, { ...ZERO_USAGE, inputTokens: 50 })).toBe(1n); // exactly 1
    expect(costMicros(cheap, { ...ZERO_USAGE, inputTokens: 51 })).toBe(2n);
  });

  it('clamps cache counts that exceed the input instead of charging a negative remainder', () => {
    const p: ModelPrice = { inputMicrosPerMTok: 1_000_000n, outputMicrosPerMTok: 0n, cachedInputMicrosPerMTok: 0n, cacheWriteMicrosPerMTok: 2_000_000n };
    expect(costMicros(p, { inputTokens: 10, outputTokens: 0, cachedInputTokens: 8, cacheWriteTokens: 8 })).toBe(4n);
    expect(costMicros(p, { inputTokens: 10, outputTokens: 0, cachedInputTokens: 50, cacheWriteTokens: 0 })).toBe(0n);
  });

  it.each([
    ['a fraction', 1.5],
    ['a negative count', -1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an unsafe integer', Number.MAX_SAFE_INTEGER + 1],
  ])('refuses %s as a token count (money is never computed from a float)', (_name, bad) => {
    const p: ModelPrice = { inputMicrosPerMTok: 1n, outputMicrosPerMTok: 1n, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
    for (const field of ['inputTokens', 'outputTokens', 'cachedInputTokens', 'cacheWriteTokens'] as const) {
      expect(() => costMicros(p, { ...ZERO_USAGE, [field]: bad })).toThrow(RangeError);
    }
  });
});

describe('holdMicros', () => {
  it('is every input token at the dearest input-side price plus every output token, rounded up once', () => {
    fc.assert(
      fc.property(price, tokenCount, tokenCount, (p, input, output) => {
        const dearest = { ...p, inputMicrosPerMTok: dearestInputPrice(p), cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
        const expected = referenceCost(dearest, { inputTokens: input, outputTokens: output, cachedInputTokens: 0, cacheWriteTokens: 0 });
        return holdMicros(p, input, output) === expected;
      }),
    );
  });

  it('covers the real cost of any usage within its counts, however the provider splits input into cache reads and writes', () => {
    fc.assert(
      fc.property(price, consistentUsage, tokenCount, tokenCount, (p, u, extraIn, extraOut) => {
        // Cache prices above the input price included (a one-hour cache write costs twice the input price).
        return holdMicros(p, u.inputTokens + extraIn, u.outputTokens + extraOut) >= costMicros(p, u);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('reasoning tokens', () => {
  it('are output tokens: inside outputTokens they change nothing, beyond it they are billed in full at the output price', () => {
    fc.assert(
      fc.property(price, consistentUsage, tokenCount, (p, u, reasoning) => {
        const inside = Math.min(reasoning, u.outputTokens);
        const beyond = u.outputTokens + reasoning;
        return (
          costMicros(p, { ...u, reasoningTokens: inside }) === costMicros(p, u) &&
          costMicros(p, { ...u, reasoningTokens: beyond }) === costMicros(p, { ...u, outputTokens: beyond })
        );
      }),
    );
  });

  it.each([Number.NaN, -1, 0.5])('refuses %p as a count', (bad) => {
    expect(() => costMicros(price0(), { ...ZERO_USAGE, reasoningTokens: bad })).toThrow(RangeError);
  });
});

describe(requestCosts.name, () => {
  /** Upstream USD 1.00 in, 0.10 cached, 1.25 cache write, 4.00 out; charged at a markup of 1.05, rounded up. */
  const tables: PriceTables = {
    upstream: { inputMicrosPerMTok: 1_000_000n, cachedInputMicrosPerMTok: 100_000n, cacheWriteMicrosPerMTok: 1_250_000n, outputMicrosPerMTok: 4_000_000n },
    charged: { inputMicrosPerMTok: 1_050_000n, cachedInputMicrosPerMTok: 105_000n, cacheWriteMicrosPerMTok: 1_312_500n, outputMicrosPerMTok: 4_200_000n },
  };

  it.each([
    // [what, usage, charged micro-dollars, upstream micro-dollars]
    ['plain input', { inputTokens: 1_000 }, 1_050n, 1_000n],
    ['cached input', { inputTokens: 1_000, cachedInputTokens: 1_000 }, 105n, 100n],
    ['cache writes', { inputTokens: 1_000, cacheWriteTokens: 1_000 }, 1_313n, 1_250n], // 1,312.5 rounded up
    ['output', { outputTokens: 1_000 }, 4_200n, 4_000n],
    ['reasoning (inside the output)', { outputTokens: 1_000, reasoningTokens: 600 }, 4_200n, 4_000n],
    ['every kind at once', { inputTokens: 3_333, cachedInputTokens: 1_111, cacheWriteTokens: 222, outputTokens: 77, reasoningTokens: 7 },
      // charged: 2,000 x 1.05 + 1,111 x 0.105 + 222 x 1.3125 + 77 x 4.2 = 2,100 + 116.655 + 291.375 + 323.4 = 2,831.43 -> 2,832
      // upstream: 2,000 x 1 + 1,111 x 0.1 + 222 x 1.25 + 77 x 4 = 2,000 + 111.1 + 277.5 + 308 = 2,696.6 -> 2,697
      2_832n, 2_697n],
  ])('prices %s to the micro-dollar at both price tables, rounded up once', (_what, partial, charged, upstream) => {
    expect(requestCosts(tables, { ...ZERO_USAGE, ...partial })).toEqual({ costMicros: charged, upstreamCostMicros: upstream });
  });

  it('charges at least the upstream cost whenever every charged price is at least its upstream price', () => {
    fc.assert(
      fc.property(price, fc.bigInt({ min: 0n, max: 1_000_000n }), consistentUsage, (up, extra, u) => {
        const marked = (value: bigint | null) => (value === null ? null : value + extra);
        const charged: ModelPrice = {
          inputMicrosPerMTok: up.inputMicrosPerMTok + extra,
          outputMicrosPerMTok: up.outputMicrosPerMTok + extra,
          cachedInputMicrosPerMTok: marked(up.cachedInputMicrosPerMTok),
          cacheWriteMicrosPerMTok: marked(up.cacheWriteMicrosPerMTok),
        };
        const costs = requestCosts({ charged, upstream: up }, u);
        return costs.costMicros >= costs.upstreamCostMicros && costs.upstreamCostMicros === costMicros(up, u);
      }),
    );
  });
});

function price0(): ModelPrice {
  return { inputMicrosPerMTok: 1n, outputMicrosPerMTok: 1n, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
}
