import { countDeliveredTokens } from '@gw/billing';
import { GatewayError } from '@gw/common';
import { GeminiStreamDialect } from './gemini-stream.dialect';

const event = (data: object | string) => ({ event: undefined, data: typeof data === 'string' ? data : JSON.stringify(data), id: undefined });
const usage = (candidates: number, extra: object = {}) => ({ promptTokenCount: 5, candidatesTokenCount: candidates, ...extra });
const chunk = (text: string, candidates: number, finishReason?: string) => ({
  candidates: [{ content: { role: 'model', parts: [{ text }] }, ...(finishReason ? { finishReason } : {}), index: 0 }],
  usageMetadata: usage(candidates, { thoughtsTokenCount: 4 }),
  modelVersion: 'gemini-2.5-flash',
  responseId: 'r1',
});

describe(GeminiStreamDialect.name, () => {
  it('passes chunks on as SSE frames, finishes on the finishReason and settles on the last usageMetadata', () => {
    const dialect = new GeminiStreamDialect('sse');
    expect(dialect.contentType).toBeUndefined();
    const first = JSON.stringify(chunk('Hello', 1));
    expect(dialect.onEvent(event(first))).toBe(`data: ${first}\n\n`);
    expect(dialect.finished).toBe(false);
    dialect.onEvent(event(chunk(' there', 2)));
    const last = JSON.stringify(chunk('', 2, 'STOP'));
    expect(dialect.onEvent(event(last))).toBe(`data: ${last}\n\n`);
    expect(dialect.finished).toBe(true);
    expect(dialect.reportedUsage()).toMatchObject({ inputTokens: 5, outputTokens: 6, reasoningTokens: 4 });
  });

  it('writes a JSON array that grows, closed by the last chunk, as Gemini streams without alt=sse', () => {
    const dialect = new GeminiStreamDialect('json-array');
    expect(dialect.contentType).toMatch(/^application\/json/);
    const a = JSON.stringify(chunk('a', 1));
    const b = JSON.stringify(chunk('', 1, 'MAX_TOKENS'));
    const text = dialect.onEvent(event(a)) + dialect.onEvent(event(b));
    expect(text).toBe(`[${a},\r\n${b}]`);
    expect(JSON.parse(text)).toHaveLength(2);
  });

  it("ends a cut stream with Google's error object in the client's framing", () => {
    const error = GatewayError.upstream('The upstream provider closed the stream before it was complete');
    const body = { error: { code: 502, message: error.message, status: 'INTERNAL' } };
    const array = new GeminiStreamDialect('json-array');
    const a = array.onEvent(event(chunk('a', 1)));
    expect(JSON.parse(a + array.errorEvent(error))[1]).toEqual(body);
    const sse = new GeminiStreamDialect('sse');
    expect(sse.errorEvent(error)).toBe(`data: ${JSON.stringify(body)}\n\n`);
  });

  it("reports delivered usage from the provider's running count, else the text counted as it came", () => {
    const reported = new GeminiStreamDialect('sse');
    reported.onEvent(event(chunk('Hello there', 2)));
    expect(reported.deliveredUsage()).toEqual({
      usage: { inputTokens: 5, outputTokens: 6, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 4 },
      inputReported: true,
    });
    const unreported = new GeminiStreamDialect('sse');
    unreported.onEvent(event({ candidates: [{ content: { parts: [{ text: 'Hello there' }, { functionCall: { name: 'f', args: {} } }] } }] }));
    expect(unreported.deliveredUsage()).toEqual({
      usage: { inputTokens: 0, outputTokens: countDeliveredTokens('Hello theref{}'), cachedInputTokens: 0, cacheWriteTokens: 0 },
      inputReported: false,
    });
  });

  it('never counts the output of a cut stream below the text delivered, when the usage leaves the candidates out or lags', () => {
    // Google sends usageMetadata with every chunk, but candidatesTokenCount only with the last one: a stream cut
    // before it was charged no output at all for the text the client had received.
    const text = ' the of and to in is it';
    const withoutCandidates = new GeminiStreamDialect('sse');
    withoutCandidates.onEvent(
      event({
        candidates: [{ content: { role: 'model', parts: [{ text: 'I think', thought: true }] }, index: 0 }],
        usageMetadata: { promptTokenCount: 5, totalTokenCount: 45, thoughtsTokenCount: 40 },
      }),
    );
    withoutCandidates.onEvent(
      event({ candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0 }], usageMetadata: { promptTokenCount: 5, totalTokenCount: 45, thoughtsTokenCount: 40 } }),
    );
    expect(withoutCandidates.deliveredUsage()).toEqual({
      usage: { inputTokens: 5, outputTokens: countDeliveredTokens(text) + 40, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 40 },
      inputReported: true,
    });
    // Usage in the first chunk only: the later text still counts.
    const lagging = new GeminiStreamDialect('json-array');
    lagging.onEvent(event(chunk('Hello', 1)));
    lagging.onEvent(event({ candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0 }] }));
    expect(lagging.deliveredUsage().usage).toMatchObject({ outputTokens: 1 + countDeliveredTokens(text) + 4, reasoningTokens: 4 });
    // Thought text delivered beyond the reported thoughts counts as reasoning, and never as candidates.
    const thoughts = new GeminiStreamDialect('sse');
    thoughts.onEvent(
      event({ candidates: [{ content: { parts: [{ text, thought: true }] }, index: 0 }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 0 } }),
    );
    expect(thoughts.deliveredUsage().usage).toMatchObject({ outputTokens: countDeliveredTokens(text), reasoningTokens: countDeliveredTokens(text) });
    // A provider count above the gateway's stands (it counts what the gateway cannot see), and a finished stream is
    // charged on the final usage exactly as reported.
    const ahead = new GeminiStreamDialect('sse');
    ahead.onEvent(event(chunk('Hello', 9)));
    expect(ahead.deliveredUsage().usage).toMatchObject({ outputTokens: 13, reasoningTokens: 4 });
    ahead.onEvent(event(chunk(text, 3, 'STOP')));
    expect(ahead.reportedUsage()).toMatchObject({ outputTokens: 7, reasoningTokens: 4 });
  });

  it("fails on Google's mid-stream error (UNAVAILABLE as a 503) and on what is not a chunk", () => {
    const dialect = new GeminiStreamDialect('sse');
    expect(() => dialect.onEvent(event({ error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }))).toThrow(
      expect.objectContaining({ status: 503 }),
    );
    expect(() => dialect.onEvent(event({ error: { code: 500, message: 'x', status: 'INTERNAL' } }))).toThrow(
      expect.objectContaining({ status: 502 }),
    );
    expect(() => dialect.onEvent(event('{"candidates": ['))).toThrow(GatewayError);
    expect(() => dialect.onEvent(event('[1]'))).toThrow(GatewayError);
  });

  it('finishes on a blocked prompt, and only once every candidate has finished', () => {
    const blocked = new GeminiStreamDialect('sse');
    blocked.onEvent(event({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: usage(0) }));
    expect(blocked.finished).toBe(true);
    const two = new GeminiStreamDialect('sse');
    two.onEvent(event({ candidates: [{ finishReason: 'STOP', index: 0 }, { content: { parts: [{ text: 'x' }] }, index: 1 }] }));
    expect(two.finished).toBe(false);
  });
});
