import type OpenAI from 'openai';
import { parseSse } from '../../../test-fixtures/weather-stream';
import {
  ChatRequest,
  createStreamTranslator,
  decodeRequest,
  encodeRequest,
  ProviderStreamError,
  StopReason,
  translateRequest,
  translateResponse,
  UntranslatableFeatureError,
} from '../..';
import { decodeOpenAiFinishReason, encodeOpenAiFinishReason } from './stop-reason';

const user = (content: string) => [{ role: 'user' as const, content }];
const base: OpenAI.ChatCompletionCreateParams = { model: 'anthropic/claude-sonnet-4-6', messages: user('hi') };
const decode = (body: object, target: 'anthropic' | 'gemini' | 'openai-chat' = 'anthropic') => {
  const dropped: string[] = [];
  return { request: decodeRequest('openai-chat', body, { target, dropped }), dropped };
};
const toAnthropic = (body: object) => translateRequest('openai-chat', 'anthropic', body, { model: 'claude-sonnet-4-6', modelMaxOutputTokens: 64_000 });
const empty = (over: Partial<ChatRequest> = {}): ChatRequest => ({ system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], tools: [], stream: false, ...over });
const encodeOpenAi = (request: ChatRequest) =>
  encodeRequest('openai-chat', request, { source: 'openai-chat', target: 'openai-chat', dropped: [], model: 'gpt-4.1-mini', modelMaxOutputTokens: 32_768 }) as unknown as OpenAI.ChatCompletionCreateParams;

describe('OpenAI chat client requests', () => {
  it('decodes sampling, limits, stop, structured output, reasoning and the end-user id', () => {
    const { request } = decode({
      ...base,
      max_tokens: 100,
      stop: 'END',
      seed: 7,
      presence_penalty: 0,
      response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'high',
      safety_identifier: 'user-42',
      parallel_tool_calls: false,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(request).toMatchObject({
      maxOutputTokens: 100,
      stopSequences: ['END'],
      seed: 7,
      presencePenalty: 0,
      output: { type: 'json_schema', name: 'weather', schema: { type: 'object' }, strict: true },
      reasoning: { mode: 'on', effort: 'high' },
      user: 'user-42',
      parallelToolCalls: false,
      stream: true,
      streamIncludeUsage: true,
    });
    expect(decode({ ...base, max_tokens: 10, max_completion_tokens: 20 }).request.maxOutputTokens).toBe(20);
    expect(decode({ ...base, reasoning_effort: 'none' }).request.reasoning).toEqual({ mode: 'off' });
    expect(decode({ ...base, response_format: { type: 'json_object' } }).request.output).toEqual({ type: 'json_object' });
  });

  it('takes developer and system messages as the system prompt, and reasoning_content back as reasoning', () => {
    const { request } = decode({
      ...base,
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'system', content: [{ type: 'text', text: 'Speak French.' }] },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'text', text: 'Bonjour' }], reasoning_content: 'greet back', refusal: null },
      ],
    });
    expect(request.system).toEqual([{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Speak French.' }]);
    expect(request.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'reasoning', text: 'greet back' }, { type: 'text', text: 'Bonjour' }] });
  });

  it('joins consecutive tool messages into one tool turn', () => {
    const { request } = decode({
      ...base,
      messages: [
        ...user('both'),
        { role: 'assistant', content: null, tool_calls: [1, 2].map((n) => ({ id: `c${n}`, type: 'function', function: { name: 'f', arguments: '{}' } })) },
        { role: 'tool', tool_call_id: 'c1', content: 'one' },
        { role: 'tool', tool_call_id: 'c2', content: [{ type: 'text', text: 'two' }] },
      ],
    });
    expect(request.messages[2]).toEqual({
      role: 'tool',
      content: [
        { type: 'tool_result', toolCallId: 'c1', content: [{ type: 'text', text: 'one' }], isError: false },
        { type: 'tool_result', toolCallId: 'c2', content: [{ type: 'text', text: 'two' }], isError: false },
      ],
    });
  });

  it('lists dropped hints', () => {
    const { dropped } = decode({
      ...base,
      store: true,
      metadata: { a: 'b' },
      service_tier: 'flex',
      prompt_cache_key: 'k',
      verbosity: 'low',
      messages: [{ role: 'user', name: 'ann', content: [{ type: 'image_url', image_url: { url: 'https://x/a.png', detail: 'high' } }] }],
    });
    expect(dropped.sort()).toEqual(['image_url.detail', 'metadata', 'name', 'prompt_cache_key', 'service_tier', 'store', 'verbosity']);
  });

  it.each([
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['n > 1', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { top_logprobs: 2 }],
    ['modalities (audio output)', { modalities: ['text', 'audio'] }],
    ['audio', { audio: { format: 'mp3', voice: 'alloy' } }],
    ['web_search_options', { web_search_options: {} }],
    ['functions', { functions: [{ name: 'f' }] }],
    ['input_audio content', { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'mp3' } }] }] }],
    ['file content', { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'f1' } }] }] }],
    ['tools of type custom', { tools: [{ type: 'custom', custom: { name: 'x' } }] }],
    ['tool_choice of type allowed_tools', { tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } } }],
    ['function messages (legacy functions API)', { messages: [{ role: 'function', name: 'f', content: 'x' }] }],
    ['frobnicate', { frobnicate: true }],
  ])('refuses %s, naming it', (feature, extra) => {
    expect(() => toAnthropic({ ...base, ...extra })).toThrow(new UntranslatableFeatureError(feature, 'anthropic'));
  });

  it('accepts the refused features switched off', () => {
    expect(() => toAnthropic({ ...base, n: 1, logprobs: false, logit_bias: null, modalities: ['text'] })).not.toThrow();
  });

  it('says which field is malformed', () => {
    expect(() => toAnthropic({ ...base, messages: 'hi' })).toThrow("Invalid value for 'messages': expected an array");
    expect(() => toAnthropic({ ...base, messages: [{ role: 'robot', content: 'x' }] })).toThrow("'messages[0].role'");
    expect(() => toAnthropic({ ...base, temperature: 'hot' })).toThrow("Invalid value for 'temperature': expected a number");
  });
});

describe('requests to OpenAI channels', () => {
  it('asks for the usage of a stream, which the gateway bills on', () => {
    expect(encodeOpenAi(empty({ stream: true }))).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('maps reasoning to an effort (a budget by the shared table), tool choice and JSON mode', () => {
    expect(encodeOpenAi(empty({ reasoning: { mode: 'on', budgetTokens: 8000 } })).reasoning_effort).toBe('medium');
    expect(encodeOpenAi(empty({ reasoning: { mode: 'on' } })).reasoning_effort).toBe('medium');
    expect(encodeOpenAi(empty({ reasoning: { mode: 'off' } })).reasoning_effort).toBeUndefined();
    expect(encodeOpenAi(empty({ toolChoice: { type: 'tool', name: 'f' } })).tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
    expect(encodeOpenAi(empty({ output: { type: 'json_object' } })).response_format).toEqual({ type: 'json_object' });
    expect(encodeOpenAi(empty({ output: { type: 'json_schema', schema: { type: 'object' } } })).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema: { type: 'object' } },
    });
  });

  it('refuses top_k, which OpenAI lacks', () => {
    expect(() => encodeOpenAi(empty({ topK: 40 }))).toThrow(new UntranslatableFeatureError('top_k', 'openai-chat'));
  });

  it('says a failed tool result in its text, moves tool images to a user turn, and shortens long call ids the same everywhere', () => {
    const longId = `toolu_${'x'.repeat(60)}`;
    const body = encodeOpenAi(
      empty({
        system: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }],
        messages: [
          { role: 'assistant', content: [{ type: 'reasoning', text: 'thinking', signature: 's' }, { type: 'tool_call', id: longId, name: 'shot', arguments: '{}' }] },
          {
            role: 'tool',
            content: [
              {
                type: 'tool_result',
                toolCallId: longId,
                content: [{ type: 'text', text: 'no screen' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } }],
                isError: true,
              },
            ],
          },
        ],
      }),
    );
    const shortId = (body.messages[1] as OpenAI.ChatCompletionAssistantMessageParam).tool_calls![0].id;
    expect(shortId).toHaveLength(40);
    expect(body.messages).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: null, tool_calls: [{ id: shortId, type: 'function', function: { name: 'shot', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: shortId, content: 'Error: no screen' },
      {
        role: 'user',
        content: [
          { type: 'text', text: `Images returned by tool call ${shortId}` },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        ],
      },
    ]);
  });
});

describe('OpenAI answers', () => {
  it.each<[string, StopReason]>([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'content_filter'],
  ])('finish_reason %s is %s', (reason, stop) => {
    expect(decodeOpenAiFinishReason(reason)).toBe(stop);
  });

  it.each<[StopReason, string]>([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['content_filter', 'content_filter'],
    ['error', 'stop'],
  ])('stop reason %s goes out as %s', (stop, reason) => {
    expect(encodeOpenAiFinishReason(stop)).toBe(reason);
  });

  it('reads reasoning text and a refusal from OpenAI-compatible answers, and writes reasoning as reasoning_content', () => {
    const answer = {
      id: 'x',
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot.', reasoning_content: 'policy' }, finish_reason: 'stop' }],
    };
    const out = translateResponse('openai-chat', 'openai-chat', answer, { model: 'client' }).body as unknown as OpenAI.ChatCompletion;
    expect(out.choices[0].message).toEqual({ role: 'assistant', content: 'I cannot.', refusal: null, reasoning_content: 'policy' });
    expect(out.usage).toMatchObject({ prompt_tokens: 0, completion_tokens: 0 });
  });

  it('refuses an answer without a choice as the provider`s fault', () => {
    expect(() => translateResponse('openai-chat', 'anthropic', { id: 'x', choices: [] }, { model: 'c' })).toThrow(
      expect.objectContaining({ status: 502 }),
    );
  });
});

describe('OpenAI streams', () => {
  const chunk = (delta: object, finish: string | null = null, extra: object = {}) => ({
    data: JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt', choices: [{ index: 0, delta, finish_reason: finish }], ...extra }),
  });

  it('numbers parallel tool calls and ends them at the finish_reason', () => {
    const translator = createStreamTranslator('openai-chat', 'anthropic', { model: 'c', id: 'msg_1' });
    const text = [
      chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'g', arguments: '{"x":1}' } }] }),
      chunk({}, 'tool_calls'),
      { data: '[DONE]' },
    ]
      .map((e) => translator.push(e))
      .join('');
    const blocks = parseSse(text).filter((f) => f.event === 'content_block_start' || f.event === 'content_block_stop');
    expect(blocks.map((f) => f.data)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'a', name: 'f', input: {}, caller: { type: 'direct' } } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'b', name: 'g', input: {}, caller: { type: 'direct' } } },
      { type: 'content_block_stop', index: 1 },
    ]);
    expect(translator.stopReason).toBe('tool_use');
    // No usage chunk came: nothing reported, the caller counts what was delivered.
    expect(translator.usage).toBeNull();
  });

  it('reports a provider error chunk as a ProviderStreamError', () => {
    const translator = createStreamTranslator('openai-chat', 'gemini', { model: 'c' });
    translator.push(chunk({ content: 'par' }));
    expect(() => translator.push({ data: JSON.stringify({ error: { message: 'boom', type: 'server_error' } }) })).toThrow(
      new ProviderStreamError(502, 'boom', 'server_error'),
    );
  });

  it('leaves the usage chunk out unless the client asked for it, and ends with [DONE]', () => {
    const translator = createStreamTranslator('anthropic', 'openai-chat', { model: 'c', id: 'chatcmpl-1', created: 5 });
    const text = [
      { event: 'message_start', data: JSON.stringify({ type: 'message_start', message: { id: 'm', model: 'x', usage: { input_tokens: 3, output_tokens: 1 } } }) },
      { event: 'message_delta', data: JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 9 } }) },
      { event: 'message_stop', data: JSON.stringify({ type: 'message_stop' }) },
    ]
      .map((e) => translator.push(e))
      .join('');
    const frames = parseSse(text);
    expect(frames.map((f) => (f.data === '[DONE]' ? 'DONE' : (f.data as OpenAI.ChatCompletionChunk).choices[0]?.finish_reason))).toEqual([null, 'length', 'DONE']);
    expect(translator.usage).toEqual({ inputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 9, reasoningTokens: 0 });
  });

  it('ends a failed stream with an OpenAI error chunk', () => {
    const translator = createStreamTranslator('anthropic', 'openai-chat', { model: 'c' });
    expect(parseSse(translator.fail({ status: 502, type: 'upstream_error', message: 'cut' }))).toEqual([
      { data: { error: { message: 'cut', type: 'upstream_error', code: '502' } } },
    ]);
  });
});
