import { GatewayError } from '@gw/common';
import { deliveredSoFar, parseEventData, sseFrame } from './stream-dialect';

describe(parseEventData.name, () => {
  it("returns an event's JSON object, and fails as the upstream's fault (502) on anything else", () => {
    expect(parseEventData('{"type":"ping"}')).toEqual({ type: 'ping' });
    for (const data of ['{"type":', 'null', '5', '"text"']) {
      expect(() => parseEventData(data)).toThrow(GatewayError);
      expect(() => parseEventData(data)).toThrow(expect.objectContaining({ status: 502 }));
    }
  });
});

describe(deliveredSoFar.name, () => {
  it("is the provider's count once reported, else the counted output with the input left to the settlement", () => {
    const reported = { inputTokens: 9, outputTokens: 4, cachedInputTokens: 2, cacheWriteTokens: 0 };
    expect(deliveredSoFar(reported, 3)).toEqual({ usage: reported, inputReported: true });
    expect(deliveredSoFar(null, 3)).toEqual({
      usage: { inputTokens: 0, outputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0 },
      inputReported: false,
    });
  });
});

describe(sseFrame.name, () => {
  it('names the event when it has a name, and gives every line of the data its own field', () => {
    expect(sseFrame('error', '{"a":1}')).toBe('event: error\ndata: {"a":1}\n\n');
    expect(sseFrame(undefined, 'a\nb')).toBe('data: a\ndata: b\n\n');
  });
});
