import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { sampleValue, scrape } from '../support/prometheus-text';
import { closeTestDb } from '../support/test-db';

type Client = 'chat' | 'responses' | 'anthropic' | 'gemini';
type Provider = 'openai' | 'anthropic' | 'google';

/** Above JSON_OFFLOAD_BYTES (256 KB by default): the body is parsed and translated in a worker thread. */
const PAD = 'pad '.repeat(75_000);
const nested = (depth: number) => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) as Record<string, unknown>;
/** A JSON schema `levels` objects deep (two levels of JSON each). */
function deepSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { a: schema } };
  return schema;
}

interface Case {
  name: string;
  client: Client;
  provider: Provider;
  body: (model: string, pad: string) => Record<string, unknown>;
}

const chatCall = (args: string) => [
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: args } }] },
  { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
];
const chat = (turns: unknown[] = [], extra: object = {}) => (model: string, pad: string) => ({
  model,
  max_tokens: 16,
  messages: [{ role: 'user', content: pad }, ...turns],
  ...extra,
});
const responses = (items: unknown[] = [], extra: object = {}) => (model: string, pad: string) => ({
  model,
  max_output_tokens: 16,
  input: [{ role: 'user', content: pad }, ...items],
  ...extra,
});
const anthropic = (turns: unknown[] = [], extra: object = {}) => (model: string, pad: string) => ({
  model,
  max_tokens: 16,
  messages: [{ role: 'user', content: pad }, ...turns],
  ...extra,
});
const gemini = (turns: unknown[] = [], extra: object = {}) => (_model: string, pad: string) => ({
  contents: [{ role: 'user', parts: [{ text: pad }] }, ...turns],
  generationConfig: { maxOutputTokens: 16 },
  ...extra,
});

/** Tool-call arguments a translation parses into an object: text of any depth and keys, which the client's body may carry. */
const ARGUMENTS = `{"__proto__":{"x":1},"constructor":{"prototype":{}},"deep":${JSON.stringify(nested(150))}}`;

/** Arguments text 20,000 levels deep: parsed into an object, serialising it overflowed the stack (a 500, large or small). */
const ABYSS = `${'{"a":'.repeat(19_999)}[]${'}'.repeat(19_999)}`;

/** A representative set: every translation direction, accepted and refused, streamed, and the worker's edges. */
const CASES: Case[] = [
  { name: 'tool call and result', client: 'chat', provider: 'anthropic', body: chat(chatCall('{"path":"/a é😀 \\ud800"}')) },
  { name: 'tool-call arguments a client body could not hold', client: 'chat', provider: 'anthropic', body: chat(chatCall(ARGUMENTS)) },
  { name: 'tool-call arguments a client body could not hold', client: 'chat', provider: 'google', body: chat(chatCall(ARGUMENTS)) },
  { name: 'tool-call arguments 20,000 levels deep', client: 'chat', provider: 'anthropic', body: chat(chatCall(ABYSS)) },
  { name: 'tool-call arguments 20,000 levels deep', client: 'chat', provider: 'google', body: chat(chatCall(ABYSS)) },
  { name: 'streamed, with an image', client: 'chat', provider: 'google', body: chat([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }], { stream: true }) },
  { name: 'untranslatable: logit_bias', client: 'chat', provider: 'anthropic', body: chat([], { logit_bias: { '1': 1 } }) },
  { name: 'untranslatable: an image URL', client: 'chat', provider: 'google', body: chat([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }]) },
  { name: 'a wrong type deep inside', client: 'chat', provider: 'google', body: chat([{ role: 'user', content: [{ type: 'text', text: 5 }] }]) },
  {
    name: 'function call arguments a client body could not hold',
    client: 'responses',
    provider: 'anthropic',
    body: responses([{ type: 'function_call', call_id: 'c1', name: 'f', arguments: ARGUMENTS }, { type: 'function_call_output', call_id: 'c1', output: 'ok' }]),
  },
  // parameters at depth 4 in the client's body, 6 in Gemini's: 48 schema levels make the client's body 100 deep.
  { name: 'a tool schema at the nesting limit', client: 'responses', provider: 'google', body: responses([], { tools: [{ type: 'function', name: 'f', parameters: deepSchema(48) }] }) },
  { name: 'untranslatable: a file', client: 'responses', provider: 'google', body: responses([{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }]) },
  { name: 'streamed', client: 'responses', provider: 'anthropic', body: responses([], { stream: true }) },
  { name: 'a tool schema at the nesting limit', client: 'anthropic', provider: 'openai', body: anthropic([], { tools: [{ name: 'f', input_schema: deepSchema(48) }] }) },
  { name: 'a tool schema at the nesting limit', client: 'anthropic', provider: 'google', body: anthropic([], { tools: [{ name: 'f', input_schema: deepSchema(48) }] }) },
  {
    name: 'tool_use input at the nesting limit',
    client: 'anthropic',
    provider: 'google',
    body: anthropic([
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: nested(95) }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] },
    ]),
  },
  { name: 'untranslatable: top_k', client: 'anthropic', provider: 'openai', body: anthropic([], { top_k: 5 }) },
  { name: 'streamed', client: 'anthropic', provider: 'google', body: anthropic([], { stream: true }) },
  {
    name: 'function call and response',
    client: 'gemini',
    provider: 'openai',
    body: gemini([
      { role: 'model', parts: [{ functionCall: { name: 'f', args: nested(93) } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'f', response: { r: 'ok \ud800' } } }] },
    ]),
  },
  { name: 'untranslatable: candidateCount', client: 'gemini', provider: 'anthropic', body: gemini([], { generationConfig: { maxOutputTokens: 16, candidateCount: 2 } }) },
  { name: 'empty parts', client: 'gemini', provider: 'anthropic', body: gemini([{ role: 'model', parts: [] }]) },
];

/**
 * A large body translated for a provider of another protocol (in a worker thread) gets exactly the answer of the same
 * body translated on the event loop (a proxy that never offloads), and the provider exactly the same request; a body
 * refused gets the same status and message as its small version.
 */
describe('large translated bodies: the same answers and provider requests as translated on the event loop', () => {
  let mock: MockUpstream;
  let offloading: AppProcess;
  let inPlace: AppProcess;
  let key: string;
  const models = {} as Record<Provider, string>;

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0, host: '127.0.0.1' });
    for (const provider of ['openai', 'anthropic', 'google'] as const) models[provider] = (await createModel({ provider, upstreamUrl: mock.url })).id;
    ({ key } = await createApiKey((await createAccount({ balanceUsd: '100.00' })).id));
    [offloading, inPlace] = await AppProcess.together([
      AppProcess.start('proxy', { DEFAULT_RPM: '1000000' }),
      AppProcess.start('proxy', { DEFAULT_RPM: '1000000', JSON_OFFLOAD_BYTES: String(256 * 1024 * 1024) }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([offloading?.stop(), inPlace?.stop()]);
    await mock?.close();
    await closeTestDb();
  });

  /** The answer (ids and times made equal) and the request the mock received for it (null when none). */
  async function send(proxy: AppProcess, c: Case, body: Record<string, unknown>) {
    const model = models[c.provider];
    const stream = body.stream === true;
    const path = {
      chat: '/v1/chat/completions',
      responses: '/v1/responses',
      anthropic: '/anthropic/v1/messages',
      gemini: `/gemini/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    }[c.client];
    const before = mock.stats().requests;
    const response = await fetch(`${proxy.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-goog-api-key': key, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
    const text = (await response.text())
      .replace(/"(id|created|created_at|responseId)":\s*("[^"]*"|\d+)/g, '"$1":0')
      .replace(/\b(chatcmpl|msg|resp|rs|fc|call|toolu)_[A-Za-z0-9_]+/g, '$1_0');
    const received = mock.stats().requests > before ? mock.requests(1)[0] : null;
    return { status: response.status, text, upstream: received && { path: received.path, body: JSON.stringify(received.body) } };
  }

  async function translatedInWorkers(): Promise<number> {
    return sampleValue(await scrape(offloading.url), 'gw_json_offloaded_total', { operation: 'translate' }) ?? 0;
  }

  it.each(CASES.map((c) => [`${c.client} -> ${c.provider}: ${c.name}`, c] as const))('%s', async (_name, c) => {
    const large = c.body(models[c.provider], PAD);
    const before = await translatedInWorkers();
    const offloaded = await send(offloading, c, large);
    const translatedHere = await send(inPlace, c, large);
    // Taken by the worker (a refusal at validation never reaches the translation).
    if (!/wrong type|empty parts/.test(c.name)) expect(await translatedInWorkers()).toBe(before + 1);
    expect(offloaded).toEqual(translatedHere);
    if (offloaded.status !== 200) {
      expect(offloaded.status).toBe(400);
      expect(offloaded.upstream).toBeNull();
      const small = await send(offloading, c, c.body(models[c.provider], 'small'));
      expect({ status: small.status, text: small.text }).toEqual({ status: offloaded.status, text: offloaded.text });
    } else {
      expect(offloaded.upstream).not.toBeNull();
    }
  });
});
