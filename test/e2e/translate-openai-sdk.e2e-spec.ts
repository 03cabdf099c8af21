import OpenAI from 'openai';
import { createModel } from '../factories/model.factory';
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

  /**
   * The same request to an OpenAI model (served natively: the provider's own Responses API, here the mock's) and to an
   * Anthropic or Google one (translated) must give answers a client cannot tell apart, but for ids, creation times and
   * model names: every echoed parameter, every output item's fields, every stream event in order, failures included.
   * The models are the suite's own, with the same maximum output (the limit a request without one is sent and echoes).
   */
  describe.each(['anthropic', 'google'] as const)('Responses API: an %s model answers as an OpenAI model does natively', (provider) => {
    const models = { native: '', translated: '' };
    beforeAll(async () => {
      models.native = (await createModel({ provider: 'openai' })).id;
      models.translated = (await createModel({ provider })).id;
    });

    const PARAMETERS = {
      instructions: 'answer briefly',
      max_output_tokens: 300,
      temperature: 0.5,
      top_p: 0.9,
      metadata: { team: 'search' },
      parallel_tool_calls: true,
      truncation: 'disabled',
      user: 'user-1',
    } satisfies Partial<OpenAI.Responses.ResponseCreateParams>;

    /** Both answers to the same request, non-streaming. */
    async function both(params: Omit<OpenAI.Responses.ResponseCreateParamsNonStreaming, 'model'>) {
      const { key } = await fundedKey();
      const openai = client(key);
      const native = await openai.responses.create({ ...params, model: models.native });
      const translated = await openai.responses.create({ ...params, model: models.translated });
      return { native: comparable(native), translated: comparable(translated) };
    }

    /** Both streams of the same request, as comparable events (a stream that fails ends with its error events). */
    async function bothStreams(params: Omit<OpenAI.Responses.ResponseCreateParamsStreaming, 'model'>) {
      const { key } = await fundedKey();
      const openai = client(key);
      const events = async (model: string) => {
        const seen: OpenAI.Responses.ResponseStreamEvent[] = [];
        for await (const event of await openai.responses.create({ ...params, model })) seen.push(event);
        // Increasing (a native stream skips the number of the provider's own error event, which it replaces).
        const numbers = seen.map((event) => event.sequence_number);
        expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
        expect(new Set(numbers).size).toBe(numbers.length);
        return comparableEvents(seen);
      };
      return { native: await events(models.native), translated: await events(models.translated) };
    }

    it('echoes every parameter the request set, and answers text with the same fields', async () => {
      const { native, translated } = await both({ ...PARAMETERS, input: 'one two three mock:output_tokens=3' });
      expect(translated).toEqual(native);
      expect(native).toMatchObject({ max_output_tokens: 300, temperature: 0.5, top_p: 0.9, metadata: { team: 'search' }, instructions: 'answer briefly' });
    });

    it("echoes OpenAI's defaults for what the request did not set, max_output_tokens being the limit it was sent", async () => {
      const { native, translated } = await both({ input: 'hello mock:output_tokens=3' });
      expect(translated).toEqual(native);
      expect(native).toMatchObject({ max_output_tokens: 4_096, temperature: 1, top_p: 1, tools: [], tool_choice: 'auto' });
    });

    it('answers a function call with the same fields', async () => {
      const { native, translated } = await both({ ...PARAMETERS, tools: [RESPONSES_WEATHER], tool_choice: 'auto', input: 'weather in Paris? mock:tool_call' });
      expect(translated).toEqual(native);
      expect(native.output).toEqual([expect.objectContaining({ type: 'function_call', name: 'get_weather', arguments: '{"mock":true}' })]);
    });

    it('streams text and a function call as the same events in the same order', async () => {
      const text = await bothStreams({ ...PARAMETERS, stream: true, input: 'stream please mock:output_tokens=5' });
      expect(text.translated).toEqual(text.native);
      const call = await bothStreams({ ...PARAMETERS, stream: true, tools: [RESPONSES_WEATHER], input: 'weather? mock:tool_call' });
      expect(call.translated).toEqual(call.native);
      for (const events of [text.native, call.native]) {
        expect(events.filter((event) => 'response' in event)).toEqual([
          expect.objectContaining({ type: 'response.created', response: expect.objectContaining({ max_output_tokens: 300, temperature: 0.5 }) }),
          expect.objectContaining({ type: 'response.in_progress', response: expect.objectContaining({ max_output_tokens: 300 }) }),
          expect.objectContaining({ type: 'response.completed', response: expect.objectContaining({ max_output_tokens: 300 }) }),
        ]);
      }
    });

    it.each([
      ['cut by the provider', 'mock:drop_after=3'],
      ["failed by the provider's own error event", 'mock:fail_after=2'],
    ])('ends a stream %s with the same error event and failed response (upstream_error)', async (_, marker) => {
      const { native, translated } = await bothStreams({ ...PARAMETERS, stream: true, input: `go mock:output_tokens=20 ${marker}` });
      expect(translated).toEqual(native);
      expect(native.slice(-2)).toEqual([
        expect.objectContaining({ type: 'error', code: 'upstream_error' }),
        expect.objectContaining({
          type: 'response.failed',
          response: expect.objectContaining({ status: 'failed', error: expect.objectContaining({ code: 'upstream_error' }), max_output_tokens: 300, output: [] }),
        }),
      ]);
    });
  });
});

type Comparable = Record<string, unknown>;

/** What may differ between two answers to the same request: ids, creation times, the model's name, the usage's extras. */
const DIFFERING = new Set(['id', 'item_id', 'call_id', 'created_at', 'model', 'sequence_number']);

/** A response object, event or item with what may differ replaced (usage: the SDK's fields, counts compared). */
function comparable(value: unknown): Comparable {
  return normalise(value) as Comparable;
}

function normalise(value: unknown, key?: string): unknown {
  if (key !== undefined && DIFFERING.has(key)) return typeof value;
  if (key === 'usage' && value !== null && typeof value === 'object') {
    const usage = value as OpenAI.Responses.ResponseUsage;
    return { input: usage.input_tokens, cached: usage.input_tokens_details.cached_tokens, output: usage.output_tokens, reasoning: usage.output_tokens_details.reasoning_tokens };
  }
  if (Array.isArray(value)) return value.map((item) => normalise(item));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, k)]));
}

/** Stream events, comparable; a run of deltas of one item is one event carrying their joined text (chunking may differ). */
function comparableEvents(events: OpenAI.Responses.ResponseStreamEvent[]): Comparable[] {
  const out: Comparable[] = [];
  for (const event of events) {
    const current = comparable(event);
    const last = out[out.length - 1];
    if (event.type.endsWith('.delta') && last?.type === event.type && last.output_index === current.output_index) {
      last.delta = `${String(last.delta)}${String(current.delta)}`;
      continue;
    }
    out.push(current);
  }
  return out;
}
