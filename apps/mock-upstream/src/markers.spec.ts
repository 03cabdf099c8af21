import {
  cachedWithinInput,
  DEFAULT_OUTPUT_TOKENS,
  MAX_OUTPUT_TOKENS,
  NO_MARKERS,
  parseMarkers,
  planOutput,
} from './markers';

describe(parseMarkers.name, () => {
  it('returns no markers for plain text', () => {
    expect(parseMarkers('hello there')).toBe(NO_MARKERS);
    expect(parseMarkers('mock: nothing here')).toEqual(NO_MARKERS);
  });

  it('reads every marker', () => {
    expect(
      parseMarkers(
        'mock:output_tokens=50 mock:status=503 mock:delay_ms=10 mock:stall mock:invalid_json ' +
          'mock:drop_after=5 mock:chunk_delay_ms=20 mock:tool_call mock:fail_first=2 mock:fail_after=3 ' +
          'mock:reasoning_tokens=7 mock:cached_tokens=8 mock:cache_write_tokens=9',
      ),
    ).toEqual({
      outputTokens: 50,
      status: 503,
      delayMs: 10,
      stall: true,
      invalidJson: true,
      dropAfter: 5,
      chunkDelayMs: 20,
      toolCall: true,
      failFirst: 2,
      failAfter: 3,
      reasoningTokens: 7,
      cachedTokens: 8,
      cacheWriteTokens: 9,
    });
  });

  it('finds markers inside other text and lets the last one win', () => {
    const markers = parseMarkers('please, mock:output_tokens=3, then (mock:output_tokens=7).');
    expect(markers.outputTokens).toBe(7);
  });

  it('accepts zero values', () => {
    expect(parseMarkers('mock:output_tokens=0 mock:drop_after=0')).toMatchObject({ outputTokens: 0, dropAfter: 0 });
  });

  it('ignores unknown markers, missing values and statuses that cannot be final', () => {
    expect(parseMarkers('mock:whatever=3 mock:output_tokens mock:status=99 mock:status=600 mock:status=101')).toEqual(
      NO_MARKERS,
    );
    expect(parseMarkers('mock:status=200').status).toBe(200);
    expect(parseMarkers('mock:status=599').status).toBe(599);
  });

  it('clamps absurd values', () => {
    expect(parseMarkers('mock:output_tokens=99999999999999999999').outputTokens).toBe(MAX_OUTPUT_TOKENS);
    expect(parseMarkers('mock:delay_ms=99999999999999').delayMs).toBe(2_147_483_647);
    expect(parseMarkers('mock:reasoning_tokens=99999999999').reasoningTokens).toBe(MAX_OUTPUT_TOKENS);
    expect(parseMarkers('mock:cached_tokens=99999999999').cachedTokens).toBe(MAX_OUTPUT_TOKENS);
    expect(parseMarkers('mock:cache_write_tokens=99999999999').cacheWriteTokens).toBe(MAX_OUTPUT_TOKENS);
  });
});

describe(planOutput.name, () => {
  it('defaults to 16 tokens', () => {
    expect(planOutput(NO_MARKERS, undefined)).toEqual({
      tokens: DEFAULT_OUTPUT_TOKENS,
      reasoningTokens: 0,
      capped: false,
    });
  });

  it('caps by the max tokens of the request', () => {
    const markers = parseMarkers('mock:output_tokens=50');
    expect(planOutput(markers, 10)).toEqual({ tokens: 10, reasoningTokens: 0, capped: true });
    expect(planOutput(markers, 50)).toEqual({ tokens: 50, reasoningTokens: 0, capped: false });
    expect(planOutput(NO_MARKERS, 0)).toEqual({ tokens: 0, reasoningTokens: 0, capped: true });
  });

  it('ignores reasoning where the provider reports none', () => {
    const markers = parseMarkers('mock:output_tokens=10 mock:reasoning_tokens=30');
    expect(planOutput(markers, 12)).toEqual({ tokens: 10, reasoningTokens: 0, capped: false });
    expect(planOutput(markers, 12, 'none')).toEqual({ tokens: 10, reasoningTokens: 0, capped: false });
  });

  it('reports reasoning besides the text, both bounded by the max tokens, thinking first', () => {
    const markers = parseMarkers('mock:output_tokens=10 mock:reasoning_tokens=30');
    expect(planOutput(markers, undefined, 'reported')).toEqual({ tokens: 10, reasoningTokens: 30, capped: false });
    expect(planOutput(markers, 40, 'reported')).toEqual({ tokens: 10, reasoningTokens: 30, capped: false });
    expect(planOutput(markers, 35, 'reported')).toEqual({ tokens: 5, reasoningTokens: 30, capped: true });
    expect(planOutput(markers, 30, 'reported')).toEqual({ tokens: 0, reasoningTokens: 30, capped: true });
    expect(planOutput(markers, 20, 'reported')).toEqual({ tokens: 0, reasoningTokens: 20, capped: true });
  });
});

describe(cachedWithinInput.name, () => {
  it('never reports more cached tokens than there are input tokens', () => {
    expect(cachedWithinInput(parseMarkers('mock:cached_tokens=3'), 10)).toBe(3);
    expect(cachedWithinInput(parseMarkers('mock:cached_tokens=30'), 10)).toBe(10);
    expect(cachedWithinInput(NO_MARKERS, 10)).toBe(0);
  });
});
