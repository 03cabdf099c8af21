import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ANSWER_ARGUMENTS, ANSWER_TEXT, CLIENT_ANSWER_ID, CLIENT_MODEL, CREATED, PROVIDER_ANSWERS } from '../test-fixtures/weather-answer';
import { PROVIDER_STREAMS } from '../test-fixtures/weather-stream';
import { ClientProtocol, createStreamTranslator, ProviderProtocol, SseEvent, translateResponse } from '.';

/**
 * What the gateway writes must be what each official SDK parses: every client SDK is given the translator's output
 * as its HTTP response (through the SDK's own `fetch` option) and must assemble the answer from it.
 */
const PROVIDERS: ProviderProtocol[] = ['openai-chat', 'anthropic', 'gemini'];
const WEATHER_ARGS = JSON.parse(ANSWER_ARGUMENTS) as Record<string, unknown>;

/** The text parts of a Gemini answer (the SDK's `text` getter warns when there are function calls too). */
const geminiText = (response: { candidates?: Array<{ content?: { parts?: Array<{ text?: string }> } }> }) =>
  (response.candidates?.[0]?.content?.parts ?? []).map((p) => p.text ?? '').join('');

function answerFetch(body: string, contentType: string): typeof fetch {
  return async () => new Response(body, { status: 200, headers: { 'content-type': contentType } });
}

function streamed(provider: ProviderProtocol, client: ClientProtocol, events: SseEvent[] = PROVIDER_STREAMS[provider]): string {
  const translator = createStreamTranslator(provider, client, { model: CLIENT_MODEL, id: CLIENT_ANSWER_ID[client], created: CREATED, includeUsage: true });
  return events.map((event) => translator.push(event)).join('');
}

function answered(provider: ProviderProtocol, client: ClientProtocol): string {
  return JSON.stringify(translateResponse(provider, client, PROVIDER_ANSWERS[provider], { model: CLIENT_MODEL, id: CLIENT_ANSWER_ID[client], created: CREATED }).body);
}

// @google/genai's types are an ES module's: a CommonJS spec loads it with import() (its CommonJS build at run time).
let GoogleGenAI: typeof import('@google/genai', { with: { 'resolution-mode': 'import' } }).GoogleGenAI;
beforeAll(async () => {
  ({ GoogleGenAI } = await import('@google/genai'));
});

describe.each(PROVIDERS)('official SDKs parse what the gateway translates from %s', (provider) => {
  const openai = (fetch: typeof globalThis.fetch) => new OpenAI({ apiKey: 'ck-test', baseURL: 'http://gateway.test/v1', fetch, maxRetries: 0 });
  const anthropic = (fetch: typeof globalThis.fetch) => new Anthropic({ apiKey: 'ck-test', baseURL: 'http://gateway.test/anthropic', fetch, maxRetries: 0 });
  const gemini = (fetch: typeof globalThis.fetch) => new GoogleGenAI({ apiKey: 'ck-test', httpOptions: { baseUrl: 'http://gateway.test/gemini', fetch } });
  const weatherTool = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };

  it('openai chat.completions: stream assembled by ChatCompletionStream', async () => {
    const client = openai(answerFetch(streamed(provider, 'openai-chat'), 'text/event-stream'));
    const stream = client.chat.completions.stream({ model: CLIENT_MODEL, messages: [{ role: 'user', content: 'hi' }], tools: [weatherTool] });
    const completion = await stream.finalChatCompletion();
    const message = completion.choices[0].message;
    expect(message.content).toBe(ANSWER_TEXT);
    expect(message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: ANSWER_ARGUMENTS } });
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 150, prompt_tokens_details: { cached_tokens: 200 } });
  });

  it('openai chat.completions: answer', async () => {
    const client = openai(answerFetch(answered(provider, 'openai-chat'), 'application/json'));
    const completion = await client.chat.completions.create({ model: CLIENT_MODEL, messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0].message.content).toBe(ANSWER_TEXT);
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(50);
  });

  it('openai responses: stream assembled by ResponseStream', async () => {
    const client = openai(answerFetch(streamed(provider, 'openai-responses'), 'text/event-stream'));
    const stream = client.responses.stream({ model: CLIENT_MODEL, input: 'hi' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const response = await stream.finalResponse();
    expect(deltas.join('')).toBe(ANSWER_TEXT);
    expect(response.output_text).toBe(ANSWER_TEXT);
    expect(response.status).toBe('completed');
    expect(response.output[1]).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: ANSWER_ARGUMENTS });
    expect(response.usage).toMatchObject({ input_tokens: 1000, output_tokens: 150, output_tokens_details: { reasoning_tokens: 50 } });
  });

  it('openai responses: answer', async () => {
    const client = openai(answerFetch(answered(provider, 'openai-responses'), 'application/json'));
    const response = await client.responses.create({ model: CLIENT_MODEL, input: 'hi' });
    expect(response.output_text).toBe(ANSWER_TEXT);
    expect(response.usage?.input_tokens_details.cached_tokens).toBe(200);
  });

  it('anthropic messages: stream assembled by MessageStream', async () => {
    const client = anthropic(answerFetch(streamed(provider, 'anthropic'), 'text/event-stream'));
    const stream = client.messages.stream({ model: CLIENT_MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    const message = await stream.finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'text', text: ANSWER_TEXT });
    expect(message.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: WEATHER_ARGS });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 800, cache_read_input_tokens: 200, output_tokens: 150 });
  });

  it('anthropic messages: answer', async () => {
    const client = anthropic(answerFetch(answered(provider, 'anthropic'), 'application/json'));
    const message = await client.messages.create({ model: CLIENT_MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content[1]).toMatchObject({ type: 'tool_use', input: WEATHER_ARGS });
  });

  it('google genai: generateContentStream', async () => {
    const client = gemini(answerFetch(streamed(provider, 'gemini'), 'text/event-stream'));
    let text = '';
    const calls: unknown[] = [];
    let last: { usageMetadata?: unknown; candidates?: Array<{ finishReason?: string }> } = {};
    for await (const chunk of await client.models.generateContentStream({ model: CLIENT_MODEL, contents: 'hi' })) {
      text += geminiText(chunk);
      calls.push(...(chunk.functionCalls ?? []));
      last = chunk;
    }
    expect(text).toBe(ANSWER_TEXT);
    expect(calls).toEqual([expect.objectContaining({ name: 'get_weather', args: WEATHER_ARGS })]);
    expect(last.candidates?.[0].finishReason).toBe('STOP');
    expect(last.usageMetadata).toMatchObject({ promptTokenCount: 1000, candidatesTokenCount: 100, thoughtsTokenCount: 50 });
  });

  it('google genai: generateContent', async () => {
    const client = gemini(answerFetch(answered(provider, 'gemini'), 'application/json'));
    const response = await client.models.generateContent({ model: CLIENT_MODEL, contents: 'hi' });
    expect(geminiText(response)).toBe(ANSWER_TEXT);
    expect(response.functionCalls?.[0]).toMatchObject({ name: 'get_weather', args: WEATHER_ARGS });
  });
});

describe('reasoning reaches every official SDK in its own form', () => {
  const event = (data: { type: string; [key: string]: unknown }): SseEvent => ({ event: data.type, data: JSON.stringify(data) });
  // Claude thinking (signed), then the answer.
  const thinking: SseEvent[] = [
    event({ type: 'message_start', message: { id: 'msg_t', model: 'claude', usage: { input_tokens: 5, output_tokens: 1 } } }),
    event({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    event({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Paris is in France.' } }),
    event({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'c2ln' } }),
    event({ type: 'content_block_stop', index: 0 }),
    event({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }),
    event({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Sunny.' } }),
    event({ type: 'content_block_stop', index: 1 }),
    event({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 20, output_tokens_details: { thinking_tokens: 12 } } }),
    event({ type: 'message_stop' }),
  ];
  const fetchOf = (client: ClientProtocol) => answerFetch(streamed('anthropic', client, thinking), 'text/event-stream');

  it('anthropic: a signed thinking block', async () => {
    const client = new Anthropic({ apiKey: 'ck-test', baseURL: 'http://gateway.test/anthropic', fetch: fetchOf('anthropic'), maxRetries: 0 });
    const message = await client.messages.stream({ model: CLIENT_MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Paris is in France.', signature: 'c2ln' },
      { type: 'text', text: 'Sunny.', citations: null },
    ]);
  });

  it('openai responses: a reasoning item whose encrypted_content carries the signature back', async () => {
    const client = new OpenAI({ apiKey: 'ck-test', baseURL: 'http://gateway.test/v1', fetch: fetchOf('openai-responses'), maxRetries: 0 });
    const response = await client.responses.stream({ model: CLIENT_MODEL, input: 'hi' }).finalResponse();
    expect(response.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'Paris is in France.' }], encrypted_content: 'gw-anthropic-thinking:c2ln' });
    expect(response.output_text).toBe('Sunny.');
  });

  it('openai chat: reasoning_content beside the content', async () => {
    const client = new OpenAI({ apiKey: 'ck-test', baseURL: 'http://gateway.test/v1', fetch: fetchOf('openai-chat'), maxRetries: 0 });
    const completion = await client.chat.completions.stream({ model: CLIENT_MODEL, messages: [{ role: 'user', content: 'hi' }] }).finalChatCompletion();
    expect(completion.choices[0].message).toMatchObject({ content: 'Sunny.', reasoning_content: 'Paris is in France.' });
  });

  it('google genai: thought parts, the last one carrying the signature', async () => {
    const client = new GoogleGenAI({ apiKey: 'ck-test', httpOptions: { baseUrl: 'http://gateway.test/gemini', fetch: fetchOf('gemini') } });
    const parts: unknown[] = [];
    for await (const chunk of await client.models.generateContentStream({ model: CLIENT_MODEL, contents: 'hi' })) parts.push(...(chunk.candidates?.[0]?.content?.parts ?? []));
    expect(parts).toEqual([
      { text: 'Paris is in France.', thought: true },
      { text: '', thought: true, thoughtSignature: 'gw-anthropic-thinking:c2ln' },
      { text: 'Sunny.' },
      { text: '' },
    ]);
  });
});
