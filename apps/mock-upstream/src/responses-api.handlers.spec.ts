import { type MockUpstream, startMockUpstream } from './mock-upstream.server';
import { createResponsesHandler } from './responses-api.handlers';
import { json, type Json, OPENAI_HEADERS, parseSse, post, readUntilClosed } from './spec-support';

describe(createResponsesHandler.name, () => {
  let mock: MockUpstream;
  const create = (body: object) => post(`${mock.url}/v1/responses`, body, OPENAI_HEADERS);
  const ask = (input: unknown, extra: object = {}) => create({ model: 'gpt-4.1-mini', input, ...extra });

  /** The events of a stream, each checked to name its own type and to carry the next sequence number. */
  async function streamEvents(res: Response): Promise<{ events: Json[]; complete: boolean }> {
    const { text, complete } = await readUntilClosed(res);
    const events = parseSse(text).map((e, i) => {
      const data = JSON.parse(e.data);
      expect(data.type).toBe(e.event);
      expect(data.sequence_number).toBe(i);
      return data;
    });
    return { events, complete };
  }

  const types = (events: Json[]) => events.map((e) => e.type);
  /** The events of a text answer before its first delta. */
  const MESSAGE_HEAD = [
    'response.created',
    'response.in_progress',
    'response.output_item.added',
    'response.content_part.added',
  ];
  const deltas = (n: number): string[] => Array(n).fill('response.output_text.delta');

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0 });
  });
  afterAll(() => mock.close());

  describe('non-streaming', () => {
    it('answers a response object and counts the words of instructions, messages and tool outputs', async () => {
      const res = await create({
        model: 'gpt-4.1',
        instructions: 'be brief',
        input: [
          { role: 'developer', content: 'answer in english' },
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_text', text: 'what is this' },
              { type: 'input_image', image_url: 'data:image/png;base64,AAAA' },
            ],
          },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a cat', annotations: [] }] },
          { type: 'function_call', call_id: 'call_1', name: 'look', arguments: '{"where": "here and there"}' },
          { type: 'function_call_output', call_id: 'call_1', output: 'sunny and warm' },
          { type: 'reasoning', id: 'rs_1', summary: [] },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = await json(res);
      expect(body).toEqual({
        id: expect.stringMatching(/^resp_mock_\d+$/),
        object: 'response',
        created_at: expect.any(Number),
        status: 'completed',
        background: false,
        error: null,
        incomplete_details: null,
        instructions: 'be brief',
        max_output_tokens: null,
        max_tool_calls: null,
        model: 'gpt-4.1',
        output: [
          {
            id: expect.stringMatching(/^msg_mock_\d+$/),
            type: 'message',
            status: 'completed',
            content: [{ type: 'output_text', annotations: [], logprobs: [], text: expect.any(String) }],
            role: 'assistant',
          },
        ],
        parallel_tool_calls: true,
        previous_response_id: null,
        prompt_cache_key: null,
        reasoning: { effort: null, summary: null },
        safety_identifier: null,
        service_tier: 'default',
        store: true,
        temperature: 1,
        text: { format: { type: 'text' }, verbosity: 'medium' },
        tool_choice: 'auto',
        tools: [],
        top_logprobs: 0,
        top_p: 1,
        truncation: 'disabled',
        usage: {
          input_tokens: 2 + 3 + 3 + 2 + 3,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 16,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 13 + 16,
        },
        user: null,
        metadata: {},
      });
      expect(body.output[0].content[0].text).toBe('mock reply the of and to in is it that for on with as was at');
      expect(body.created_at).toBeLessThanOrEqual(Date.now() / 1000);
    });

    it('takes a string input and counts at least one token', async () => {
      const body = await json(await ask('one two three'));
      expect(body.usage).toMatchObject({ input_tokens: 3, output_tokens: 16 });
      expect((await json(await ask(''))).usage.input_tokens).toBe(1);
    });

    it('repeats the request settings in the response', async () => {
      const settings = {
        max_output_tokens: 100,
        metadata: { trace: 'abc' },
        temperature: 0.2,
        top_p: 0.5,
        tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' }, strict: true }],
        tool_choice: 'required',
        parallel_tool_calls: false,
        text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
        reasoning: { effort: 'low' },
        store: false,
        user: 'u-1',
      };
      const body = await json(await ask('hi', settings));
      expect(body).toMatchObject({ ...settings, reasoning: { effort: 'low', summary: null }, instructions: null });
    });

    it('is incomplete when max_output_tokens cuts the answer', async () => {
      const body = await json(await ask('mock:output_tokens=40', { max_output_tokens: 16 }));
      expect(body).toMatchObject({
        status: 'incomplete',
        incomplete_details: { reason: 'max_output_tokens' },
        output: [{ type: 'message', status: 'incomplete' }],
        usage: { output_tokens: 16, output_tokens_details: { reasoning_tokens: 0 } },
      });
      const exact = await json(await ask('mock:output_tokens=16', { max_output_tokens: 16 }));
      expect(exact).toMatchObject({ status: 'completed', incomplete_details: null });
    });

    it('reports reasoning within output_tokens (reasoning item first), cached tokens within input_tokens', async () => {
      const body = await json(await ask('a b c mock:output_tokens=4 mock:reasoning_tokens=20 mock:cached_tokens=2'));
      expect(body.output).toEqual([
        { id: expect.stringMatching(/^rs_mock_/), type: 'reasoning', summary: [] },
        expect.objectContaining({ type: 'message', content: [expect.objectContaining({ text: 'mock reply the of' })] }),
      ]);
      expect(body.usage).toEqual({
        input_tokens: 6,
        input_tokens_details: { cached_tokens: 2 },
        output_tokens: 24,
        output_tokens_details: { reasoning_tokens: 20 },
        total_tokens: 30,
      });
      const allCached = await json(await ask('x mock:cached_tokens=500'));
      expect(allCached.usage.input_tokens_details.cached_tokens).toBe(2);
    });

    it('bounds reasoning and text together by max_output_tokens', async () => {
      const body = await json(await ask('mock:output_tokens=10 mock:reasoning_tokens=12', { max_output_tokens: 16 }));
      expect(body.status).toBe('incomplete');
      expect(body.output[1].content[0].text).toBe('mock reply the of');
      expect(body.usage).toMatchObject({ output_tokens: 16, output_tokens_details: { reasoning_tokens: 12 } });
    });

    it('adds encrypted reasoning when include asks for it', async () => {
      const body = await json(
        await ask('mock:reasoning_tokens=3', { include: ['reasoning.encrypted_content'], store: false }),
      );
      expect(body.output[0]).toEqual({
        id: expect.stringMatching(/^rs_mock_/),
        type: 'reasoning',
        summary: [],
        encrypted_content: expect.any(String),
      });
    });

    it('calls the first declared function tool on mock:tool_call', async () => {
      const tools = [
        { type: 'web_search_preview' },
        { type: 'function', name: 'get_weather', parameters: { type: 'object' } },
        { type: 'function', name: 'other' },
      ];
      const body = await json(await ask('weather? mock:tool_call mock:output_tokens=7', { tools }));
      expect(body.status).toBe('completed');
      expect(body.output).toEqual([
        {
          id: expect.stringMatching(/^fc_mock_/),
          type: 'function_call',
          status: 'completed',
          arguments: '{"mock":true}',
          call_id: expect.stringMatching(/^call_mock_/),
          name: 'get_weather',
        },
      ]);
      expect(body.usage.output_tokens).toBe(7);

      const plain = await json(await ask('weather? mock:tool_call', { tools: [{ type: 'web_search_preview' }] }));
      expect(plain.output[0].type).toBe('message');
    });

    it('reads markers from the last user message only', async () => {
      const res = await create({
        model: 'gpt-4.1',
        instructions: 'mock:status=500',
        input: [
          { role: 'user', content: 'mock:status=400' },
          { role: 'user', content: [{ type: 'input_text', text: 'now mock:output_tokens=2' }] },
          { role: 'assistant', content: 'mock:status=404' },
          { type: 'function_call_output', call_id: 'c', output: 'mock:status=503' },
        ],
      });
      expect(res.status).toBe(200);
      expect((await json(res)).usage.output_tokens).toBe(2);
    });
  });

  describe('streaming', () => {
    it('streams the typed events of a text answer, one word per delta', async () => {
      const res = await ask('one two mock:output_tokens=3', { stream: true });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const { events, complete } = await streamEvents(res);
      expect(complete).toBe(true);
      expect(types(events)).toEqual([
        ...MESSAGE_HEAD,
        ...deltas(3),
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      const [created, inProgress, added, partAdded] = events;
      expect(created.response).toMatchObject({ status: 'in_progress', output: [], usage: null, model: 'gpt-4.1-mini' });
      expect(inProgress.response).toEqual(created.response);
      const itemId = added.item.id;
      expect(added).toMatchObject({
        output_index: 0,
        item: { type: 'message', status: 'in_progress', content: [], role: 'assistant' },
      });
      expect(partAdded).toMatchObject({
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
      });
      expect(events.slice(4, 7).map((e) => e.delta)).toEqual(['mock', ' reply', ' the']);
      expect(events[4]).toMatchObject({ item_id: itemId, output_index: 0, content_index: 0, logprobs: [] });
      expect(events[7]).toMatchObject({ item_id: itemId, text: 'mock reply the' });
      expect(events[8].part).toEqual({ type: 'output_text', annotations: [], logprobs: [], text: 'mock reply the' });
      expect(events[9].item).toMatchObject({ id: itemId, status: 'completed' });
      const done = events[10].response;
      expect(done).toMatchObject({ id: created.response.id, status: 'completed', output: [events[9].item] });
      expect(done.usage).toEqual({
        input_tokens: 3,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 3,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 6,
      });
    });

    it('streams the reasoning item before the message, and the same body as without streaming', async () => {
      const text = 'q mock:output_tokens=2 mock:reasoning_tokens=5 mock:cached_tokens=1';
      const { events } = await streamEvents(await ask(text, { stream: true }));
      expect(types(events).slice(2, 6)).toEqual([
        'response.output_item.added',
        'response.output_item.done',
        'response.output_item.added',
        'response.content_part.added',
      ]);
      expect(events[2]).toMatchObject({ output_index: 0, item: { type: 'reasoning', summary: [] } });
      expect(events[4]).toMatchObject({ output_index: 1, item: { type: 'message' } });
      expect(events[6]).toMatchObject({ output_index: 1, delta: 'mock' });
      const streamed = events[events.length - 1].response;
      const plain = await json(await ask(text));
      const withoutIds = (r: Json) => JSON.parse(JSON.stringify(r).replace(/_mock_\d+/g, '_mock_N'));
      expect(withoutIds({ ...streamed, created_at: 0 })).toEqual(withoutIds({ ...plain, created_at: 0 }));
    });

    it('streams a function call with argument deltas', async () => {
      const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }];
      const { events, complete } = await streamEvents(await ask('mock:tool_call', { tools, stream: true }));
      expect(complete).toBe(true);
      expect(types(events)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        ...Array(5).fill('response.function_call_arguments.delta'),
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
      ]);
      expect(events[2].item).toEqual({
        id: expect.stringMatching(/^fc_mock_/),
        type: 'function_call',
        status: 'in_progress',
        arguments: '',
        call_id: expect.stringMatching(/^call_mock_/),
        name: 'get_weather',
      });
      const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta');
      expect(deltas.every((e) => e.item_id === events[2].item.id && e.output_index === 0)).toBe(true);
      expect(JSON.parse(deltas.map((e) => e.delta).join(''))).toEqual({ mock: true });
      expect(events[8]).toMatchObject({ item_id: events[2].item.id, arguments: '{"mock":true}', name: 'get_weather' });
      expect(events[9].item).toMatchObject({ status: 'completed', arguments: '{"mock":true}' });
      expect(events[10].response.output).toEqual([events[9].item]);
    });

    it('ends with response.incomplete when max_output_tokens cuts the answer', async () => {
      const res = await ask('mock:output_tokens=30', { stream: true, max_output_tokens: 20 });
      const { events } = await streamEvents(res);
      const last = events[events.length - 1];
      expect(last.type).toBe('response.incomplete');
      expect(last.response).toMatchObject({
        status: 'incomplete',
        incomplete_details: { reason: 'max_output_tokens' },
        usage: { output_tokens: 20 },
      });
      expect(events.filter((e) => e.type === 'response.output_text.delta')).toHaveLength(20);
    });

    it('drops the connection after N deltas, without done events', async () => {
      const { events, complete } = await streamEvents(await ask('mock:drop_after=2', { stream: true }));
      expect(complete).toBe(false);
      expect(types(events)).toEqual([...MESSAGE_HEAD, ...deltas(2)]);
    });

    it('fails after N deltas with response.failed on mock:fail_after', async () => {
      const { events, complete } = await streamEvents(
        await ask('mock:fail_after=1 mock:chunk_delay_ms=2', { stream: true }),
      );
      expect(complete).toBe(true);
      expect(types(events)).toEqual([...MESSAGE_HEAD, ...deltas(1), 'response.failed']);
      expect(events[5].response).toMatchObject({
        id: events[0].response.id,
        status: 'failed',
        error: { code: 'server_error', message: expect.stringContaining('mock:fail_after') },
        usage: null,
      });
    });
  });

  describe('markers shared with the other routes', () => {
    it('answers mock:status and mock:fail_first with OpenAI error bodies, streams included', async () => {
      for (const stream of [false, true]) {
        const res = await ask('mock:status=429', { stream });
        expect(res.status).toBe(429);
        expect(res.headers.get('retry-after')).toBe('1');
        expect((await json(res)).error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
      }
      const text = `retry me ${Date.now()} mock:fail_first=1`;
      const failed = await ask(text);
      expect(failed.status).toBe(503);
      expect((await json(failed)).error.message).toContain('mock:fail_first=1');
      expect((await ask(text)).status).toBe(200);
    });

    it('answers mock:invalid_json with a 200 that does not parse', async () => {
      const res = await ask('mock:invalid_json');
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(() => JSON.parse(text)).toThrow();
      const stream = await ask('mock:invalid_json', { stream: true });
      const [first] = parseSse(await stream.text());
      expect(first.event).toBe('response.created');
      expect(() => JSON.parse(first.data)).toThrow();
    });
  });

  describe('invalid requests', () => {
    const input = 'x';
    const cases: [string, object, string | null, string | null][] = [
      ['no model', { input: 'hi' }, 'model', 'missing_required_parameter'],
      ['no input', { model: 'm' }, 'input', 'missing_required_parameter'],
      ['numeric input', { model: 'm', input: 5 }, 'input', 'invalid_type'],
      ['an item that is not an object', { model: 'm', input: ['hi'] }, 'input[0]', 'invalid_type'],
      ['an unknown role', { model: 'm', input: [{ role: 'robot', content: 'x' }] }, 'input[0].role', 'invalid_value'],
      ['null content', { model: 'm', input: [{ role: 'user', content: null }] }, 'input[0].content', 'invalid_type'],
      ['a part', { model: 'm', input: [{ role: 'user', content: [7] }] }, 'input[0].content[0]', 'invalid_type'],
      ['numeric instructions', { model: 'm', input: 'x', instructions: 1 }, 'instructions', 'invalid_type'],
      ['tools that are not a list', { model: 'm', input: 'x', tools: {} }, 'tools', 'invalid_type'],
      ['a tiny limit', { model: 'm', input, max_output_tokens: 5 }, 'max_output_tokens', 'integer_below_min_value'],
      ['a decimal limit', { model: 'm', input, max_output_tokens: 20.5 }, 'max_output_tokens', 'invalid_type'],
      [
        'a previous response',
        { model: 'm', input, previous_response_id: 'resp_1' },
        'previous_response_id',
        'previous_response_not_found',
      ],
      ['a body that is a list', [], null, null],
    ];
    it.each(cases)('refuses %s with a 400 naming the parameter', async (_name, body, param, code) => {
      const res = await create(body);
      expect(res.status).toBe(400);
      const error = { message: expect.any(String), type: 'invalid_request_error', param, code };
      expect((await json(res)).error).toEqual(error);
    });

    it('has no stored responses to get', async () => {
      const res = await fetch(`${mock.url}/v1/responses/resp_mock_1`, { headers: OPENAI_HEADERS });
      expect(res.status).toBe(404);
      expect((await json(res)).error.code).toBe('unknown_url');
    });
  });
});
