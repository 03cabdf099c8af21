import { createControlHandlers } from './control.handlers';
import { type MockUpstream, startMockUpstream } from './mock-upstream.server';
import { ANTHROPIC_HEADERS, eventually, json, OPENAI_HEADERS, post, readUntilClosed } from './spec-support';

describe(createControlHandlers.name, () => {
  let mock: MockUpstream;
  const stats = async () => json(await fetch(`${mock.url}/__mock/stats`));
  const requests = async (query = '') => json(await fetch(`${mock.url}/__mock/requests${query}`));
  const chat = (text: string, extra: object = {}, signal?: AbortSignal) =>
    post(
      `${mock.url}/v1/chat/completions`,
      { model: 'gpt-4.1', messages: [{ role: 'user', content: text }], ...extra },
      OPENAI_HEADERS,
      signal,
    );

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0 });
  });
  beforeEach(async () => {
    expect((await fetch(`${mock.url}/__mock/reset`, { method: 'POST' })).status).toBe(200);
  });
  afterAll(() => mock.close());

  it('counts requests by route, not the control ones', async () => {
    await json(await chat('hi'));
    await json(await chat('hi'));
    await json(await fetch(`${mock.url}/v1/models`, { headers: ANTHROPIC_HEADERS }));
    await (await fetch(`${mock.url}/nowhere`)).text();
    await eventually(async () => (await stats()).completed === 4);
    expect(await stats()).toEqual({
      requests: 4,
      byRoute: { 'POST /v1/chat/completions': 2, 'GET /v1/models': 1, unmatched: 1 },
      inflight: 0,
      aborted: 0,
      completed: 4,
      dropped: 0,
    });
    expect(mock.stats()).toEqual(await stats());
  });

  it('counts a client abort, mid-stream or while stalled', async () => {
    const streaming = new AbortController();
    const res = await chat('mock:output_tokens=100 mock:chunk_delay_ms=20', { stream: true }, streaming.signal);
    const reader = res.body!.getReader();
    await reader.read();
    const stalling = new AbortController();
    const stalled = chat('mock:stall', {}, stalling.signal).then(
      () => 'answered',
      (err: Error) => err.name,
    );
    await eventually(async () => (await stats()).inflight === 2);

    streaming.abort();
    await reader.read().catch(() => undefined);
    await eventually(async () => (await stats()).aborted === 1);
    stalling.abort();
    expect(await stalled).toBe('AbortError');
    await eventually(async () => (await stats()).aborted === 2);
    expect(await stats()).toMatchObject({ requests: 2, inflight: 0, completed: 0, dropped: 0 });
  });

  it('counts a deliberate drop apart from client aborts', async () => {
    const { complete } = await readUntilClosed(await chat('mock:drop_after=1', { stream: true }));
    expect(complete).toBe(false);
    await eventually(async () => (await stats()).dropped === 1);
    expect(await stats()).toMatchObject({ aborted: 0, completed: 0 });
  });

  it('zeroes stats and the request log on reset', async () => {
    await json(await chat('hi'));
    await eventually(async () => (await stats()).completed === 1);
    expect(await requests()).toHaveLength(1);
    await fetch(`${mock.url}/__mock/reset`, { method: 'POST' });
    expect(await stats()).toEqual({ requests: 0, byRoute: {}, inflight: 0, aborted: 0, completed: 0, dropped: 0 });
    expect(await requests()).toEqual([]);
  });

  it('logs the last requests with redacted credentials, newest last', async () => {
    await json(await chat('first'));
    await json(await post(`${mock.url}/v1/messages`, { model: 'claude-haiku-4-5', messages: [] }, ANTHROPIC_HEADERS));
    await (await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', body: '{oops' })).text();

    const log = await requests();
    expect(log).toHaveLength(3);
    expect(log[0]).toEqual({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: expect.objectContaining({ authorization: '[redacted]', 'content-type': 'application/json' }),
      hadAuth: true,
      body: { model: 'gpt-4.1', messages: [{ role: 'user', content: 'first' }] },
      receivedAt: expect.any(String),
    });
    expect(log[1]).toMatchObject({ path: '/v1/messages', hadAuth: true, headers: { 'x-api-key': '[redacted]' } });
    expect(log[2]).toMatchObject({ path: '/v1/chat/completions', hadAuth: false, body: null });
    expect(JSON.stringify(log)).not.toContain('sk-');
    expect(Date.parse(log[0].receivedAt)).toBeLessThanOrEqual(Date.parse(log[2].receivedAt));
  });

  it('honours ?limit= and keeps at most 200 requests', async () => {
    for (let i = 0; i < 205; i++) await (await chat(`n${i}`)).text();
    const all = await requests('?limit=1000');
    expect(all).toHaveLength(200);
    expect(all[199].body.messages[0].content).toBe('n204');
    expect(all[0].body.messages[0].content).toBe('n5');
    expect(await requests()).toHaveLength(20);
    const two = await requests('?limit=2');
    expect(two.map((r: { body: { messages: { content: string }[] } }) => r.body.messages[0].content)).toEqual([
      'n203',
      'n204',
    ]);
  });
});
