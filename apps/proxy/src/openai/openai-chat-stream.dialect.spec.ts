import { GatewayError } from '@gw/common';
import { OpenAiChatStreamDialect } from './openai-chat-stream.dialect';

const data = (json: string) => ({ event: undefined, data: json, id: undefined });
const chunk = (content: string, model = 'gpt-4.1-mini') =>
  `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"${model}","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}],"usage":null}`;
const USAGE_CHUNK =
  '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1-mini","choices":[],' +
  '"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":4}}}';

describe(OpenAiChatStreamDialect.name, () => {
  it('hides the usage the gateway asked for from a client that did not, without re-serialising chunks', () => {
    const dialect = new OpenAiChatStreamDialect('gpt-4.1-mini', false);
    const raw = chunk('Hi');
    expect(dialect.onEvent(data(raw))).toBe(`data: ${raw.slice(0, -',"usage":null}'.length)}}\n\n`);
    expect(dialect.onEvent(data(USAGE_CHUNK))).toBe('');
    expect(dialect.onEvent(data('[DONE]'))).toBe('data: [DONE]\n\n');
    expect(dialect.finished).toBe(true);
    expect(dialect.reportedUsage()).toEqual({ inputTokens: 9, outputTokens: 2, cachedInputTokens: 4, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it('passes chunks and the usage chunk through untouched to a client that asked for usage', () => {
    const dialect = new OpenAiChatStreamDialect('gpt-4.1-mini', true);
    const raw = chunk('Hi');
    expect(dialect.onEvent(data(raw))).toBe(`data: ${raw}\n\n`);
    expect(dialect.onEvent(data(USAGE_CHUNK))).toBe(`data: ${USAGE_CHUNK}\n\n`);
  });

  it('sets the model the client sent in every chunk', () => {
    const dialect = new OpenAiChatStreamDialect('openai/gpt-4.1-mini', false);
    const out = dialect.onEvent(data(chunk('Hi', 'gpt-4.1-mini-2025-04-14')));
    expect(JSON.parse(out.slice('data: '.length))).toEqual({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'openai/gpt-4.1-mini',
      choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }],
    });
  });

  it('counts the text delivered (content, refusals, tool arguments) for a stream cut short', () => {
    const dialect = new OpenAiChatStreamDialect('m', false);
    dialect.onEvent(data(chunk('mock')));
    dialect.onEvent(data(chunk(' reply')));
    dialect.onEvent(
      data('{"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":" the"}}]}}]}'),
    );
    expect(dialect.reportedUsage()).toBeNull();
    // The input is reported only by the final usage chunk: until then, the settlement counts it.
    expect(dialect.deliveredUsage()).toEqual({
      usage: { inputTokens: 0, outputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0 },
      inputReported: false,
    });
    dialect.onEvent(data('{"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4}}'));
    expect(dialect.deliveredUsage()).toMatchObject({ usage: { inputTokens: 9, outputTokens: 4 }, inputReported: true });
  });

  it('fails on invalid or error events, and writes its own error as an OpenAI error event', () => {
    const dialect = new OpenAiChatStreamDialect('m', false);
    expect(() => dialect.onEvent(data('{"choices":'))).toThrow(GatewayError);
    expect(() => dialect.onEvent(data('{"error":{"message":"boom"}}'))).toThrow(expect.objectContaining({ status: 502 }));
    expect(dialect.errorEvent(GatewayError.upstream('cut'))).toBe(
      'data: {"error":{"message":"cut","type":"upstream_error","code":"502"}}\n\n',
    );
  });
});
