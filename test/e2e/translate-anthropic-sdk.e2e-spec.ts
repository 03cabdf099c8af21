import Anthropic from '@anthropic-ai/sdk';
import { sharedMockUrl } from '../support/test-env';
import { expectBilledAsReported, expectToolResultSent, fundedKey, nonce, suiteProxy, TRANSLATED_MODELS } from '../support/translation';

const WEATHER: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('Any client, any model: @anthropic-ai/sdk, unmodified, calling OpenAI and Google models', () => {
  const proxy = suiteProxy();

  const client = (key: string) => new Anthropic({ apiKey: key, baseURL: `${proxy().url}/anthropic`, maxRetries: 0 });

  describe.each([TRANSLATED_MODELS.openai, TRANSLATED_MODELS.google])('%s', (model) => {
    it('answers a message (system prompt read) and bills the provider usage, recorded as an Anthropic request', async () => {
      const { accountId, key } = await fundedKey();
      const { data, response } = await client(key)
        .messages.create({
          model,
          max_tokens: 200,
          system: 'answer briefly',
          messages: [{ role: 'user', content: 'one two three mock:output_tokens=30' }],
        })
        .withResponse();
      expect(data).toMatchObject({ type: 'message', role: 'assistant', model, stop_reason: 'end_turn' });
      expect((data.content[0] as Anthropic.TextBlock).text.split(' ')).toHaveLength(30);
      // The mock counts words: 2 of the system prompt, 4 of the message.
      expect(data.usage).toMatchObject({ input_tokens: 6, output_tokens: 30 });
      await expectBilledAsReported(response.headers.get('x-chuizi-generation-id')!, accountId, model, {
        protocol: 'anthropic',
        endpoint: 'messages',
        stream: false,
        input: 6,
        output: 30,
      });
    });

    it('streams Anthropic events and settles on the provider usage', async () => {
      const { accountId, key } = await fundedKey();
      const { data: stream, response } = await client(key)
        .messages.create({ model, max_tokens: 200, stream: true, messages: [{ role: 'user', content: 'stream please mock:output_tokens=12' }] })
        .withResponse();
      const types = new Set<string>();
      let text = '';
      let startInput: number | undefined;
      let finalUsage: Anthropic.MessageDeltaUsage | undefined;
      for await (const event of stream) {
        types.add(event.type);
        if (event.type === 'message_start') startInput = event.message.usage.input_tokens;
        if (event.type === 'message_delta') finalUsage = event.usage;
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      }
      expect([...types]).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
      expect(text.split(' ')).toHaveLength(12);
      // Gemini reports the prompt in its first chunk, so message_start carries it as Anthropic's does; an OpenAI stream
      // reports usage only at its end, so message_start says 0 and message_delta brings it.
      expect(startInput).toBe(model === TRANSLATED_MODELS.google ? 3 : 0);
      expect(finalUsage).toMatchObject({ input_tokens: 3, output_tokens: 12 });
      await expectBilledAsReported(response.headers.get('x-chuizi-generation-id')!, accountId, model, {
        protocol: 'anthropic',
        endpoint: 'messages',
        stream: true,
        input: 3,
        output: 12,
      });
    });

    it('round-trips a tool call: tool_use (streamed too), then its tool_result answered', async () => {
      const { key } = await fundedKey();
      const anthropic = client(key);
      const marker = nonce();
      const question: Anthropic.MessageParam = { role: 'user', content: 'weather in Paris? mock:tool_call' };
      const first = await anthropic.messages.create({ model, max_tokens: 200, tools: [WEATHER], messages: [question] });
      expect(first.stop_reason).toBe('tool_use');
      const call = first.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use')!;
      expect(call).toMatchObject({ name: 'get_weather', input: { mock: true } });

      const streamed = await anthropic.messages.stream({ model, max_tokens: 200, tools: [WEATHER], messages: [question] }).finalMessage();
      expect(streamed.stop_reason).toBe('tool_use');
      expect(streamed.content.find((block) => block.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { mock: true } });

      const second = await anthropic.messages.create({
        model,
        max_tokens: 200,
        tools: [WEATHER],
        messages: [
          question,
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: `21 degrees ${marker}` }] },
        ],
      });
      expect(second.type).toBe('message');
      await expectToolResultSent(sharedMockUrl(), marker, model);
    });

    it('refuses max_tokens: 0 (prompt-cache pre-warming, which the provider lacks) with a 400 naming it, not a whole answer', async () => {
      const { key } = await fundedKey();
      const error = await client(key)
        .messages.create({ model, max_tokens: 0, messages: [{ role: 'user', content: 'warm the cache' }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens: 0') },
      });
    });
  });
});
