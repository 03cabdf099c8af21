import { createGeminiHandlers } from './gemini.handlers';
import { type MockUpstream, startMockUpstream } from './mock-upstream.server';
import { GEMINI_HEADERS, json, type Json, post, readUntilClosed } from './spec-support';

const GOOGLE_JSON = 'application/json; charset=UTF-8';

describe(createGeminiHandlers.name, () => {
  let mock: MockUpstream;
  const call = (method: string, body: object, model = 'gemini-2.5-flash', query = '') =>
    post(`${mock.url}/v1beta/models/${model}:${method}${query}`, body, GEMINI_HEADERS);
  const user = (text: string) => ({ contents: [{ role: 'user', parts: [{ text }] }] });
  const generate = (text: string, extra: object = {}) => call('generateContent', { ...user(text), ...extra });
  const streamSse = (text: string, extra: object = {}) =>
    call('streamGenerateContent', { ...user(text), ...extra }, 'gemini-2.5-flash', '?alt=sse');
  const streamArray = (text: string, extra: object = {}) =>
    call('streamGenerateContent', { ...user(text), ...extra });

  /** SSE frames as Google writes them: `data: {…}` ended by CRLF CRLF. */
  async function sseChunks(res: Response): Promise<{ chunks: Json[]; raw: string; complete: boolean }> {
    const { text, complete } = await readUntilClosed(res);
    const frames = text.split('\r\n\r\n');
    const rest = frames.pop();
    expect(rest).toBe('');
    const chunks = frames.map((frame) => {
      expect(frame.startsWith('data: ')).toBe(true);
      return JSON.parse(frame.slice(6));
    });
    return { chunks, raw: text, complete };
  }

  const textOf = (chunks: Json[]) =>
    chunks.map((c) => (c.candidates[0].content.parts ?? []).map((p: Json) => p.text ?? '').join('')).join('');

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0 });
  });
  afterAll(() => mock.close());

  describe('generateContent', () => {
    it("answers Google's response, indented, counting system, text and function response words", async () => {
      const res = await call('generateContent', {
        systemInstruction: { parts: [{ text: 'you are terse' }] },
        contents: [
          {
            role: 'user',
            parts: [{ text: 'weather in paris' }, { inlineData: { mimeType: 'image/png', data: 'AA==' } }],
          },
          { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'paris france' } } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { sky: 'clear' } } }] },
          { parts: [{ text: 'thanks a lot' }] },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(GOOGLE_JSON);
      const text = await res.text();
      expect(text.startsWith('{\n  "candidates": [\n')).toBe(true);
      expect(JSON.parse(text)).toEqual({
        candidates: [
          {
            content: {
              parts: [{ text: 'mock reply the of and to in is it that for on with as was at' }],
              role: 'model',
            },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: {
          promptTokenCount: 3 + 3 + 1 + 3,
          candidatesTokenCount: 16,
          totalTokenCount: 26,
          promptTokensDetails: [{ modality: 'TEXT', tokenCount: 10 }],
        },
        modelVersion: 'gemini-2.5-flash',
        responseId: expect.stringMatching(/^mockresp\d+$/),
      });
    });

    it('caps the output by maxOutputTokens with finishReason MAX_TOKENS', async () => {
      const body = await json(await generate('mock:output_tokens=30', { generationConfig: { maxOutputTokens: 4 } }));
      expect(body.candidates[0]).toMatchObject({
        content: { parts: [{ text: 'mock reply the of' }] },
        finishReason: 'MAX_TOKENS',
      });
      expect(body.usageMetadata).toMatchObject({ promptTokenCount: 1, candidatesTokenCount: 4, totalTokenCount: 5 });
    });

    it('reports thoughts on top of the candidates, both bounded by maxOutputTokens, thinking first', async () => {
      const body = await json(await generate('a b mock:output_tokens=3 mock:reasoning_tokens=7'));
      expect(body.usageMetadata).toEqual({
        promptTokenCount: 4,
        candidatesTokenCount: 3,
        totalTokenCount: 14,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 4 }],
        thoughtsTokenCount: 7,
      });
      const capped = await json(
        await generate('mock:output_tokens=3 mock:reasoning_tokens=7', { generationConfig: { maxOutputTokens: 8 } }),
      );
      expect(capped.candidates[0]).toMatchObject({
        content: { parts: [{ text: 'mock' }] },
        finishReason: 'MAX_TOKENS',
      });
      expect(capped.usageMetadata).toMatchObject({
        candidatesTokenCount: 1,
        thoughtsTokenCount: 7,
        totalTokenCount: 10,
      });

      // All thinking and no text: no parts, and (as Google omits zeros) no candidatesTokenCount.
      const thoughtOnly = await json(
        await generate('mock:reasoning_tokens=50', { generationConfig: { maxOutputTokens: 20 } }),
      );
      expect(thoughtOnly.candidates[0]).toEqual({ content: { role: 'model' }, finishReason: 'MAX_TOKENS', index: 0 });
      expect(thoughtOnly.usageMetadata).toEqual({
        promptTokenCount: 1,
        totalTokenCount: 21,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 1 }],
        thoughtsTokenCount: 20,
      });
    });

    it('reports cached content tokens within the prompt tokens', async () => {
      const body = await json(
        await generate('a b c mock:cached_tokens=2 mock:cache_write_tokens=5 mock:output_tokens=1'),
      );
      expect(body.usageMetadata).toEqual({
        promptTokenCount: 6,
        candidatesTokenCount: 1,
        totalTokenCount: 7,
        cachedContentTokenCount: 2,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 6 }],
        cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 2 }],
      });
      const all = await json(await generate('x mock:cached_tokens=99'));
      expect(all.usageMetadata.cachedContentTokenCount).toBe(2);
    });

    it('calls the first declared function on mock:tool_call', async () => {
      const tools = [
        { googleSearch: {} },
        { functionDeclarations: [{ name: 'get_weather', parameters: { type: 'OBJECT' } }, { name: 'other' }] },
      ];
      const body = await json(await generate('weather? mock:tool_call mock:output_tokens=6', { tools }));
      expect(body.candidates[0]).toEqual({
        content: { parts: [{ functionCall: { name: 'get_weather', args: { mock: true } } }], role: 'model' },
        finishReason: 'STOP',
        index: 0,
      });
      expect(body.usageMetadata.candidatesTokenCount).toBe(6);
      const plain = await json(await generate('weather? mock:tool_call'));
      expect(plain.candidates[0].content.parts[0].text).toMatch(/^mock reply/);
    });

    it('reads markers from the last user turn only', async () => {
      const res = await call('generateContent', {
        systemInstruction: { parts: [{ text: 'mock:status=500' }] },
        contents: [
          { role: 'user', parts: [{ text: 'mock:status=400' }] },
          { role: 'user', parts: [{ text: 'now' }, { text: 'mock:output_tokens=2' }] },
          { role: 'model', parts: [{ text: 'mock:status=404' }] },
        ],
      });
      expect(res.status).toBe(200);
      expect((await json(res)).usageMetadata.candidatesTokenCount).toBe(2);
    });

    it('answers for the model named in the path, URL-encoded or not', async () => {
      const body = await json(await call('generateContent', user('hi'), 'google%2Fgemini-2.5-pro'));
      expect(body.modelVersion).toBe('google/gemini-2.5-pro');
      expect((await json(await call('generateContent', user('hi'), 'any-model'))).modelVersion).toBe('any-model');
    });
  });

  describe('streamGenerateContent', () => {
    it('streams SSE chunks with alt=sse, one word each with running usage, then the finish chunk', async () => {
      const res = await streamSse('one two mock:output_tokens=3 mock:reasoning_tokens=2');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const { chunks, raw, complete } = await sseChunks(res);
      expect(complete).toBe(true);
      // Google's own spacing, which a parser matching on text must cope with.
      expect(raw.startsWith('data: {"candidates": [{"content": {"parts": [{"text": "mock"}],"role": "model"}')).toBe(
        true,
      );
      expect(chunks).toHaveLength(4);
      expect(chunks.map((c) => c.candidates[0].content.parts[0].text)).toEqual(['mock', ' reply', ' the', '']);
      expect(chunks.map((c) => c.candidates[0].finishReason)).toEqual([undefined, undefined, undefined, 'STOP']);
      expect(chunks.map((c) => c.usageMetadata.candidatesTokenCount)).toEqual([1, 2, 3, 3]);
      expect(chunks.every((c) => c.usageMetadata.thoughtsTokenCount === 2)).toBe(true);
      expect(chunks[3].usageMetadata).toMatchObject({ promptTokenCount: 4, totalTokenCount: 9 });
      expect(new Set(chunks.map((c) => c.responseId)).size).toBe(1);
      expect(chunks.every((c) => c.modelVersion === 'gemini-2.5-flash')).toBe(true);
    });

    it('streams the same text and usage as generateContent gives', async () => {
      const text = 'a b c mock:output_tokens=40 mock:cached_tokens=2 mock:reasoning_tokens=3';
      const { chunks } = await sseChunks(await streamSse(text, { generationConfig: { maxOutputTokens: 30 } }));
      const whole = await json(await generate(text, { generationConfig: { maxOutputTokens: 30 } }));
      expect(textOf(chunks)).toBe(whole.candidates[0].content.parts[0].text);
      expect(chunks[chunks.length - 1].usageMetadata).toEqual(whole.usageMetadata);
      expect(chunks[chunks.length - 1].candidates[0].finishReason).toBe('MAX_TOKENS');
    });

    it('streams a JSON array as it grows without alt=sse, elements indented as Google writes them', async () => {
      const ask = 'mock:output_tokens=25 mock:reasoning_tokens=3 mock:cached_tokens=1';
      const res = await streamArray(ask);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(GOOGLE_JSON);
      const { text, complete } = await readUntilClosed(res);
      expect(complete).toBe(true);
      expect(text.startsWith('[{\n  "candidates": [\n')).toBe(true);
      const elements = text.slice(1, -2).split('\n,\r\n');
      expect(elements).toHaveLength(26);
      expect(elements.every((element) => element === JSON.stringify(JSON.parse(element), null, 2))).toBe(true);
      expect(text.endsWith('}\n]')).toBe(true);
      const chunks = JSON.parse(text);
      const { chunks: sse } = await sseChunks(await streamSse(ask));
      const withoutId = (c: Json) => ({ ...c, responseId: 'x' });
      expect(chunks.map(withoutId)).toEqual(sse.map(withoutId));
    });

    it('streams a function call in one chunk, then the finish chunk', async () => {
      const tools = [{ functionDeclarations: [{ name: 'get_weather' }] }];
      const { chunks } = await sseChunks(await streamSse('mock:tool_call', { tools }));
      expect(chunks).toHaveLength(2);
      expect(chunks[0].candidates[0].content.parts).toEqual([
        { functionCall: { name: 'get_weather', args: { mock: true } } },
      ]);
      expect(chunks[1].candidates[0]).toMatchObject({ finishReason: 'STOP' });
      expect(chunks[1].usageMetadata.candidatesTokenCount).toBe(16);
    });

    it('drops the connection after N chunks, without the finish chunk or the closing bracket', async () => {
      const sse = await sseChunks(await streamSse('mock:drop_after=2'));
      expect(sse.complete).toBe(false);
      expect(sse.chunks).toHaveLength(2);
      expect(sse.chunks.every((c) => c.candidates[0].finishReason === undefined)).toBe(true);

      const array = await readUntilClosed(await streamArray('mock:drop_after=2 mock:chunk_delay_ms=2'));
      expect(array.complete).toBe(false);
      expect(array.text.split('\n,\r\n')).toHaveLength(2);
      expect(array.text.endsWith(']')).toBe(false);
    });

    it('ends with an error object after N chunks on mock:fail_after', async () => {
      const sse = await sseChunks(await streamSse('mock:fail_after=1'));
      expect(sse.complete).toBe(true);
      expect(sse.chunks).toHaveLength(2);
      expect(sse.chunks[1]).toEqual({
        error: { code: 500, message: expect.stringContaining('mock:fail_after'), status: 'INTERNAL' },
      });

      const array = await readUntilClosed(await streamArray('mock:fail_after=1'));
      expect(array.complete).toBe(true);
      const elements = JSON.parse(array.text);
      expect(elements).toHaveLength(2);
      expect(elements[1].error.status).toBe('INTERNAL');
      const first = JSON.parse((await readUntilClosed(await streamArray('mock:fail_after=0'))).text);
      expect(first).toEqual([{ error: expect.objectContaining({ code: 500 }) }]);
    });
  });

  describe('markers shared with the other routes', () => {
    it("answers mock:status with Google's error body and status name, streams included", async () => {
      const cases: [number, string][] = [
        [400, 'INVALID_ARGUMENT'],
        [401, 'UNAUTHENTICATED'],
        [403, 'PERMISSION_DENIED'],
        [404, 'NOT_FOUND'],
        [429, 'RESOURCE_EXHAUSTED'],
        [500, 'INTERNAL'],
        [502, 'INTERNAL'],
        [503, 'UNAVAILABLE'],
        [504, 'DEADLINE_EXCEEDED'],
      ];
      for (const [code, status] of cases) {
        const res = code === 503 ? await streamSse(`mock:status=${code}`) : await generate(`mock:status=${code}`);
        expect(res.status).toBe(code);
        expect(res.headers.get('content-type')).toBe(GOOGLE_JSON);
        expect(res.headers.get('retry-after')).toBeNull();
        const body = await json(res);
        expect(body.error).toMatchObject({ code, message: expect.stringContaining(`mock:status=${code}`), status });
        if (code === 429) {
          expect(body.error.details).toEqual([
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' },
          ]);
        }
      }
    });

    it('fails the first requests of a text with 503 UNAVAILABLE on mock:fail_first', async () => {
      const text = `retry me ${Date.now()} mock:fail_first=1`;
      const failed = await generate(text);
      expect(failed.status).toBe(503);
      expect((await json(failed)).error).toMatchObject({
        status: 'UNAVAILABLE',
        message: expect.stringContaining('fail_first'),
      });
      expect((await generate(text)).status).toBe(200);
    });

    it('answers mock:invalid_json with a 200 that does not parse, in each form', async () => {
      for (const res of [
        await generate('mock:invalid_json'),
        await streamArray('mock:invalid_json'),
        await streamSse('mock:invalid_json'),
      ]) {
        expect(res.status).toBe(200);
        const text = await res.text();
        const payload = text.startsWith('data: ') ? text.slice(6) : text;
        expect(() => JSON.parse(payload)).toThrow();
      }
    });
  });

  describe('countTokens', () => {
    it('counts the words of contents, or of a whole request with its system instruction', async () => {
      const res = await call('countTokens', user('one two three mock:status=500'));
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ totalTokens: 4, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 4 }] });
      const whole = await call('countTokens', {
        generateContentRequest: {
          model: 'models/gemini-2.5-flash',
          systemInstruction: { parts: [{ text: 'be brief' }] },
          ...user('hello'),
        },
      });
      expect((await json(whole)).totalTokens).toBe(3);
    });

    it('refuses a request without contents', async () => {
      const res = await call('countTokens', {});
      expect(res.status).toBe(400);
      expect((await json(res)).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    });
  });

  describe('models', () => {
    const get = (path: string) => fetch(`${mock.url}${path}`, { headers: GEMINI_HEADERS });

    it("lists models in Google's shape", async () => {
      const res = await get('/v1beta/models');
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.nextPageToken).toBeUndefined();
      expect(body.models.map((m: Json) => m.name)).toEqual(
        expect.arrayContaining(['models/gemini-2.5-flash', 'models/gemini-2.5-pro']),
      );
      expect(body.models[0]).toMatchObject({
        name: expect.stringMatching(/^models\//),
        displayName: expect.any(String),
        inputTokenLimit: expect.any(Number),
        outputTokenLimit: expect.any(Number),
        supportedGenerationMethods: expect.arrayContaining(['generateContent', 'countTokens']),
      });
    });

    it('pages with pageSize and nextPageToken', async () => {
      const all = (await json(await get('/v1beta/models'))).models.map((m: Json) => m.name);
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await json(await get(`/v1beta/models?pageSize=1${token ? `&pageToken=${token}` : ''}`));
        expect(page.models).toHaveLength(1);
        names.push(page.models[0].name);
        token = page.nextPageToken;
      } while (token !== undefined);
      expect(names).toEqual(all);
      expect((await get('/v1beta/models?pageToken=bogus')).status).toBe(400);
      expect((await get('/v1beta/models?pageSize=-1')).status).toBe(400);
    });

    it('gets one model, or 404 in Google format', async () => {
      const model = await json(await get('/v1beta/models/gemini-2.5-flash'));
      expect(model).toMatchObject({ name: 'models/gemini-2.5-flash', displayName: 'Gemini 2.5 Flash' });
      const missing = await get('/v1beta/models/gemini-0');
      expect(missing.status).toBe(404);
      expect((await json(missing)).error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    });
  });

  describe('invalid requests', () => {
    const cases: [string, unknown][] = [
      ['no contents', {}],
      ['empty contents', { contents: [] }],
      ['contents that are not a list', { contents: 'hi' }],
      ['a turn that is not an object', { contents: ['hi'] }],
      ['an unknown role', { contents: [{ role: 'robot', parts: [{ text: 'x' }] }] }],
      ['a turn without parts', { contents: [{ role: 'user', parts: [] }] }],
      ['a part that is not an object', { contents: [{ role: 'user', parts: [null] }] }],
      ['numeric text', { contents: [{ role: 'user', parts: [{ text: 5 }] }] }],
      ['a system instruction that is a string', { ...user('x'), systemInstruction: 'be brief' }],
      ['a generation config that is a string', { ...user('x'), generationConfig: 'fast' }],
      ['a textual maxOutputTokens', { ...user('x'), generationConfig: { maxOutputTokens: 'ten' } }],
      ['a body that is a list', []],
    ];
    it.each(cases)('refuses %s with 400 INVALID_ARGUMENT', async (_name, body) => {
      const res = await post(`${mock.url}/v1beta/models/gemini-2.5-flash:generateContent`, body, GEMINI_HEADERS);
      expect(res.status).toBe(400);
      expect(await json(res)).toEqual({
        error: { code: 400, message: expect.any(String), status: 'INVALID_ARGUMENT' },
      });
    });

    it('refuses a body that is not JSON, and answers an unknown method in Google format', async () => {
      const res = await fetch(`${mock.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
        method: 'POST',
        headers: GEMINI_HEADERS,
        body: '{',
      });
      expect(res.status).toBe(400);
      expect((await json(res)).error.status).toBe('INVALID_ARGUMENT');
      const unknown = await call('embedContent', user('x'));
      expect(unknown.status).toBe(404);
      expect((await json(unknown)).error.status).toBe('NOT_FOUND');
    });
  });
});
