import { readChatCompletion, readResponse } from './openai-answers';

describe(readResponse.name, () => {
  const output = [
    { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'think ' }] },
    { type: 'message', id: 'msg_1', role: 'assistant', content: [{ type: 'output_text', text: 'mock reply' }, { type: 'refusal', refusal: ' no' }] },
    { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'f', arguments: '{"mock":true}' },
  ];

  it("reads a response object's usage, cached and reasoning tokens included", () => {
    const answer = readResponse({
      object: 'response',
      output,
      usage: { input_tokens: 7, input_tokens_details: { cached_tokens: 2 }, output_tokens: 8, output_tokens_details: { reasoning_tokens: 3 } },
    });
    expect(answer?.usage).toEqual({ inputTokens: 7, outputTokens: 8, cachedInputTokens: 2, cacheWriteTokens: 0, reasoningTokens: 3 });
  });

  it('gives the text charged as output when the provider reported no usage: summaries, text, refusals, arguments', () => {
    const answer = readResponse({ object: 'response', output, usage: null });
    expect(answer?.usage).toBeNull();
    expect(answer?.outputText()).toBe('think mock reply no{"mock":true}');
  });

  it('is null for anything that is not a response object (a 502 for the client)', () => {
    expect(readResponse({ object: 'response' })).toBeNull();
    expect(readResponse({ object: 'chat.completion', output: [] })).toBeNull();
    expect(readResponse({ output: 'text' })).toBeNull();
    // A chat completion is not a response, and the other way round.
    expect(readChatCompletion({ object: 'response', output })).toBeNull();
  });
});
