import { createOpenAiHandlers } from './openai.handlers';
import { type MockUpstream, startMockUpstream } from './mock-upstream.server';
import { json, OPENAI_HEADERS, parseSse, post, readUntilClosed } from './spec-support';

interface ChatChunk {
  id: string;
  object: string;
  model: string;
  choices: {
    index: number;
    delta: { role?: string; content?: string | null; tool_calls?: ToolCallDelta[] };
    finish_reason: string | null;
  }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

interface ToolCallDelta {
  index: number;
  id?: string;
  type?: string;
  function: { name?: string; arguments: string };
}

describe(createOpenAiHandlers.name, () => {
  let mock: MockUpstream;
  const chat = (body: object) => post(`${mock.url}/v1/chat/completions`, body, OPENAI_HEADERS);
  const ask = (text: string, extra: object = {}) =>
    chat({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: text }], ...extra });

  async function streamChunks(res: Response): Promise<{ chunks: ChatChunk[]; done: boolean; complete: boolean }> {
    const { text, complete } = await readUntilClosed(res);
    const events = parseSse(text);
    const done = events.length > 0 && events[events.length - 1].data === '[DONE]';
    const chunks = events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as ChatChunk);
    return { chunks, done, complete };
  }

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0 });
  });
  afterAll(() => mock.close());

  describe('POST /v1/chat/completions', () => {
    it('answers a completion with 16 tokens by default and counts input words', async () => {
      const res = await chat({
        model: 'gpt-4.1',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: [{ type: 'text', text: 'hello there' }, { type: 'image_url', image_url: {} }] },
          { role: 'assistant', content: 'hi' },
          { role: 'tool', tool_call_id: 'x', content: 'sunny and warm' },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = await json(res);
      expect(body).toEqual({
        id: expect.stringMatching(/^chatcmpl-mock-\d+$/),
        object: 'chat.completion',
        created: expect.any(Number),
        model: 'gpt-4.1',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: expect.any(String), refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: {
          prompt_tokens: 8,
          completion_tokens: 16,
          total_tokens: 24,
          prompt_tokens_details: { cached_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
        system_fingerprint: 'fp_mock',
      });
      expect(body.choices[0].message.content.split(' ')).toHaveLength(16);
      expect(body.choices[0].message.content.startsWith('mock reply the of')).toBe(true);
    });

    it('counts at least one input token', async () => {
      const body = await json(await chat({ model: 'gpt-4.1', messages: [] }));
      expect(body.usage.prompt_tokens).toBe(1);
    });

    it('produces the asked number of tokens, capped by max_completion_tokens or max_tokens', async () => {
      let body = await json(await ask('mock:output_tokens=3'));
      expect(body.choices[0]).toMatchObject({ message: { content: 'mock reply the' }, finish_reason: 'stop' });
      expect(body.usage.completion_tokens).toBe(3);

      body = await json(await ask('mock:output_tokens=50', { max_tokens: 100, max_completion_tokens: 5 }));
      expect(body.choices[0]).toMatchObject({ message: { content: 'mock reply the of and' }, finish_reason: 'length' });
      expect(body.usage.completion_tokens).toBe(5);

      body = await json(await ask('go', { max_tokens: 2 }));
      expect(body.choices[0]).toMatchObject({ message: { content: 'mock reply' }, finish_reason: 'length' });
    });

    it('reads markers from the last user message only', async () => {
      const res = await chat({
        model: 'gpt-4.1',
        messages: [
          { role: 'user', content: 'mock:status=500' },
          { role: 'user', content: [{ type: 'text', text: 'now mock:output_tokens=2' }] },
          { role: 'assistant', content: 'mock:status=400' },
        ],
      });
      expect(res.status).toBe(200);
      expect((await json(res)).usage.completion_tokens).toBe(2);
    });

    it('streams one word per chunk, then the finish chunk and [DONE]', async () => {
      const res = await ask('stream mock:output_tokens=4', { stream: true });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const { chunks, done, complete } = await streamChunks(res);
      expect(complete).toBe(true);
      expect(done).toBe(true);
      expect(chunks).toHaveLength(6);
      expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
      expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-4.1-mini')).toBe(true);
      expect(chunks.every((c) => !('usage' in c))).toBe(true);
      expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
      expect(chunks.slice(1, 5).map((c) => c.choices[0].delta.content)).toEqual(['mock', ' reply', ' the', ' of']);
      expect(chunks[5].choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    });

    it('sends usage in a last chunk when stream_options.include_usage is set', async () => {
      const res = await ask('one two three', { stream: true, stream_options: { include_usage: true }, max_tokens: 5 });
      const { chunks, done } = await streamChunks(res);
      expect(done).toBe(true);
      expect(chunks).toHaveLength(1 + 5 + 1 + 1);
      expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
      expect(chunks[6].choices[0].finish_reason).toBe('length');
      const last = chunks[chunks.length - 1];
      expect(last.choices).toEqual([]);
      expect(last.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
    });

    it('streams long answers completely', async () => {
      const res = await ask('mock:output_tokens=20000', { stream: true });
      const { chunks, done } = await streamChunks(res);
      expect(done).toBe(true);
      expect(chunks).toHaveLength(20002);
      expect(chunks.slice(1, -1).map((c) => c.choices[0].delta.content).join('')).toBe(
        (await json(await ask('mock:output_tokens=20000'))).choices[0].message.content,
      );
    });

    it('drops the connection after N content chunks, without finish chunk, usage or [DONE]', async () => {
      const res = await ask('mock:output_tokens=10 mock:drop_after=3', {
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(res.status).toBe(200);
      const { chunks, done, complete } = await streamChunks(res);
      expect(complete).toBe(false);
      expect(done).toBe(false);
      expect(chunks.map((c) => c.choices[0].delta.content)).toEqual(['', 'mock', ' reply', ' the']);
      expect(chunks.every((c) => c.choices[0].finish_reason === null)).toBe(true);
    });

    it('reports cached tokens within prompt_tokens and reasoning tokens within completion_tokens', async () => {
      const text =
        'a b c d mock:output_tokens=4 mock:reasoning_tokens=6 mock:cached_tokens=3 mock:cache_write_tokens=1';
      const body = await json(await ask(text));
      expect(body.choices[0]).toMatchObject({ message: { content: 'mock reply the of' }, finish_reason: 'stop' });
      expect(body.usage).toEqual({
        prompt_tokens: 8,
        completion_tokens: 10,
        total_tokens: 18,
        prompt_tokens_details: { cached_tokens: 3 },
        completion_tokens_details: { reasoning_tokens: 6 },
      });
      const capped = await json(await ask('mock:cached_tokens=50', { max_tokens: 2 }));
      expect(capped.usage.prompt_tokens_details.cached_tokens).toBe(1);
    });

    it('bounds reasoning and text together by max_completion_tokens, reasoning first', async () => {
      const body = await json(
        await ask('mock:output_tokens=10 mock:reasoning_tokens=6', { max_completion_tokens: 8 }),
      );
      expect(body.choices[0]).toMatchObject({ message: { content: 'mock reply' }, finish_reason: 'length' });
      expect(body.usage).toMatchObject({ completion_tokens: 8, completion_tokens_details: { reasoning_tokens: 6 } });

      const res = await ask('mock:output_tokens=10 mock:reasoning_tokens=6', {
        max_completion_tokens: 8,
        stream: true,
        stream_options: { include_usage: true },
      });
      const { chunks } = await streamChunks(res);
      expect(chunks.slice(1, 3).map((c) => c.choices[0].delta.content)).toEqual(['mock', ' reply']);
      expect(chunks[3].choices[0].finish_reason).toBe('length');
      expect(chunks[4].usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 });
    });

    it('ends a stream with an error chunk after N content chunks on mock:fail_after', async () => {
      const res = await ask('mock:output_tokens=10 mock:fail_after=2', {
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(res.status).toBe(200);
      const { text, complete } = await readUntilClosed(res);
      expect(complete).toBe(true);
      const events = parseSse(text).map((e) => JSON.parse(e.data));
      expect(events.slice(0, 3).map((c) => c.choices[0].delta.content)).toEqual(['', 'mock', ' reply']);
      expect(events).toHaveLength(4);
      expect(events[3]).toEqual({
        error: { message: expect.stringContaining('mock:fail_after'), type: 'server_error', param: null, code: null },
      });
    });

    it('cuts a stream at the earlier of drop_after and fail_after, failing on a tie', async () => {
      const tie = await readUntilClosed(await ask('mock:drop_after=1 mock:fail_after=1', { stream: true }));
      expect(tie.complete).toBe(true);
      expect(JSON.parse(parseSse(tie.text)[2].data).error.type).toBe('server_error');
      const dropFirst = await readUntilClosed(await ask('mock:drop_after=1 mock:fail_after=3', { stream: true }));
      expect(dropFirst.complete).toBe(false);
      expect(dropFirst.text).not.toContain('error');
    });

    it('ignores drop_after outside streams', async () => {
      const res = await ask('mock:output_tokens=10 mock:drop_after=3');
      expect((await json(res)).usage.completion_tokens).toBe(10);
    });

    it('waits chunk_delay_ms between chunks', async () => {
      const started = Date.now();
      const res = await ask('mock:output_tokens=3 mock:chunk_delay_ms=40', { stream: true });
      const { chunks, done } = await streamChunks(res);
      expect(done).toBe(true);
      expect(chunks).toHaveLength(5);
      // 6 frames, 5 pauses
      expect(Date.now() - started).toBeGreaterThanOrEqual(5 * 40 - 5);
    });

    it('combines output_tokens, chunk_delay_ms and drop_after', async () => {
      const res = await ask('mock:output_tokens=50 mock:chunk_delay_ms=5 mock:drop_after=5', { stream: true });
      const { chunks, complete } = await streamChunks(res);
      expect(complete).toBe(false);
      expect(chunks).toHaveLength(6);
    });

    it('answers mock:status with an OpenAI error body, streams included', async () => {
      for (const stream of [false, true]) {
        const res = await ask('mock:status=429', { stream });
        expect(res.status).toBe(429);
        expect(res.headers.get('content-type')).toBe('application/json');
        expect(res.headers.get('retry-after')).toBe('1');
        expect(await json(res)).toEqual({
          error: {
            message: expect.stringContaining('mock:status=429'),
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        });
      }
      const cases: [number, string, string | null][] = [
        [400, 'invalid_request_error', null],
        [401, 'invalid_request_error', 'invalid_api_key'],
        [404, 'invalid_request_error', 'model_not_found'],
        [500, 'server_error', null],
        [502, 'server_error', null],
      ];
      for (const [status, type, code] of cases) {
        const res = await ask(`mock:status=${status}`);
        expect(res.status).toBe(status);
        expect(res.headers.get('retry-after')).toBeNull();
        expect((await json(res)).error).toMatchObject({ type, code });
      }
      expect((await ask('mock:status=503')).headers.get('retry-after')).toBe('1');
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
      const events = parseSse(await stream.text());
      expect(events.length).toBeGreaterThan(0);
      expect(() => JSON.parse(events[0].data)).toThrow();
    });

    it('calls the first declared tool on mock:tool_call', async () => {
      const tools = [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'other' } },
      ];
      const body = await json(await ask('weather? mock:tool_call mock:output_tokens=7', { tools }));
      expect(body.choices[0]).toMatchObject({
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: expect.stringMatching(/^call_mock_/),
              type: 'function',
              function: { name: 'get_weather', arguments: '{"mock":true}' },
            },
          ],
        },
        finish_reason: 'tool_calls',
      });
      expect(body.usage.completion_tokens).toBe(7);

      const plain = await json(await ask('weather? mock:tool_call'));
      expect(plain.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: expect.any(String) } });
    });

    it('streams a tool call as OpenAI does', async () => {
      const tools = [{ type: 'function', function: { name: 'get_weather' } }];
      const res = await ask('mock:tool_call', { tools, stream: true });
      const { chunks, done } = await streamChunks(res);
      expect(done).toBe(true);
      const first = chunks[0].choices[0].delta.tool_calls![0];
      expect(first).toEqual({
        index: 0,
        id: expect.stringMatching(/^call_mock_/),
        type: 'function',
        function: { name: 'get_weather', arguments: '' },
      });
      const args = chunks
        .slice(1, -1)
        .map((c) => c.choices[0].delta.tool_calls![0])
        .map((call) => {
          expect(call.index).toBe(0);
          return call.function.arguments;
        })
        .join('');
      expect(JSON.parse(args)).toEqual({ mock: true });
      expect(chunks[chunks.length - 1].choices[0]).toMatchObject({ delta: {}, finish_reason: 'tool_calls' });
    });

    it('rejects a body without messages', async () => {
      const res = await chat({ model: 'gpt-4.1' });
      expect(res.status).toBe(400);
      expect((await json(res)).error.type).toBe('invalid_request_error');
    });
  });

  describe('POST /v1/embeddings', () => {
    const embed = (body: object) => post(`${mock.url}/v1/embeddings`, body, OPENAI_HEADERS);

    it('returns one deterministic unit vector per input, with usage', async () => {
      const input = ['hello world', 'one two three', 'hello world'];
      const res = await embed({ model: 'text-embedding-3-small', input });
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body).toMatchObject({
        object: 'list',
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 7, total_tokens: 7 },
      });
      expect(body.data.map((d: { index: number }) => d.index)).toEqual([0, 1, 2]);
      const [a, b, c] = body.data.map((d: { object: string; embedding: number[] }) => {
        expect(d.object).toBe('embedding');
        return d.embedding;
      });
      expect(a).toHaveLength(16);
      expect(a).toEqual(c);
      expect(a).not.toEqual(b);
      expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    });

    it('honours dimensions and base64 encoding', async () => {
      const float = await json(await embed({ model: 'm', input: 'text', dimensions: 64, encoding_format: 'float' }));
      const b64 = await json(await embed({ model: 'm', input: 'text', dimensions: 64, encoding_format: 'base64' }));
      expect(float.data[0].embedding).toHaveLength(64);
      const bytes = Buffer.from(b64.data[0].embedding as string, 'base64');
      const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
      expect(decoded).toEqual(float.data[0].embedding);
    });

    it('counts token arrays by their length', async () => {
      const one = await json(await embed({ model: 'm', input: [1, 2, 3] }));
      expect(one.usage.prompt_tokens).toBe(3);
      expect(one.data).toHaveLength(1);
      const two = await json(await embed({ model: 'm', input: [[1, 2], [3, 4, 5]] }));
      expect(two.usage.prompt_tokens).toBe(5);
      expect(two.data).toHaveLength(2);
    });

    it('rejects bad inputs and dimensions', async () => {
      expect((await embed({ model: 'm', input: [] })).status).toBe(400);
      expect((await embed({ model: 'm', input: [{}] })).status).toBe(400);
      expect((await embed({ model: 'm', input: 'x', dimensions: 3073 })).status).toBe(400);
      expect((await embed({ model: 'm', input: 'x', dimensions: 3072 })).status).toBe(200);
    });

    it('obeys markers in the last input', async () => {
      const res = await embed({ model: 'm', input: ['a', 'b mock:status=503'] });
      expect(res.status).toBe(503);
      expect((await json(res)).error.type).toBe('server_error');
    });
  });

  describe('GET /v1/models', () => {
    it('lists models in the OpenAI shape', async () => {
      const res = await fetch(`${mock.url}/v1/models`, { headers: OPENAI_HEADERS });
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.object).toBe('list');
      expect(body.data).toContainEqual({
        id: 'gpt-4.1-mini',
        object: 'model',
        created: expect.any(Number),
        owned_by: 'system',
      });
      expect(body.data.map((m: { id: string }) => m.id)).toEqual(
        expect.arrayContaining(['gpt-4.1', 'gpt-4o-mini', 'text-embedding-3-small']),
      );
    });
  });
});
