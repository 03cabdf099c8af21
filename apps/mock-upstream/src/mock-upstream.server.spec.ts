import { type MockUpstream, startMockUpstream } from './mock-upstream.server';
import { ANTHROPIC_HEADERS, eventually, GEMINI_HEADERS, json, OPENAI_HEADERS, post, sleep } from './spec-support';

const CHAT = { model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] };
const MESSAGE = { model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
const CONTENTS = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
const GENERATE = '/v1beta/models/gemini-2.5-flash:generateContent';

describe(startMockUpstream.name, () => {
  let mock: MockUpstream;

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0 });
  });
  afterAll(() => mock.close());

  it('listens on a free port when asked for port 0', async () => {
    expect(mock.port).toBeGreaterThan(0);
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`);
    const other = await startMockUpstream({ port: 0 });
    try {
      expect(other.port).not.toBe(mock.port);
      await expect(startMockUpstream({ port: other.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await other.close();
    }
  });

  describe('authentication', () => {
    it('requires a bearer token on OpenAI routes', async () => {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: 'Basic abc' },
        { authorization: 'Bearer ' },
        { 'x-api-key': 'k' },
      ];
      for (const headers of attempts) {
        const res = await post(`${mock.url}/v1/chat/completions`, CHAT, {
          'content-type': 'application/json',
          ...headers,
        });
        expect(res.status).toBe(401);
        expect((await json(res)).error).toMatchObject({ type: 'invalid_request_error', param: null });
      }
      const models = await fetch(`${mock.url}/v1/models`);
      expect(models.status).toBe(401);
      expect((await json(models)).error.type).toBe('invalid_request_error');
    });

    it('requires x-api-key or a bearer token on Anthropic routes', async () => {
      const { 'x-api-key': _key, ...keyless } = ANTHROPIC_HEADERS;
      const res = await post(`${mock.url}/v1/messages`, MESSAGE, keyless);
      expect(res.status).toBe(401);
      expect(await json(res)).toEqual({
        type: 'error',
        error: { type: 'authentication_error', message: 'x-api-key header is required' },
      });
      const bearer = await post(`${mock.url}/v1/messages`, MESSAGE, { ...keyless, authorization: 'Bearer sk-ant' });
      expect(bearer.status).toBe(200);
      const models = await fetch(`${mock.url}/v1/models`, { headers: keyless });
      expect(models.status).toBe(401);
      expect((await json(models)).type).toBe('error');
    });

    it('requires x-goog-api-key or ?key= on Gemini routes, refusing as Google does', async () => {
      const keyless = { 'content-type': 'application/json' };
      for (const headers of [keyless, { ...keyless, authorization: 'Bearer AIza-test' }]) {
        const res = await post(`${mock.url}${GENERATE}`, CONTENTS, headers);
        expect(res.status).toBe(403);
        expect((await json(res)).error).toEqual({
          code: 403,
          message: expect.stringContaining('unregistered callers'),
          status: 'PERMISSION_DENIED',
        });
      }
      expect((await post(`${mock.url}${GENERATE}`, CONTENTS, GEMINI_HEADERS)).status).toBe(200);
      expect((await post(`${mock.url}${GENERATE}?key=AIza-test`, CONTENTS, keyless)).status).toBe(200);
      expect((await fetch(`${mock.url}/v1beta/models?key=AIza-test`)).status).toBe(200);
      expect((await fetch(`${mock.url}/v1beta/models`)).status).toBe(403);
    });

    it('accepts only the configured key when started with one', async () => {
      const strict = await startMockUpstream({ port: 0, apiKey: 'sk-right' });
      try {
        const wrong = await post(`${strict.url}/v1/chat/completions`, CHAT, OPENAI_HEADERS);
        expect(wrong.status).toBe(401);
        expect((await json(wrong)).error.code).toBe('invalid_api_key');
        const right = await post(`${strict.url}/v1/chat/completions`, CHAT, {
          ...OPENAI_HEADERS,
          authorization: 'Bearer sk-right',
        });
        expect(right.status).toBe(200);
        const anthropic = await post(`${strict.url}/v1/messages`, MESSAGE, ANTHROPIC_HEADERS);
        expect(anthropic.status).toBe(401);
        expect((await json(anthropic)).error).toEqual({ type: 'authentication_error', message: 'invalid x-api-key' });
        const anthropicRight = await post(`${strict.url}/v1/messages`, MESSAGE, {
          ...ANTHROPIC_HEADERS,
          'x-api-key': 'sk-right',
        });
        expect(anthropicRight.status).toBe(200);
        const gemini = await post(`${strict.url}${GENERATE}`, CONTENTS, GEMINI_HEADERS);
        expect(gemini.status).toBe(400);
        expect((await json(gemini)).error).toMatchObject({
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [expect.objectContaining({ reason: 'API_KEY_INVALID' })],
        });
        const geminiRight = await post(`${strict.url}${GENERATE}?key=sk-right`, CONTENTS, GEMINI_HEADERS);
        expect(geminiRight.status).toBe(400);
        const byQuery = await post(`${strict.url}${GENERATE}?key=sk-right`, CONTENTS, {
          'content-type': 'application/json',
        });
        expect(byQuery.status).toBe(200);
      } finally {
        await strict.close();
      }
    });
  });

  it('answers 400 in the provider format to a body that is not JSON', async () => {
    const openai = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: OPENAI_HEADERS,
      body: '{',
    });
    expect(openai.status).toBe(400);
    expect((await json(openai)).error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
    const anthropic = await fetch(`${mock.url}/v1/messages`, { method: 'POST', headers: ANTHROPIC_HEADERS, body: '' });
    expect(anthropic.status).toBe(400);
    expect((await json(anthropic)).error.type).toBe('invalid_request_error');
  });

  it('answers 404 in the OpenAI format to an unknown route', async () => {
    for (const [method, path] of [
      ['GET', '/v2/anything'],
      ['GET', '/v1/chat/completions'],
      ['POST', '/v1/models'],
    ]) {
      const body = method === 'POST' ? '{}' : undefined;
      const res = await fetch(`${mock.url}${path}`, { method, headers: OPENAI_HEADERS, body });
      expect(res.status).toBe(404);
      expect((await json(res)).error).toMatchObject({ type: 'invalid_request_error', code: 'unknown_url' });
    }
  });

  it('counts templated routes under their template in the stats', async () => {
    const local = await startMockUpstream({ port: 0 });
    try {
      await post(`${local.url}${GENERATE}`, CONTENTS, GEMINI_HEADERS);
      await post(`${local.url}/v1beta/models/gemini-2.5-pro:generateContent`, CONTENTS, GEMINI_HEADERS);
      await post(`${local.url}/v1beta/models/x:streamGenerateContent?alt=sse`, CONTENTS, GEMINI_HEADERS);
      await eventually(() => local.stats().inflight === 0);
      expect(local.stats().byRoute).toEqual({
        'POST /v1beta/models/{model}:generateContent': 2,
        'POST /v1beta/models/{model}:streamGenerateContent': 1,
      });
    } finally {
      await local.close();
    }
  });

  it('routes regardless of the query string', async () => {
    const res = await post(`${mock.url}/v1/messages?beta=true`, MESSAGE, ANTHROPIC_HEADERS);
    expect(res.status).toBe(200);
  });

  it('waits delay_ms before the first byte, errors included', async () => {
    let started = Date.now();
    const res = await post(
      `${mock.url}/v1/chat/completions`,
      { ...CHAT, messages: [{ role: 'user', content: 'mock:delay_ms=150' }] },
      OPENAI_HEADERS,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(res.status).toBe(200);
    started = Date.now();
    const failed = await post(
      `${mock.url}/v1/messages`,
      { ...MESSAGE, messages: [{ role: 'user', content: 'mock:delay_ms=100 mock:status=529' }] },
      ANTHROPIC_HEADERS,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(failed.status).toBe(529);
  });

  it('never answers a stalled request, and close() still returns at once', async () => {
    const local = await startMockUpstream({ port: 0 });
    const outcome = post(
      `${local.url}/v1/chat/completions`,
      { ...CHAT, messages: [{ role: 'user', content: 'mock:stall' }] },
      OPENAI_HEADERS,
    ).then(
      (res) => `answered ${res.status}`,
      () => 'connection closed',
    );
    await eventually(() => local.stats().inflight === 1);
    const raced = await Promise.race([outcome, sleep(300).then(() => 'still waiting')]);
    expect(raced).toBe('still waiting');

    const started = Date.now();
    await local.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await outcome).toBe('connection closed');
    await expect(local.close()).resolves.toBeUndefined();
  });

  it('close() cancels pending delays and chunk pauses', async () => {
    const local = await startMockUpstream({ port: 0 });
    const slow = post(
      `${local.url}/v1/chat/completions`,
      { ...CHAT, messages: [{ role: 'user', content: 'mock:delay_ms=60000' }] },
      OPENAI_HEADERS,
    ).catch(() => 'closed');
    const streaming = await post(
      `${local.url}/v1/chat/completions`,
      { ...CHAT, stream: true, messages: [{ role: 'user', content: 'mock:chunk_delay_ms=60000' }] },
      OPENAI_HEADERS,
    );
    expect(streaming.status).toBe(200);
    await eventually(() => local.stats().inflight === 2);
    await local.close();
    expect(await slow).toBe('closed');
    await expect(streaming.text()).rejects.toThrow();
  });
});
