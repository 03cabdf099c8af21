import { CLIENT_MODEL } from '../test-fixtures/weather-answer';
import { ChatResponse, ClientProtocol, encodeResponse, ProviderProtocol, translateResponse, Usage } from '.';

/**
 * protocols.md, "Token accounting": each provider's own rules in, the gateway's normalised usage (every token once,
 * at its kind) out, and back into each client protocol's own fields.
 */
describe('usage: each provider`s token accounting -> the gateway`s', () => {
  // 1200 input tokens: 300 read from the cache, 100 written to it; 400 output tokens, 120 of them reasoning.
  const expected: Usage = { inputTokens: 1200, cachedInputTokens: 300, cacheWriteTokens: 100, outputTokens: 400, reasoningTokens: 120 };
  const answers: Record<ProviderProtocol, object> = {
    // OpenAI: cached and cache-write tokens are inside prompt_tokens, reasoning inside completion_tokens.
    'openai-chat': {
      id: 'chatcmpl-1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 1200,
        completion_tokens: 400,
        total_tokens: 1600,
        prompt_tokens_details: { cached_tokens: 300, cache_write_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 120 },
      },
    },
    // Anthropic: cache reads and writes come on top of input_tokens; thinking is inside output_tokens.
    anthropic: {
      id: 'msg_1',
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      usage: {
        input_tokens: 800,
        cache_read_input_tokens: 300,
        cache_creation_input_tokens: 100,
        output_tokens: 400,
        output_tokens_details: { thinking_tokens: 120 },
      },
    },
    // Gemini: cachedContentTokenCount is inside promptTokenCount, thoughts come on top of candidates.
    gemini: {
      responseId: 'r1',
      candidates: [{ content: { role: 'model', parts: [{ text: 'ok' }] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 1100, toolUsePromptTokenCount: 100, cachedContentTokenCount: 300, candidatesTokenCount: 280, thoughtsTokenCount: 120 },
    },
  };

  it.each(Object.keys(answers) as ProviderProtocol[])('%s', (provider) => {
    const usage = translateResponse(provider, 'openai-chat', answers[provider], { model: CLIENT_MODEL }).usage;
    if (provider === 'gemini') {
      // Gemini has no cache-write count: those tokens are plain prompt tokens there.
      expect(usage).toEqual({ ...expected, cacheWriteTokens: 0 });
    } else {
      expect(usage).toEqual(expected);
    }
  });
});

describe('usage: the gateway`s -> each client protocol`s own fields', () => {
  const usage: Usage = { inputTokens: 1200, cachedInputTokens: 300, cacheWriteTokens: 100, outputTokens: 400, reasoningTokens: 120 };
  const response: ChatResponse = { id: 'x', model: 'm', content: [{ type: 'text', text: 'ok' }], stopReason: 'end_turn', usage };
  const fields: Record<ClientProtocol, object> = {
    'openai-chat': {
      prompt_tokens: 1200,
      completion_tokens: 400,
      total_tokens: 1600,
      prompt_tokens_details: { cached_tokens: 300, cache_write_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 120 },
    },
    'openai-responses': {
      input_tokens: 1200,
      input_tokens_details: { cached_tokens: 300, cache_write_tokens: 100 },
      output_tokens: 400,
      output_tokens_details: { reasoning_tokens: 120 },
      total_tokens: 1600,
    },
    anthropic: {
      input_tokens: 800,
      cache_read_input_tokens: 300,
      cache_creation_input_tokens: 100,
      output_tokens: 400,
      output_tokens_details: { thinking_tokens: 120 },
    },
    gemini: { promptTokenCount: 1200, cachedContentTokenCount: 300, candidatesTokenCount: 280, thoughtsTokenCount: 120, totalTokenCount: 1600 },
  };

  it.each(Object.keys(fields) as ClientProtocol[])('%s', (client) => {
    const body = encodeResponse(client, response, { model: CLIENT_MODEL });
    const reported = client === 'gemini' ? body.usageMetadata : body.usage;
    expect(reported).toMatchObject(fields[client]);
  });

  it('leaves zero cache writes and reasoning out where the protocol marks them optional', () => {
    const plain = { ...response, usage: { ...usage, cacheWriteTokens: 0, reasoningTokens: 0, cachedInputTokens: 0 } };
    expect(encodeResponse('openai-chat', plain, { model: CLIENT_MODEL }).usage).toEqual({
      prompt_tokens: 1200,
      completion_tokens: 400,
      total_tokens: 1600,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(encodeResponse('gemini', plain, { model: CLIENT_MODEL }).usageMetadata).toEqual({
      promptTokenCount: 1200,
      candidatesTokenCount: 400,
      totalTokenCount: 1600,
    });
    expect((encodeResponse('anthropic', plain, { model: CLIENT_MODEL }).usage as { output_tokens_details: unknown }).output_tokens_details).toBeNull();
  });
});
