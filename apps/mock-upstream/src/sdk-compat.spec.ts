import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type MockUpstream, startMockUpstream } from './mock-upstream.server';

// The official clients, pointed straight at the mock, must accept everything it answers.
describe('official SDKs against the mock upstream', () => {
  let mock: MockUpstream;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0 });
    openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url, maxRetries: 0 });
  });
  afterAll(() => mock.close());

  describe(OpenAI.name, () => {
    const user = (content: string) => [{ role: 'user' as const, content }];
    const weatherTool = {
      type: 'function' as const,
      function: { name: 'get_weather', parameters: { type: 'object', properties: {} } },
    };

    it('creates a completion', async () => {
      const completion = await openai.chat.completions.create({ model: 'gpt-4.1-mini', messages: user('two words') });
      expect(completion.choices[0].message.content).toBe(
        'mock reply the of and to in is it that for on with as was at',
      );
      expect(completion.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 16, total_tokens: 18 });
      expect(completion.model).toBe('gpt-4.1-mini');
    });

    it('streams a completion with usage', async () => {
      const stream = await openai.chat.completions.create({
        model: 'gpt-4.1-mini',
        messages: user('mock:output_tokens=5'),
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
      expect(text).toBe('mock reply the of and');
      expect(finish).toBe('stop');
      expect(usage).toMatchObject({ prompt_tokens: 1, completion_tokens: 5 });
    });

    it('assembles a streamed tool call', async () => {
      const runner = openai.chat.completions.stream({
        model: 'gpt-4.1',
        messages: user('mock:tool_call'),
        tools: [weatherTool],
      });
      const final = await runner.finalChatCompletion();
      expect(final.choices[0].finish_reason).toBe('tool_calls');
      const call = final.choices[0].message.tool_calls![0];
      expect(call.type === 'function' && call.function).toEqual({ name: 'get_weather', arguments: '{"mock":true}' });
    });

    it('decodes base64 embeddings (its default) the same as float ones', async () => {
      const b64 = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['a b', 'c'] });
      const float = await openai.embeddings.create({
        model: 'text-embedding-3-small',
        input: ['a b', 'c'],
        encoding_format: 'float',
      });
      expect(b64.data).toHaveLength(2);
      expect(b64.data[0].embedding).toHaveLength(16);
      expect(b64.data.map((d) => d.embedding)).toEqual(float.data.map((d) => d.embedding));
      expect(b64.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    });

    it('lists models', async () => {
      const ids: string[] = [];
      for await (const model of openai.models.list()) ids.push(model.id);
      expect(ids).toEqual(expect.arrayContaining(['gpt-4.1', 'gpt-4.1-mini', 'gpt-4o-mini', 'text-embedding-3-small']));
    });

    it('raises the typed error of a provider status', async () => {
      const failure = openai.chat.completions.create({ model: 'gpt-4.1', messages: user('mock:status=429') });
      await expect(failure).rejects.toBeInstanceOf(OpenAI.RateLimitError);
      await expect(failure).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' });
      await expect(
        openai.chat.completions.create({ model: 'gpt-4.1', messages: user('mock:status=500') }),
      ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    });

    it('fails on a dropped stream', async () => {
      const stream = await openai.chat.completions.create({
        model: 'gpt-4.1',
        messages: user('mock:drop_after=2'),
        stream: true,
      });
      const consume = async () => {
        for await (const _chunk of stream);
      };
      await expect(consume()).rejects.toThrow();
    });
  });

  describe(Anthropic.name, () => {
    const user = (content: string) => [{ role: 'user' as const, content }];

    it('creates a message', async () => {
      const message = await anthropic.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 3,
        system: 'be brief',
        messages: user('hello'),
      });
      expect(message.content).toEqual([{ type: 'text', text: 'mock reply the' }]);
      expect(message.stop_reason).toBe('max_tokens');
      expect(message.usage).toMatchObject({ input_tokens: 3, output_tokens: 3 });
    });

    it('streams a message into the same final message', async () => {
      const stream = anthropic.messages.stream({
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        messages: user('mock:output_tokens=6'),
      });
      const deltas: string[] = [];
      stream.on('text', (delta) => deltas.push(delta));
      const message = await stream.finalMessage();
      expect(deltas).toEqual(['mock', ' reply', ' the', ' of', ' and', ' to']);
      expect(message.content).toEqual([{ type: 'text', text: 'mock reply the of and to' }]);
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage).toMatchObject({ input_tokens: 1, output_tokens: 6 });
    });

    it('assembles a streamed tool use', async () => {
      const message = await anthropic.messages
        .stream({
          model: 'claude-opus-4-6',
          max_tokens: 100,
          messages: user('mock:tool_call'),
          tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
        })
        .finalMessage();
      expect(message.stop_reason).toBe('tool_use');
      expect(message.content).toEqual([
        { type: 'tool_use', id: expect.stringMatching(/^toolu_mock_/), name: 'get_weather', input: { mock: true } },
      ]);
    });

    it('counts tokens', async () => {
      const count = await anthropic.messages.countTokens({
        model: 'claude-sonnet-4-6',
        messages: user('one two three'),
      });
      expect(count.input_tokens).toBe(3);
    });

    it('lists models', async () => {
      const ids: string[] = [];
      for await (const model of anthropic.models.list()) ids.push(model.id);
      expect(ids).toEqual(expect.arrayContaining(['claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-opus-4-6']));
    });

    it('raises the typed error of a provider status', async () => {
      const overloaded = anthropic.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 10,
        messages: user('mock:status=529'),
      });
      await expect(overloaded).rejects.toBeInstanceOf(Anthropic.InternalServerError);
      await expect(overloaded).rejects.toMatchObject({ status: 529, error: { error: { type: 'overloaded_error' } } });
      await expect(
        anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: user('mock:status=404') }),
      ).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    });

    it('fails on a stream that is not valid JSON', async () => {
      // Quiet: the SDK logs the unparsable chunk before throwing.
      const quiet = new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url, maxRetries: 0, logLevel: 'off' });
      const stream = quiet.messages.stream({
        model: 'claude-sonnet-4-6',
        max_tokens: 10,
        messages: user('mock:invalid_json'),
      });
      await expect(stream.finalMessage()).rejects.toThrow();
    });
  });
});
