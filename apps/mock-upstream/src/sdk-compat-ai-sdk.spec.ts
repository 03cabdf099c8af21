import { createOpenAI, type OpenAIProvider } from '@ai-sdk/openai';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import { type MockUpstream, startMockUpstream } from './mock-upstream.server';

// The Vercel AI SDK's default OpenAI provider, `openai(model)`, speaks the Responses API: it must accept the mock's
// answers, streamed or not.
describe('Vercel AI SDK (ai + @ai-sdk/openai) against the mock upstream', () => {
  let mock: MockUpstream;
  let openai: OpenAIProvider;
  const tools = {
    get_weather: tool({ description: 'weather', inputSchema: jsonSchema<{ city?: string }>({ type: 'object' }) }),
  };

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0 });
    openai = createOpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1` });
  });
  afterAll(() => mock.close());

  it('generates text over the Responses API, with its usage', async () => {
    const result = await generateText({
      model: openai('gpt-4.1-mini'),
      system: 'be brief',
      prompt: 'two words mock:output_tokens=5 mock:cached_tokens=2 mock:reasoning_tokens=3',
      maxRetries: 0,
    });
    expect(mock.requests(1)[0].path).toBe('/v1/responses');
    expect(result.text).toBe('mock reply the of and');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({
      inputTokens: 7,
      inputTokenDetails: { cacheReadTokens: 2 },
      outputTokens: 8,
      outputTokenDetails: { reasoningTokens: 3 },
      totalTokens: 15,
    });
    expect(result.response.id).toMatch(/^resp_mock_/);
  });

  it('streams text, with the final usage and finish reason', async () => {
    const errors: unknown[] = [];
    const result = streamText({
      model: openai('gpt-4.1'),
      prompt: 'one two mock:output_tokens=4',
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(errors).toEqual([]);
    expect(deltas).toEqual(['mock', ' reply', ' the', ' of']);
    expect(await result.finishReason).toBe('stop');
    expect(await result.usage).toMatchObject({ inputTokens: 3, outputTokens: 4, totalTokens: 7 });
  });

  it('takes the reasoning of a reasoning model, streamed or not', async () => {
    const prompt = 'think mock:output_tokens=2 mock:reasoning_tokens=9';
    const result = await generateText({ model: openai('o4-mini'), prompt, maxRetries: 0 });
    expect(result.text).toBe('mock reply');
    expect(result.usage).toMatchObject({ outputTokens: 11, outputTokenDetails: { reasoningTokens: 9 } });

    const errors: unknown[] = [];
    const streamed = streamText({
      model: openai('o4-mini'),
      prompt,
      maxRetries: 0,
      providerOptions: { openai: { store: false } },
      onError: ({ error }) => void errors.push(error),
    });
    expect(await streamed.text).toBe('mock reply');
    expect(errors).toEqual([]);
    expect((await streamed.usage).outputTokenDetails.reasoningTokens).toBe(9);
  });

  it('reports an answer cut by max tokens as length', async () => {
    const result = await generateText({
      model: openai('gpt-4.1'),
      prompt: 'mock:output_tokens=40',
      maxOutputTokens: 16,
      maxRetries: 0,
    });
    expect(result.finishReason).toBe('length');
    expect(result.text.split(' ')).toHaveLength(16);
  });

  it('returns tool calls, streamed or not', async () => {
    const result = await generateText({ model: openai('gpt-4.1'), prompt: 'mock:tool_call', tools, maxRetries: 0 });
    expect(result.finishReason).toBe('tool-calls');
    expect(result.toolCalls).toEqual([
      expect.objectContaining({
        toolName: 'get_weather',
        toolCallId: expect.stringMatching(/^call_mock_/),
        input: { mock: true },
      }),
    ]);

    const streamed = streamText({ model: openai('gpt-4.1'), prompt: 'mock:tool_call', tools, maxRetries: 0 });
    expect(await streamed.toolCalls).toEqual([
      expect.objectContaining({ toolName: 'get_weather', input: { mock: true } }),
    ]);
    expect(await streamed.finishReason).toBe('tool-calls');
  });

  it('surfaces a stream that fails mid-answer as an error', async () => {
    const errors: unknown[] = [];
    const result = streamText({
      model: openai('gpt-4.1'),
      prompt: 'mock:fail_after=2',
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    await result.consumeStream();
    expect(await result.text).toBe('mock reply');
    expect(errors).not.toEqual([]);
  });
});
