import { createAnthropicHandlers } from './anthropic.handlers';
import { type MockUpstream, startMockUpstream } from './mock-upstream.server';
import { ANTHROPIC_HEADERS, json, type Json, parseSse, post, readUntilClosed, type SseEvent } from './spec-support';

describe(createAnthropicHandlers.name, () => {
  let mock: MockUpstream;
  const messages = (body: object) => post(`${mock.url}/v1/messages`, body, ANTHROPIC_HEADERS);
  const ask = (text: string, extra: object = {}) =>
    messages({ model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: text }], ...extra });

  async function streamEvents(res: Response): Promise<{ events: (SseEvent & { json: Json })[]; complete: boolean }> {
    const { text, complete } = await readUntilClosed(res);
    const events = parseSse(text).map((e) => ({ ...e, json: JSON.parse(e.data) }));
    for (const e of events) expect(e.json.type).toBe(e.event);
    return { events, complete };
  }

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0 });
  });
  afterAll(() => mock.close());

  describe('POST /v1/messages', () => {
    it('answers a message and counts system, text and tool result words', async () => {
      const res = await messages({
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        system: [{ type: 'text', text: 'you are terse' }],
        messages: [
          { role: 'user', content: 'what is the weather' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'w', input: { city: 'x y z' } }] },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'sunny' }] },
              { type: 'tool_result', tool_use_id: 't2', content: 'cold and wet' },
              { type: 'text', text: 'thanks' },
            ],
          },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = await json(res);
      expect(body).toEqual({
        id: expect.stringMatching(/^msg_mock_\d+$/),
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-4-5',
        content: [{ type: 'text', text: expect.stringMatching(/^mock reply the of/) }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: {
          input_tokens: 3 + 4 + 1 + 3 + 1,
          output_tokens: 16,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      });
      expect(body.content[0].text.split(' ')).toHaveLength(16);
    });

    it('caps the output by max_tokens', async () => {
      const body = await json(await ask('mock:output_tokens=30', { max_tokens: 4 }));
      expect(body.content[0].text).toBe('mock reply the of');
      expect(body).toMatchObject({ stop_reason: 'max_tokens', usage: { output_tokens: 4 } });
    });

    it('reads markers from the text blocks of the last user message', async () => {
      const res = await messages({
        model: 'claude-sonnet-4-6',
        max_tokens: 10,
        system: 'mock:status=500',
        messages: [
          { role: 'user', content: 'mock:status=400' },
          { role: 'assistant', content: 'ok' },
          { role: 'user', content: [{ type: 'text', text: 'mock:output_tokens=1' }] },
        ],
      });
      expect(res.status).toBe(200);
      expect((await json(res)).content[0].text).toBe('mock');
    });

    it('streams the events of a real message stream, one word per delta', async () => {
      const res = await ask('one two mock:output_tokens=3', { stream: true });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const { events, complete } = await streamEvents(res);
      expect(complete).toBe(true);
      expect(events.map((e) => e.event)).toEqual([
        'message_start',
        'content_block_start',
        'ping',
        'content_block_delta',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
      expect(events[0].json.message).toEqual({
        id: expect.stringMatching(/^msg_mock_/),
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-6',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 3, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      });
      expect(events[1].json).toEqual({
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      });
      expect(events.slice(3, 6).map((e) => e.json.delta)).toEqual([
        { type: 'text_delta', text: 'mock' },
        { type: 'text_delta', text: ' reply' },
        { type: 'text_delta', text: ' the' },
      ]);
      expect(events[6].json).toEqual({ type: 'content_block_stop', index: 0 });
      expect(events[7].json).toEqual({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 3 },
      });
    });

    it('drops the stream after N deltas, before content_block_stop and message_stop', async () => {
      const res = await ask('mock:drop_after=2 mock:chunk_delay_ms=5', { stream: true });
      const { events, complete } = await streamEvents(res);
      expect(complete).toBe(false);
      expect(events.map((e) => e.event)).toEqual([
        'message_start',
        'content_block_start',
        'ping',
        'content_block_delta',
        'content_block_delta',
      ]);
    });

    it('reports cache reads and writes on top of input_tokens, and no reasoning', async () => {
      const text =
        'a b mock:cached_tokens=100 mock:cache_write_tokens=40 mock:reasoning_tokens=50 mock:output_tokens=3';
      const body = await json(await ask(text));
      expect(body.content[0].text).toBe('mock reply the');
      expect(body.usage).toEqual({
        input_tokens: 6,
        output_tokens: 3,
        cache_creation_input_tokens: 40,
        cache_read_input_tokens: 100,
      });
      const { events } = await streamEvents(await ask(text, { stream: true }));
      expect(events[0].json.message.usage).toEqual({
        input_tokens: 6,
        output_tokens: 1,
        cache_creation_input_tokens: 40,
        cache_read_input_tokens: 100,
      });
      expect(events.find((e) => e.event === 'message_delta')!.json.usage).toEqual({ output_tokens: 3 });
    });

    it('ends a stream with an error event after N deltas on mock:fail_after', async () => {
      const { events, complete } = await streamEvents(await ask('mock:fail_after=2', { stream: true }));
      expect(complete).toBe(true);
      expect(events.map((e) => e.event)).toEqual([
        'message_start',
        'content_block_start',
        'ping',
        'content_block_delta',
        'content_block_delta',
        'error',
      ]);
      expect(events[5].json).toEqual({
        type: 'error',
        error: { type: 'api_error', message: expect.stringContaining('mock:fail_after') },
      });
    });

    it('answers mock:status with an Anthropic error body, streams included', async () => {
      const cases: [number, string][] = [
        [400, 'invalid_request_error'],
        [401, 'authentication_error'],
        [403, 'permission_error'],
        [404, 'not_found_error'],
        [413, 'request_too_large'],
        [429, 'rate_limit_error'],
        [500, 'api_error'],
        [503, 'api_error'],
        [529, 'overloaded_error'],
      ];
      for (const [status, type] of cases) {
        const res = await ask(`mock:status=${status}`, { stream: status === 529 });
        expect(res.status).toBe(status);
        expect(res.headers.get('content-type')).toBe('application/json');
        expect(res.headers.get('retry-after')).toBe([429, 503, 529].includes(status) ? '1' : null);
        expect(await json(res)).toEqual({ type: 'error', error: { type, message: expect.any(String) } });
      }
    });

    it('answers mock:invalid_json with a 200 that does not parse', async () => {
      const res = await ask('mock:invalid_json');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const text = await res.text();
      expect(() => JSON.parse(text)).toThrow();

      const stream = await ask('mock:invalid_json', { stream: true });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream');
      const [first] = parseSse(await stream.text());
      expect(first.event).toBe('message_start');
      expect(() => JSON.parse(first.data)).toThrow();
    });

    it('calls the first declared tool on mock:tool_call', async () => {
      const tools = [{ name: 'get_weather', input_schema: { type: 'object' } }];
      const body = await json(await ask('mock:tool_call mock:output_tokens=9', { tools }));
      expect(body).toMatchObject({
        content: [
          { type: 'tool_use', id: expect.stringMatching(/^toolu_mock_/), name: 'get_weather', input: { mock: true } },
        ],
        stop_reason: 'tool_use',
        usage: { output_tokens: 9 },
      });
    });

    it('streams a tool call with input_json_delta events', async () => {
      const tools = [{ name: 'get_weather', input_schema: { type: 'object' } }];
      const { events, complete } = await streamEvents(await ask('mock:tool_call', { tools, stream: true }));
      expect(complete).toBe(true);
      expect(events[1].json.content_block).toEqual({
        type: 'tool_use',
        id: expect.stringMatching(/^toolu_mock_/),
        name: 'get_weather',
        input: {},
      });
      const deltas = events.filter((e) => e.event === 'content_block_delta').map((e) => e.json.delta);
      expect(deltas.every((d) => d.type === 'input_json_delta')).toBe(true);
      expect(JSON.parse(deltas.map((d) => d.partial_json).join(''))).toEqual({ mock: true });
      expect(events.find((e) => e.event === 'message_delta')!.json.delta.stop_reason).toBe('tool_use');
    });
  });

  describe('POST /v1/messages/count_tokens', () => {
    it('counts the input words', async () => {
      const res = await post(
        `${mock.url}/v1/messages/count_tokens`,
        { model: 'claude-sonnet-4-6', system: 'a b', messages: [{ role: 'user', content: 'c d e mock:status=500' }] },
        ANTHROPIC_HEADERS,
      );
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ input_tokens: 6 });
    });
  });

  describe('GET /v1/models', () => {
    it('lists models in the Anthropic shape when anthropic-version is sent', async () => {
      const res = await fetch(`${mock.url}/v1/models`, { headers: ANTHROPIC_HEADERS });
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.has_more).toBe(false);
      expect(body.data).toContainEqual({
        type: 'model',
        id: 'claude-sonnet-4-6',
        display_name: 'Claude Sonnet 4.6',
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(body.data.map((m: { id: string }) => m.id)).toEqual(
        expect.arrayContaining(['claude-haiku-4-5', 'claude-opus-4-6']),
      );
      expect(body.first_id).toBe(body.data[0].id);
      expect(body.last_id).toBe(body.data[body.data.length - 1].id);
    });
  });
});
