import {
  ANSWER_TOOL_CALL_ID,
  ANSWER_USAGE,
  CLIENT_ANSWER_ID,
  CLIENT_MODEL,
  CREATED,
  clientAnswer,
  PROVIDER_ANSWERS,
} from '../test-fixtures/weather-answer';
import { CLIENT_REQUESTS, PROVIDER_MODEL, providerRequest, TOOL_CALL_ID, weatherChatRequest } from '../test-fixtures/weather-request';
import { ARGUMENT_DELTAS, clientStream, parseSse, PROVIDER_STREAMS, START_USAGE } from '../test-fixtures/weather-stream';
import {
  ClientProtocol,
  createStreamTranslator,
  decodeRequest,
  PROTOCOL_LABEL,
  ProviderProtocol,
  SseEvent,
  translateRequest,
  translateResponse,
} from '.';

const CLIENTS: ClientProtocol[] = ['openai-chat', 'openai-responses', 'anthropic', 'gemini'];
const PROVIDERS: ProviderProtocol[] = ['openai-chat', 'anthropic', 'gemini'];
const PAIRS = CLIENTS.flatMap((client) => PROVIDERS.map((provider) => [client, provider] as const));

describe('every client protocol decodes the same conversation', () => {
  it.each(CLIENTS)('%s', (client) => {
    const dropped: string[] = [];
    expect(decodeRequest(client, CLIENT_REQUESTS[client], { target: 'openai-chat', dropped })).toEqual(
      weatherChatRequest(TOOL_CALL_ID[client], client === 'gemini' ? 'get_weather' : undefined),
    );
    expect(dropped).toEqual([]);
  });
});

describe('translateRequest: every client protocol to every provider (golden bodies)', () => {
  it.each(PAIRS)('%s -> %s', (client, provider) => {
    const translated = translateRequest(client, provider, CLIENT_REQUESTS[client], {
      model: PROVIDER_MODEL[provider],
      modelMaxOutputTokens: 64_000,
    });
    expect(translated.body).toEqual(providerRequest(provider, TOOL_CALL_ID[client]));
    expect(translated.stream).toBe(false);
    expect(translated.dropped).toEqual([]);
  });
});

describe('translateResponse: every provider answer to every client protocol (golden bodies)', () => {
  it.each(PAIRS)('%s client <- %s provider', (client, provider) => {
    const translated = translateResponse(provider, client, PROVIDER_ANSWERS[provider], {
      model: CLIENT_MODEL,
      id: CLIENT_ANSWER_ID[client],
      created: CREATED,
    });
    expect(translated.body).toEqual(clientAnswer(client, ANSWER_TOOL_CALL_ID[provider]));
    expect(translated.usage).toEqual(ANSWER_USAGE);
    expect(translated.stopReason).toBe('tool_use');
  });

  it('takes the provider body as JSON text too', () => {
    const text = JSON.stringify(PROVIDER_ANSWERS.anthropic);
    expect(translateResponse('anthropic', 'openai-chat', text, { model: CLIENT_MODEL, id: 'chatcmpl-gen1', created: CREATED }).body).toEqual(
      clientAnswer('openai-chat', 'toolu_abc'),
    );
  });
});

describe('createStreamTranslator: every provider stream to every client protocol (golden frames)', () => {
  it.each(PAIRS)('%s client <- %s provider', (client, provider) => {
    const translator = createStreamTranslator(provider, client, {
      model: CLIENT_MODEL,
      id: CLIENT_ANSWER_ID[client],
      created: CREATED,
      includeUsage: true,
    });
    let text = '';
    for (const event of PROVIDER_STREAMS[provider]) text += translator.push(event);

    expect(parseSse(text)).toEqual(
      clientStream(client, { toolCallId: ANSWER_TOOL_CALL_ID[provider], argumentDeltas: ARGUMENT_DELTAS[provider], startUsage: START_USAGE[provider] }),
    );
    expect(translator.finished).toBe(true);
    expect(translator.stopReason).toBe('tool_use');
    expect(translator.usage).toEqual(ANSWER_USAGE);
    expect(translator.deliveredText).toBe('Checking the forecast.get_weather{"city":"Paris","day":"tomorrow"}');
  });
});

describe('a stream cut mid-way: not finished, what was delivered, and the client`s own error event', () => {
  const failure = { status: 502, type: 'upstream_error', message: 'The upstream provider closed the stream before it was complete' };
  const errorFrame: Record<ClientProtocol, (frames: ReturnType<typeof parseSse>) => unknown> = {
    'openai-chat': (frames) => frames.at(-1),
    anthropic: (frames) => frames.at(-1),
    'openai-responses': (frames) => frames.at(-1)?.event,
    gemini: (frames) => frames.at(-1),
  };
  const expectedError: Record<ClientProtocol, unknown> = {
    'openai-chat': { data: { error: { message: failure.message, type: 'upstream_error', code: '502' } } },
    anthropic: { event: 'error', data: { type: 'error', error: { type: 'upstream_error', message: failure.message } } },
    'openai-responses': 'response.failed',
    gemini: { data: { error: { code: 502, message: failure.message, status: 'INTERNAL' } } },
  };
  // The provider events up to the second text delta: the answer has started, nothing closed it.
  const cutAfter: Record<ProviderProtocol, number> = { 'openai-chat': 3, anthropic: 5, gemini: 2 };

  it.each(PAIRS)('%s client <- %s provider', (client, provider) => {
    const translator = createStreamTranslator(provider, client, { model: CLIENT_MODEL, id: CLIENT_ANSWER_ID[client], created: CREATED });
    let text = '';
    for (const event of PROVIDER_STREAMS[provider].slice(0, cutAfter[provider])) text += translator.push(event);
    expect(translator.finished).toBe(false);
    expect(translator.stopReason).toBeNull();
    expect(translator.deliveredText).toBe('Checking the forecast.');
    // Input usage, where the provider reported it at the start, is known; the output is the caller's to count.
    expect(translator.usage?.outputTokens ?? 0).toBeLessThanOrEqual(1);
    const frames = parseSse(text + translator.fail(failure));
    expect(errorFrame[client](frames)).toEqual(expectedError[client]);
  });
});

describe('reasoning from every provider reaches an Anthropic client as thinking blocks', () => {
  const streams: Record<ProviderProtocol, SseEvent[]> = {
    // OpenAI's own models stream no reasoning text; OpenAI-compatible providers send reasoning_content.
    'openai-chat': [
      { data: JSON.stringify({ id: 'c', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', reasoning_content: 'Think.' } }] }) },
      { data: JSON.stringify({ id: 'c', model: 'm', choices: [{ index: 0, delta: { content: 'Done.' }, finish_reason: 'stop' }] }) },
      { data: '[DONE]' },
    ],
    anthropic: [
      { event: 'message_start', data: JSON.stringify({ type: 'message_start', message: { id: 'm', model: 'x', usage: { input_tokens: 1, output_tokens: 1 } } }) },
      { event: 'content_block_start', data: JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }) },
      { event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Think.' } }) },
      { event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } }) },
      { event: 'content_block_stop', data: JSON.stringify({ type: 'content_block_stop', index: 0 }) },
      { event: 'content_block_start', data: JSON.stringify({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: 'Done.' } }) },
      { event: 'content_block_stop', data: JSON.stringify({ type: 'content_block_stop', index: 1 }) },
      { event: 'message_delta', data: JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } }) },
      { event: 'message_stop', data: JSON.stringify({ type: 'message_stop' }) },
    ],
    gemini: [
      { data: JSON.stringify({ responseId: 'r', candidates: [{ content: { role: 'model', parts: [{ text: 'Think.', thought: true }] } }] }) },
      { data: JSON.stringify({ responseId: 'r', candidates: [{ content: { role: 'model', parts: [{ text: 'Done.' }] }, finishReason: 'STOP' }] }) },
    ],
  };

  it.each(PROVIDERS)('%s', (provider) => {
    const translator = createStreamTranslator(provider, 'anthropic', { model: CLIENT_MODEL });
    const frames = parseSse(streams[provider].map((e) => translator.push(e)).join(''));
    const deltas = frames.filter((f) => f.event === 'content_block_delta').map((f) => (f.data as { delta: object }).delta);
    expect(deltas).toEqual([
      { type: 'thinking_delta', thinking: 'Think.' },
      // Only Anthropic's own thinking is signed (the signature is Anthropic's, for Anthropic).
      ...(provider === 'anthropic' ? [{ type: 'signature_delta', signature: 'sig' }] : []),
      { type: 'text_delta', text: 'Done.' },
    ]);
    expect(translator.finished).toBe(true);
  });
});

// The encoders see only the internal request: a Gemini client's `presencePenalty` was refused as `presence_penalty`,
// an Anthropic client's `disable_parallel_tool_use` as `parallel_tool_calls: false`, names the client never sent.
describe('what a provider cannot honour is named as the client named it', () => {
  const user = (text: string) => ({ role: 'user', content: text });
  const gemini = (generationConfig: object) => ({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig });
  const weatherTool = { name: 'get_weather', description: 'weather', input_schema: { type: 'object', properties: {} } };
  const cases: Array<[ClientProtocol, ProviderProtocol, unknown, string]> = [
    ['gemini', 'anthropic', gemini({ presencePenalty: 0.5 }), 'presencePenalty'],
    ['gemini', 'anthropic', gemini({ frequencyPenalty: 0.5 }), 'frequencyPenalty'],
    ['openai-chat', 'anthropic', { model: 'm', messages: [user('hi')], presence_penalty: 0.5 }, 'presence_penalty'],
    ['gemini', 'openai-chat', gemini({ topK: 3 }), 'topK'],
    ['anthropic', 'openai-chat', { model: 'm', max_tokens: 5, messages: [user('hi')], top_k: 3 }, 'top_k'],
    [
      'gemini',
      'anthropic',
      gemini({ responseMimeType: 'application/json' }),
      "JSON mode without a schema (responseMimeType 'application/json' without responseSchema)",
    ],
    [
      'openai-responses',
      'anthropic',
      { model: 'm', input: 'hi', text: { format: { type: 'json_object' } } },
      'JSON mode without a schema (text.format json_object)',
    ],
    ['openai-chat', 'anthropic', { model: 'm', messages: [user('hi')], response_format: { type: 'json_object' } }, 'JSON mode without a schema (json_object)'],
    [
      'anthropic',
      'gemini',
      { model: 'm', max_tokens: 5, messages: [user('hi')], tools: [weatherTool], tool_choice: { type: 'auto', disable_parallel_tool_use: true } },
      'tool_choice.disable_parallel_tool_use: true',
    ],
    [
      'openai-chat',
      'gemini',
      {
        model: 'm',
        messages: [user('hi')],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
        parallel_tool_calls: false,
      },
      'parallel_tool_calls: false',
    ],
  ];
  it.each(cases)('%s -> %s: %j', (client, provider, body, name) => {
    expect(() => translateRequest(client, provider, body, { model: 'm', modelMaxOutputTokens: 1_000 })).toThrow(
      `${name} cannot be translated to the ${PROTOCOL_LABEL[provider]} API of this model's provider`,
    );
  });
});
