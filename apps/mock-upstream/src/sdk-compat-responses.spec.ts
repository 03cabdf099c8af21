import OpenAI from 'openai';
import { type MockUpstream, startMockUpstream } from './mock-upstream.server';

// The official OpenAI client's Responses API, pointed straight at the mock, must accept everything it answers.
describe('openai responses against the mock upstream', () => {
  let mock: MockUpstream;
  let openai: OpenAI;
  const weatherTool = {
    type: 'function' as const,
    name: 'get_weather',
    parameters: { type: 'object', properties: {} },
    strict: false,
  };

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0 });
    openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => mock.close());

  it('creates a response, with its usage', async () => {
    const response = await openai.responses.create({
      model: 'gpt-4.1-mini',
      instructions: 'be brief',
      input: 'two words mock:output_tokens=5 mock:cached_tokens=2 mock:reasoning_tokens=3',
    });
    expect(response.status).toBe('completed');
    expect(response.model).toBe('gpt-4.1-mini');
    expect(response.output_text).toBe('mock reply the of and');
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(response.usage).toEqual({
      input_tokens: 7,
      input_tokens_details: { cached_tokens: 2 },
      output_tokens: 8,
      output_tokens_details: { reasoning_tokens: 3 },
      total_tokens: 15,
    });
  });

  it('streams the typed events into the same final response', async () => {
    const stream = openai.responses.stream({ model: 'gpt-4.1', input: 'mock:output_tokens=4' });
    const deltas: string[] = [];
    const types = new Set<string>();
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    stream.on('event', (event) => types.add(event.type));
    const final = await stream.finalResponse();
    expect(deltas).toEqual(['mock', ' reply', ' the', ' of']);
    expect(final.output_text).toBe('mock reply the of');
    expect(final.status).toBe('completed');
    expect(final.usage).toMatchObject({ input_tokens: 1, output_tokens: 4, total_tokens: 5 });
    expect([...types]).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
  });

  it('iterates a raw stream created with stream: true', async () => {
    const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'mock:output_tokens=2', stream: true });
    let text = '';
    let usage: OpenAI.Responses.ResponseUsage | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') usage = event.response.usage;
    }
    expect(text).toBe('mock reply');
    expect(usage).toMatchObject({ output_tokens: 2 });
  });

  it('calls a function, and takes its output back', async () => {
    const response = await openai.responses.create({
      model: 'gpt-4.1',
      input: 'weather? mock:tool_call',
      tools: [weatherTool],
    });
    const [call] = response.output;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"mock":true}' });
    if (call.type !== 'function_call') throw new Error('expected a function call');

    const answer = await openai.responses.create({
      model: 'gpt-4.1',
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'weather?' },
        call,
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny and warm' },
      ],
    });
    expect(answer.output_text.startsWith('mock reply')).toBe(true);
    expect(answer.usage?.input_tokens).toBe(1 + 3);
  });

  it('assembles a streamed function call', async () => {
    const stream = openai.responses.stream({ model: 'gpt-4.1', input: 'mock:tool_call', tools: [weatherTool] });
    const snapshots: string[] = [];
    stream.on('response.function_call_arguments.delta', (event) => snapshots.push(event.snapshot));
    const final = await stream.finalResponse();
    expect(snapshots[snapshots.length - 1]).toBe('{"mock":true}');
    expect(final.output).toEqual([
      expect.objectContaining({ type: 'function_call', name: 'get_weather', arguments: '{"mock":true}' }),
    ]);
  });

  it('reports an answer cut by max_output_tokens as incomplete', async () => {
    const final = await openai.responses
      .stream({ model: 'gpt-4.1', input: 'mock:output_tokens=40', max_output_tokens: 16 })
      .finalResponse();
    expect(final.status).toBe('incomplete');
    expect(final.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(final.output_text.split(' ')).toHaveLength(16);
  });

  it('ends a stream that fails mid-answer with a failed response', async () => {
    const final = await openai.responses.stream({ model: 'gpt-4.1', input: 'mock:fail_after=2' }).finalResponse();
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({ code: 'server_error', message: expect.stringContaining('mock:fail_after') });
  });

  it('fails on a dropped stream', async () => {
    const stream = openai.responses.stream({ model: 'gpt-4.1', input: 'mock:drop_after=2' });
    await expect(stream.finalResponse()).rejects.toThrow();
  });

  it('raises the typed error of a provider status or a refused request', async () => {
    const limited = openai.responses.create({ model: 'gpt-4.1', input: 'mock:status=429' });
    await expect(limited).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    const chained = openai.responses.create({ model: 'gpt-4.1', input: 'x', previous_response_id: 'resp_1' });
    await expect(chained).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(chained).rejects.toMatchObject({ status: 400, param: 'previous_response_id' });
  });
});
