import { FailFirstRegistry } from './fail-first';
import { type MockUpstream, startMockUpstream } from './mock-upstream.server';
import { ANTHROPIC_HEADERS, json, OPENAI_HEADERS, post } from './spec-support';

describe(FailFirstRegistry.name, () => {
  it('fails the first n claims of a text, independently per text', () => {
    const registry = new FailFirstRegistry();
    expect([1, 2, 3].map(() => registry.claim('a', 2))).toEqual([true, true, false]);
    expect(registry.claim('b', 1)).toBe(true);
    expect(registry.claim('b', 1)).toBe(false);
    registry.reset();
    expect(registry.claim('a', 2)).toBe(true);
  });
});

describe('mock:fail_first', () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0 });
  });
  afterAll(() => mock.close());

  const chat = (text: string) =>
    post(`${mock.url}/v1/chat/completions`, { model: 'gpt-4.1', messages: [{ role: 'user', content: text }] }, OPENAI_HEADERS);
  const message = (text: string) =>
    post(
      `${mock.url}/v1/messages`,
      { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: text }] },
      ANTHROPIC_HEADERS,
    );

  it('answers 503 with retry-after to the first N requests with the same text, then answers normally', async () => {
    const text = 'retry me mock:fail_first=2 nonce-1';
    for (let i = 0; i < 2; i++) {
      const res = await chat(text);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await json(res)).error.message).toContain('mock:fail_first=2');
    }
    const ok = await chat(text);
    expect(ok.status).toBe(200);
    expect((await json(ok)).choices[0].message.content).toBe('mock reply the of and to in is it that for on with as was at');
    // Another text has its own count.
    expect((await chat('retry me mock:fail_first=2 nonce-2')).status).toBe(503);
  });

  it('speaks the Anthropic error format on Anthropic routes, and forgets on reset', async () => {
    const text = 'mock:fail_first=1 nonce-3';
    const failed = await message(text);
    expect(failed.status).toBe(503);
    expect(await json(failed)).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('mock:fail_first=1') } });
    expect((await message(text)).status).toBe(200);
    await fetch(`${mock.url}/__mock/reset`, { method: 'POST' });
    expect((await message(text)).status).toBe(503);
  });
});
