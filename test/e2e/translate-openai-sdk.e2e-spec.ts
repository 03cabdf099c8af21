import OpenAI from 'openai';
import { sharedMockUrl } from '../support/test-env';
import { expectBilledAsReported, expectToolResultSent, fundedKey, nonce, suiteProxy, TRANSLATED_MODELS } from '../support/translation';

const WEATHER_PARAMETERS = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const CHAT_WEATHER: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER_PARAMETERS },
};
const RESPONSES_WEATHER: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: WEATHER_PARAMETERS,
  strict: false,
};

describe('Any client, any model: openai (chat completions and Responses), unmodified, calling Anthropic and Google models', () => {
  const proxy = suiteProxy();

  const client = (key: string) => new OpenAI({ apiKey: key, baseURL: `${proxy().url}/v1`, maxRetries: 0 });

  describe.each([TRANSLATED_MODELS.anthropic, TRANSLATED_MODELS.google])('%s', (model) => {
    describe('chat completions', () => {
      it('answers (system prompt read) and bills the provider usage, recorded as an OpenAI chat request', async () => {
        const { accountId, key } = await fundedKey();
        const { data, response } = await client(key)
          .chat.completions.create({
            model,
            messages: [
              { role: 'system', content: 'answer briefly' },
              { role: 'user', content: 'one two three mock:output_tokens=30' },
            ],
          })
          .withResponse();
        expect(data).toMatchObject({ object: 'chat.completion', model, choices: [{ index: 0, finish_reason: 'stop' }] });
        expect(data.choices[0].message.content!.split(' ')).toHaveLength(30);
        expect(data.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 30, total_tokens: 36 });
        await expectBilledAsReported(response.headers.get('x-chuizi-generation-id')!, accountId, model, {
          protocol: 'openai',
          endpoint: 'chat.completions',
          stream: false,
          input: 6,
          output: 30,
        });
      });

      it('streams chunks, with the usage chunk when asked, and settles on the provider usage', async () => {
        const { accountId, key } = await fundedKey();
        const { data: stream, response } = await client(key)
          .chat.completions.create({
            model,
            stream: true,
            stream_options: { include_usage: true },
            messages: [{ role: 'user', content: 'stream please mock:output_tokens=12' }],
          })
          .withResponse();
        let text = '';
        let finish: string | null = null;
        let usage: OpenAI.CompletionUsage | null | undefined;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? '';
          finish = chunk.choices[0]?.finish_reason ?? finish;
          usage = chunk.usage ?? usage;
        }
        expect(text.split(' ')).toHaveLength(12);
        expect(finish).toBe('stop');
        expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 12 });
        await expectBilledAsReported(response.headers.get('x-chuizi-generation-id')!, accountId, model, {
          protocol: 'openai',
          endpoint: 'chat.completions',
          stream: true,
          input: 3,
          output: 12,
        });
      });

      it('round-trips a tool call: tool_calls (streamed argument deltas too), then the tool message answered', async () => {
        const { key } = await fundedKey();
        const openai = client(key);
        const marker = nonce();
        const question: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'weather in Paris? mock:tool_call' };
        const first = await openai.chat.completions.create({ model, tools: [CHAT_WEATHER], messages: [question] });
        expect(first.choices[0].finish_reason).toBe('tool_calls');
        const call = first.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
        expect(call.function.name).toBe('get_weather');
        expect(JSON.parse(call.function.arguments)).toEqual({ mock: true });

        const streamed = await openai.chat.completions.stream({ model, tools: [CHAT_WEATHER], messages: [question] }).finalChatCompletion();
        expect(streamed.choices[0].finish_reason).toBe('tool_calls');
        const streamedCall = streamed.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
        expect(JSON.parse(streamedCall.function.arguments)).toEqual({ mock: true });

        const second = await openai.chat.completions.create({
          model,
          tools: [CHAT_WEATHER],
          messages: [question, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: `21 degrees ${marker}` }],
        });
        expect(second.choices[0].finish_reason).toBe('stop');
        expect(second.choices[0].message.content!.length).toBeGreaterThan(0);
        await expectToolResultSent(sharedMockUrl(), marker, model);
      });
    });

    describe('Responses API', () => {
      it('answers (instructions read) and bills the provider usage, recorded as a Responses request', async () => {
        const { accountId, key } = await fundedKey();
        const { data, response } = await client(key)
          .responses.create({ model, instructions: 'answer briefly', input: 'one two three mock:output_tokens=30' })
          .withResponse();
        expect(data).toMatchObject({ object: 'response', status: 'completed', model });
        expect(data.output_text.split(' ')).toHaveLength(30);
        expect(data.usage).toMatchObject({ input_tokens: 6, output_tokens: 30 });
        await expectBilledAsReported(response.headers.get('x-chuizi-generation-id')!, accountId, model, {
          protocol: 'openai',
          endpoint: 'responses',
          stream: false,
          input: 6,
          output: 30,
        });
      });

      it('streams typed events and settles on the provider usage', async () => {
        const { accountId, key } = await fundedKey();
        const { data: stream, response } = await client(key)
          .responses.create({ model, stream: true, input: 'stream please mock:output_tokens=12' })
          .withResponse();
        let text = '';
        let completed: OpenAI.Responses.Response | undefined;
        for await (const event of stream) {
          if (event.type === 'response.output_text.delta') text += event.delta;
          if (event.type === 'response.completed') completed = event.response;
        }
        expect(text.split(' ')).toHaveLength(12);
        expect(completed?.usage).toMatchObject({ input_tokens: 3, output_tokens: 12 });
        await expectBilledAsReported(response.headers.get('x-chuizi-generation-id')!, accountId, model, {
          protocol: 'openai',
          endpoint: 'responses',
          stream: true,
          input: 3,
          output: 12,
        });
      });

      it('round-trips a function call: function_call (streamed too), then its function_call_output answered', async () => {
        const { key } = await fundedKey();
        const openai = client(key);
        const marker = nonce();
        const question: OpenAI.Responses.ResponseInputItem = { role: 'user', content: 'weather in Paris? mock:tool_call' };
        const first = await openai.responses.create({ model, tools: [RESPONSES_WEATHER], input: [question] });
        const call = first.output.find((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call')!;
        expect(call.name).toBe('get_weather');
        expect(JSON.parse(call.arguments)).toEqual({ mock: true });

        const streamed = await openai.responses.stream({ model, tools: [RESPONSES_WEATHER], input: [question] }).finalResponse();
        const streamedCall = streamed.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
        expect(JSON.parse(streamedCall.arguments)).toEqual({ mock: true });

        const second = await openai.responses.create({
          model,
          tools: [RESPONSES_WEATHER],
          input: [question, call, { type: 'function_call_output', call_id: call.call_id, output: `21 degrees ${marker}` }],
        });
        expect(second.status).toBe('completed');
        expect(second.output_text.length).toBeGreaterThan(0);
        await expectToolResultSent(sharedMockUrl(), marker, model);
      });
    });
  });
});
