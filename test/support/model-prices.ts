const USD_PER_MTOK = expect.stringMatching(/^\d+\.\d{6}$/);

/**
 * The price fields every model view carries (spec/policy.md, "Prices"), for suites about a list's shape: the exact
 * values are checked in generation-lookup.e2e-spec.ts.
 */
export const MODEL_PRICE_FIELDS = {
  inputUsdPerMTok: USD_PER_MTOK,
  outputUsdPerMTok: USD_PER_MTOK,
  cachedInputUsdPerMTok: USD_PER_MTOK,
  cacheWriteUsdPerMTok: USD_PER_MTOK,
  markup: expect.stringMatching(/^\d+(\.\d{1,6})?$/),
  upstream: {
    inputUsdPerMTok: USD_PER_MTOK,
    outputUsdPerMTok: USD_PER_MTOK,
    cachedInputUsdPerMTok: USD_PER_MTOK,
    cacheWriteUsdPerMTok: USD_PER_MTOK,
  },
};
