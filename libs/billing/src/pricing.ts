import { ceilDiv, defaultCachedInputPrice, defaultCacheWritePrice } from '@gw/common';

/** A model's prices, in micro-dollars per million tokens (USD 0.40 / MTok = 400_000n). */
export interface ModelPrice {
  inputMicrosPerMTok: bigint;
  outputMicrosPerMTok: bigint;
  /** Cache reads; null means the default, 0.1 x the input price (cachedInputPrice). */
  cachedInputMicrosPerMTok: bigint | null;
  /** Cache writes (Anthropic); null means the default, 1.25 x the input price (cacheWritePrice). */
  cacheWriteMicrosPerMTok: bigint | null;
}

/**
 * Token counts of one request, normalised across providers. `inputTokens` is every input token, including the ones
 * read from or written to the prompt cache; `cachedInputTokens` and `cacheWriteTokens` are parts of it.
 * (OpenAI reports cached tokens inside prompt_tokens; Anthropic reports them beside input_tokens: see usage mappers.)
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  /**
   * Part of outputTokens: reasoning (thinking) tokens, billed at the output price like any output token (absent: 0).
   * A count above outputTokens (a provider that reports them beside the output) is billed in full.
   */
  reasoningTokens?: number;
}

/** A model's prices as charged to the customer, and as the provider charges the gateway (see libs/catalog). */
export interface PriceTables {
  charged: ModelPrice;
  upstream: ModelPrice;
}

/** What one request costs the customer and what it costs the gateway upstream, in micro-dollars. */
export interface RequestCosts {
  costMicros: bigint;
  upstreamCostMicros: bigint;
}

export const ZERO_USAGE: TokenUsage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
});

const TOKENS_PER_MTOK = 1_000_000n;

/** The price of a cache read: the model's own, else the default (spec/policy.md, "Prices"). */
export function cachedInputPrice(price: ModelPrice): bigint {
  return price.cachedInputMicrosPerMTok ?? defaultCachedInputPrice(price.inputMicrosPerMTok);
}

/** The price of a cache write: the model's own, else the default. */
export function cacheWritePrice(price: ModelPrice): bigint {
  return price.cacheWriteMicrosPerMTok ?? defaultCacheWritePrice(price.inputMicrosPerMTok);
}

function tokens(count: number, field: string): bigint {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`${field} must be a non-negative integer`);
  return BigInt(count);
}

/**
 * The cost of a request in micro-dollars: every token class at its price, summed exactly in
 * micro-dollar-per-million-token units, then rounded up once to the micro-dollar.
 */
export function costMicros(price: ModelPrice, usage: TokenUsage): bigint {
  const input = tokens(usage.inputTokens, 'inputTokens');
  const cached = tokens(usage.cachedInputTokens, 'cachedInputTokens');
  const cacheWrite = tokens(usage.cacheWriteTokens, 'cacheWriteTokens');
  const reported = tokens(usage.outputTokens, 'outputTokens');
  const reasoning = tokens(usage.reasoningTokens ?? 0, 'reasoningTokens');
  const output = reasoning > reported ? reasoning : reported;
  // A provider reporting more cached than total input would otherwise make the uncached part negative.
  const special = cached + cacheWrite > input ? input : cached + cacheWrite;
  const cachedPart = cached > special ? special : cached;
  const writePart = special - cachedPart;
  const uncached = input - special;
  const total =
    uncached * price.inputMicrosPerMTok +
    cachedPart * cachedInputPrice(price) +
    writePart * cacheWritePrice(price) +
    output * price.outputMicrosPerMTok;
  return ceilDiv(total, TOKENS_PER_MTOK);
}

/** The same usage at the charged and at the upstream prices, each rounded up once (spec/policy.md, "Prices"). */
export function requestCosts(prices: PriceTables, usage: TokenUsage): RequestCosts {
  return { costMicros: costMicros(prices.charged, usage), upstreamCostMicros: costMicros(prices.upstream, usage) };
}

/** The dearest price an input token can be billed at: plain input, cache write or cache read, whichever is highest. */
export function dearestInputPrice(price: ModelPrice): bigint {
  let dearest = price.inputMicrosPerMTok;
  for (const candidate of [cachedInputPrice(price), cacheWritePrice(price)]) {
    if (candidate > dearest) dearest = candidate;
  }
  return dearest;
}

/**
 * The hold for a request that can read at most `inputTokens` and write at most `outputTokens`: every input token at
 * the dearest input-side price (the provider decides which tokens it reads from or writes to its cache), every output
 * token at the output price, rounded up once. No usage within those counts can cost more (see costMicros).
 */
export function holdMicros(price: ModelPrice, inputTokens: number, outputTokens: number): bigint {
  const input = tokens(inputTokens, 'inputTokens');
  const output = tokens(outputTokens, 'outputTokens');
  return ceilDiv(input * dearestInputPrice(price) + output * price.outputMicrosPerMTok, TOKENS_PER_MTOK);
}
