import { countDeliveredTokens } from '@gw/billing';
import { GatewayError } from '@gw/common';
import { AnthropicStreamDialect } from './anthropic-stream.dialect';

const event = (type: string, data: object | string) => ({
  event: type,
  data: typeof data === 'string' ? data : JSON.stringify(data),
  id: undefined,
});

const MESSAGE_START = {
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-6',
    content: [],
    usage: { input_tokens: 12, cache_read_input_tokens: 1_000, cache_creation_input_tokens: 200, output_tokens: 1 },
  },
};
const delta = (text: string) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });

describe(AnthropicStreamDialect.name, () => {
  it('passes every event through as written, except message_start model, and settles on the reported usage', () => {
    const dialect = new AnthropicStreamDialect('anthropic/claude-sonnet-4-6');
    const start = dialect.onEvent(event('message_start', MESSAGE_START));
    expect(start.startsWith('event: message_start\ndata: ')).toBe(true);
    expect(JSON.parse(start.slice('event: message_start\ndata: '.length))).toEqual({
      ...MESSAGE_START,
      message: { ...MESSAGE_START.message, model: 'anthropic/claude-sonnet-4-6' },
    });
    const raw = JSON.stringify(delta('Hello'));
    expect(dialect.onEvent(event('content_block_delta', raw))).toBe(`event: content_block_delta\ndata: ${raw}\n\n`);
    expect(dialect.onEvent(event('ping', '{"type":"ping"}'))).toBe('event: ping\ndata: {"type":"ping"}\n\n');
    expect(dialect.onEvent(event('brand_new_event', '{"x":1}'))).toBe('event: brand_new_event\ndata: {"x":1}\n\n');
    dialect.onEvent(event('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 30 } }));
    expect(dialect.finished).toBe(false);
    dialect.onEvent(event('message_stop', { type: 'message_stop' }));
    expect(dialect.finished).toBe(true);
    expect(dialect.reportedUsage()).toEqual({ inputTokens: 1_212, outputTokens: 30, cachedInputTokens: 1_000, cacheWriteTokens: 200 });
  });

  it('settles a stream cut short on input from message_start and output counted from the deltas sent', () => {
    const dialect = new AnthropicStreamDialect('claude-sonnet-4-6');
    dialect.onEvent(event('message_start', MESSAGE_START));
    dialect.onEvent(event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
    for (const piece of ['mock', ' reply', ' the']) dialect.onEvent(event('content_block_delta', delta(piece)));
    dialect.onEvent(
      event('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } }),
    );
    expect(dialect.reportedUsage()).toBeNull(); // no message_delta yet
    // Each delta counted as it came: the same as counting the text the client received.
    expect(dialect.deliveredUsage()).toEqual({
      usage: {
        inputTokens: 1_212,
        outputTokens: countDeliveredTokens('mock reply the{"a":'),
        cachedInputTokens: 1_000,
        cacheWriteTokens: 200,
      },
      inputReported: true,
    });
  });

  it('says the input is unknown when even message_start never came (the settlement counts it)', () => {
    expect(new AnthropicStreamDialect('m').deliveredUsage()).toEqual({
      usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0 },
      inputReported: false,
    });
  });

  it("turns the provider's error event into a gateway error, overloaded as 503", () => {
    const dialect = new AnthropicStreamDialect('m');
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    expect(() => dialect.onEvent(event('error', overloaded))).toThrow(expect.objectContaining({ status: 503 }));
    const other = { type: 'error', error: { type: 'api_error', message: 'boom' } };
    expect(() => dialect.onEvent(event('error', other))).toThrow(expect.objectContaining({ status: 502 }));
    expect(() => dialect.onEvent(event('content_block_delta', '{"type":'))).toThrow(GatewayError);
  });

  it('writes its own error as an Anthropic error event', () => {
    const frame = new AnthropicStreamDialect('m').errorEvent(GatewayError.timeout(30));
    expect(frame).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"timeout","message":"Request timed out after 30 seconds"}}\n\n',
    );
  });
});
