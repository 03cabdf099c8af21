import type Anthropic from '@anthropic-ai/sdk';
import type { AnthropicRequestBody } from '../../../test-fixtures/weather-request';
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
  usesAdaptiveThinking,
} from '../..';
import { decodeAnthropicStopReason, encodeAnthropicStopReason } from './stop-reason';

const base: AnthropicRequestBody = { model: 'openai/gpt-4.1-mini', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] };
const decode = (body: object) => {
  const dropped: string[] = [];
  return { request: decodeRequest('anthropic', body, { target: 'openai-chat', dropped }), dropped };
};
const hi = { role: 'user' as const, content: [{ type: 'text' as const, text: 'hi' }] };
const request = (over: Partial<ChatRequest> = {}): ChatRequest => ({ system: [], messages: [hi], tools: [], stream: false, ...over });
const encode = (r: ChatRequest, model = 'claude-sonnet-4-6', dropped: string[] = []) =>
  encodeRequest('anthropic', r, { source: 'openai-chat', target: 'anthropic', dropped, model, modelMaxOutputTokens: 64_000 }) as unknown as AnthropicRequestBody;

describe('Anthropic client requests', () => {
  it('decodes system blocks, top_k, stop sequences, the user id and structured output', () => {
    const { request: r, dropped } = decode({
      ...base,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      top_k: 40,
      stop_sequences: ['END'],
      metadata: { user_id: 'u1' },
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      service_tier: 'auto',
    });
    expect(r).toMatchObject({
      system: [{ type: 'text', text: 'Be brief.' }],
      topK: 40,
      stopSequences: ['END'],
      user: 'u1',
      maxOutputTokens: 1000,
      output: { type: 'json_schema', schema: { type: 'object' }, strict: true },
    });
    expect(dropped.sort()).toEqual(['cache_control', 'service_tier']);
  });

  it('decodes thinking: budget, adaptive with an effort, disabled', () => {
    expect(decode({ ...base, thinking: { type: 'enabled', budget_tokens: 2048 } }).request.reasoning).toEqual({ mode: 'on', budgetTokens: 2048, includeThoughts: true });
    expect(decode({ ...base, thinking: { type: 'adaptive', display: 'omitted' }, output_config: { effort: 'low' } }).request.reasoning).toEqual({
      mode: 'on',
      effort: 'low',
      includeThoughts: false,
    });
    expect(decode({ ...base, thinking: { type: 'disabled' } }).request.reasoning).toEqual({ mode: 'off' });
    expect(decode({ ...base, output_config: { effort: 'high' } }).request.reasoning).toEqual({ mode: 'on', effort: 'high' });
  });

  it('decodes tool choice and parallel tool use', () => {
    expect(decode({ ...base, tool_choice: { type: 'any', disable_parallel_tool_use: true } }).request).toMatchObject({
      toolChoice: { type: 'required' },
      parallelToolCalls: false,
    });
    expect(decode({ ...base, tool_choice: { type: 'tool', name: 'f' } }).request.toolChoice).toEqual({ type: 'tool', name: 'f' });
    expect(decode({ ...base, tool_choice: { type: 'none' } }).request.toolChoice).toEqual({ type: 'none' });
  });

  it('splits tool results out of a user turn and keeps thinking with its signature, redacted thinking and errors', () => {
    const { request: r } = decode({
      ...base,
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'call the tool', signature: 'sig1' },
            { type: 'redacted_thinking', data: 'enc' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              is_error: true,
              content: [
                { type: 'text', text: 'no data' },
                { type: 'image', source: { type: 'url', url: 'https://x/map.png' } },
              ],
            },
            { type: 'text', text: 'try again' },
          ],
        },
      ],
    });
    expect(r.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'call the tool', signature: 'sig1' },
          { type: 'reasoning', text: '', redactedData: 'enc' },
          { type: 'tool_call', id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool_result',
            toolCallId: 'toolu_1',
            content: [{ type: 'text', text: 'no data' }, { type: 'image', source: { kind: 'url', url: 'https://x/map.png' } }],
            isError: true,
          },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'try again' }] },
    ]);
  });

  it.each([
    ['document content blocks', { messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] }] }],
    ['web_search_20250305 tools', { tools: [{ type: 'web_search_20250305', name: 'web_search' }] }],
    ['mcp_servers', { mcp_servers: [{ type: 'url', url: 'https://mcp', name: 'm' }] }],
    ['container', { container: 'c1' }],
    ['image source of type file', { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] }],
    ['server_tool_use content blocks', { messages: [{ role: 'assistant', content: [{ type: 'server_tool_use', id: 's', name: 'web_search', input: {} }] }] }],
    // Cache pre-warming: the provider would take a limit of 0 for none and answer in full.
    ['max_tokens: 0 (prompt cache pre-warming)', { max_tokens: 0 }],
  ])('refuses %s, naming it', (feature, extra) => {
    expect(() => translateRequest('anthropic', 'openai-chat', { ...base, ...extra }, { model: 'gpt-4.1', modelMaxOutputTokens: 1 })).toThrow(
      new UntranslatableFeatureError(feature, 'openai-chat'),
    );
  });
});

describe('requests to Anthropic channels', () => {
  it('sets max_tokens to the model`s maximum when the client gave none', () => {
    expect(encode(request()).max_tokens).toBe(64_000);
    expect(encode(request({ maxOutputTokens: 10 })).max_tokens).toBe(10);
  });

  it.each([
    ['temperature above 1', { temperature: 1.5 }],
    ['presence_penalty', { presencePenalty: 0.5 }],
    ['frequency_penalty', { frequencyPenalty: -1 }],
    ['JSON mode without a schema (json_object)', { output: { type: 'json_object' as const } }],
  ])('refuses %s', (feature, over) => {
    expect(() => encode(request(over))).toThrow(new UntranslatableFeatureError(feature, 'anthropic'));
  });

  it('drops a seed (Anthropic has none; OpenAI does not promise determinism either)', () => {
    const dropped: string[] = [];
    expect(encode(request({ seed: 1, temperature: 1 }), 'claude-sonnet-4-6', dropped)).not.toHaveProperty('seed');
    expect(dropped).toEqual(['seed']);
  });

  it('steers Claude 4.6+ with adaptive thinking and an effort, earlier models with a budget below max_tokens', () => {
    expect(usesAdaptiveThinking('claude-opus-4-7')).toBe(true);
    expect(usesAdaptiveThinking('claude-sonnet-5')).toBe(true);
    expect(usesAdaptiveThinking('claude-sonnet-4-5')).toBe(false);
    expect(encode(request({ reasoning: { mode: 'on', effort: 'minimal' } }))).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } });
    expect(encode(request({ reasoning: { mode: 'on', budgetTokens: 20_000 } }))).toMatchObject({ output_config: { effort: 'high' } });
    expect(encode(request({ reasoning: { mode: 'on', effort: 'high' } }), 'claude-sonnet-4-5')).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 24_576 } });
    expect(encode(request({ reasoning: { mode: 'on', effort: 'high' }, maxOutputTokens: 4000 }), 'claude-haiku-4-5')).toMatchObject({
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 3999 },
    });
    // A budget below Anthropic's minimum (Gemini's thinkingBudget may be 512) is raised to it, given room below max_tokens.
    expect(encode(request({ reasoning: { mode: 'on', budgetTokens: 512 } }), 'claude-haiku-4-5')).toMatchObject({
      max_tokens: 64_000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    expect(() => encode(request({ reasoning: { mode: 'on', budgetTokens: 512 }, maxOutputTokens: 1000 }), 'claude-haiku-4-5')).toThrow(
      new UntranslatableFeatureError('reasoning with at most 1000 output tokens', 'anthropic'),
    );
    expect(() => encode(request({ reasoning: { mode: 'on' }, maxOutputTokens: 1000 }), 'claude-haiku-4-5')).toThrow(
      new UntranslatableFeatureError('reasoning with at most 1000 output tokens', 'anthropic'),
    );
    expect(encode(request({ reasoning: { mode: 'off' } }))).not.toHaveProperty('thinking');
  });

  it('leaves thinking out when it would continue a tool-use turn that has none (and says so)', () => {
    const dropped: string[] = [];
    const body = encode(
      request({
        reasoning: { mode: 'on', effort: 'high' },
        messages: [
          hi,
          { role: 'assistant', content: [{ type: 'reasoning', text: 'from another model' }, { type: 'tool_call', id: 'c1', name: 'f', arguments: '{}' }] },
          { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'c1', content: [{ type: 'text', text: 'ok' }], isError: false }] },
        ],
      }),
      'claude-sonnet-4-6',
      dropped,
    );
    expect(body).not.toHaveProperty('thinking');
    expect(dropped).toEqual(['reasoning (the tool-use turn it continues has no thinking block)']);
    // Unsigned reasoning never goes to Anthropic; signed thinking does.
    expect(body.messages[1].content).toEqual([{ type: 'tool_use', id: 'c1', name: 'f', input: {} }]);
  });

  it('sends signed and redacted thinking back, merges tool results with the next user turn, and fixes foreign ids', () => {
    const body = encode(
      request({
        parallelToolCalls: false,
        user: 'u1',
        tools: [{ name: 'f', parameters: { type: 'object' } }],
        messages: [
          hi,
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'think', signature: 'sig' },
              { type: 'reasoning', text: '', redactedData: 'enc' },
              { type: 'text', text: '' },
              { type: 'tool_call', id: 'fc.1', name: 'f', arguments: '{"a":1}' },
            ],
          },
          { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'fc.1', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }], isError: true }] },
          { role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'data:image/jpeg;base64,/9j/' } }] },
        ],
      }),
    );
    const id = (body.messages[1].content as Anthropic.ToolUseBlockParam[])[2].id;
    expect(id).toMatch(/^toolu_[A-Za-z0-9_-]{32}$/);
    expect(body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'think', signature: 'sig' },
          { type: 'redacted_thinking', data: 'enc' },
          { type: 'tool_use', id, name: 'f', input: { a: 1 } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: id, content: 'ab', is_error: true },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/' } },
        ],
      },
    ]);
    expect(body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(body.metadata).toEqual({ user_id: 'u1' });
  });

  it('sends image URLs as URLs, and refuses image types Anthropic cannot read', () => {
    const image = (url: string): ChatRequest => request({ messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url } }] }] });
    expect(encode(image('https://x/a.png')).messages[0].content).toEqual([{ type: 'image', source: { type: 'url', url: 'https://x/a.png' } }]);
    expect(() => encode(image('data:image/bmp;base64,Qk0='))).toThrow(new UntranslatableFeatureError('images of type image/bmp', 'anthropic'));
  });
});

describe('Anthropic answers', () => {
  it.each<[string, StopReason]>([
    ['end_turn', 'end_turn'],
    ['max_tokens', 'max_tokens'],
    ['model_context_window_exceeded', 'max_tokens'],
    ['stop_sequence', 'stop_sequence'],
    ['tool_use', 'tool_use'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'end_turn'],
  ])('stop_reason %s is %s', (reason, stop) => expect(decodeAnthropicStopReason(reason)).toBe(stop));

  it.each<[StopReason, string]>([
    ['content_filter', 'refusal'],
    ['error', 'end_turn'],
    ['stop_sequence', 'stop_sequence'],
  ])('stop reason %s goes out as %s', (stop, reason) => expect(encodeAnthropicStopReason(stop)).toBe(reason));

  it('carries thinking, its signature and the matched stop sequence to an Anthropic client', () => {
    const answer = {
      id: 'msg_1',
      model: 'claude',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'sig' },
        { type: 'redacted_thinking', data: 'enc' },
        { type: 'text', text: 'Paris' },
      ],
      stop_reason: 'stop_sequence',
      stop_sequence: 'END',
      usage: { input_tokens: 1, output_tokens: 2 },
    };
    const body = translateResponse('anthropic', 'anthropic', answer, { model: 'c' }).body as unknown as Anthropic.Message;
    expect(body.content).toEqual([
      { type: 'thinking', thinking: 'hmm', signature: 'sig' },
      { type: 'redacted_thinking', data: 'enc' },
      { type: 'text', text: 'Paris', citations: null },
    ]);
    expect(body).toMatchObject({ id: 'msg_1', stop_reason: 'stop_sequence', stop_sequence: 'END' });
  });
});

describe('Anthropic streams', () => {
  const event = (data: { type: string; [key: string]: unknown }) => ({ event: data.type, data: JSON.stringify(data) });
  const thinkingStream = [
    event({ type: 'message_start', message: { id: 'msg_t', model: 'claude', usage: { input_tokens: 5, output_tokens: 1 } } }),
    event({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    event({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me think.' } }),
    event({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } }),
    event({ type: 'content_block_stop', index: 0 }),
    event({ type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'enc' } }),
    event({ type: 'content_block_stop', index: 1 }),
    event({ type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } }),
    event({ type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'Paris.' } }),
    event({ type: 'content_block_stop', index: 2 }),
    event({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 30, output_tokens_details: { thinking_tokens: 20 } } }),
    event({ type: 'message_stop' }),
  ];

  it('passes thinking, its signature and redacted thinking to an Anthropic client block by block', () => {
    const translator = createStreamTranslator('anthropic', 'anthropic', { model: 'c' });
    const frames = parseSse(thinkingStream.map((e) => translator.push(e)).join(''));
    expect(frames.slice(1, -2).map((f) => f.data)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me think.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'enc' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '', citations: null } },
      { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'Paris.' } },
      { type: 'content_block_stop', index: 2 },
    ]);
    expect(translator.usage).toEqual({ inputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 30, reasoningTokens: 20 });
  });

  it('streams reasoning to an OpenAI chat client as reasoning_content deltas', () => {
    const translator = createStreamTranslator('anthropic', 'openai-chat', { model: 'c' });
    const deltas = parseSse(thinkingStream.map((e) => translator.push(e)).join(''))
      .filter((f) => f.data !== '[DONE]')
      .map((f) => (f.data as { choices: Array<{ delta: object }> }).choices[0].delta);
    expect(deltas).toEqual([{ role: 'assistant', content: '' }, { reasoning_content: 'Let me think.' }, { content: 'Paris.' }, {}]);
  });

  it('reports Anthropic`s overloaded error as 503, other errors as 502', () => {
    const overloaded = createStreamTranslator('anthropic', 'openai-chat', { model: 'c' });
    overloaded.push(thinkingStream[0]);
    expect(() => overloaded.push(event({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }))).toThrow(
      new ProviderStreamError(503, 'Overloaded', 'overloaded_error'),
    );
    const failed = createStreamTranslator('anthropic', 'openai-chat', { model: 'c' });
    expect(() => failed.push(event({ type: 'error', error: { type: 'api_error', message: 'x' } }))).toThrow(expect.objectContaining({ status: 502 }));
    expect(() => failed.push({ event: 'content_block_delta', data: 'not json' })).toThrow(expect.objectContaining({ status: 502 }));
  });

  it('ends a failed stream with Anthropic`s error event', () => {
    const translator = createStreamTranslator('openai-chat', 'anthropic', { model: 'c' });
    expect(parseSse(translator.fail({ status: 503, type: 'service_unavailable', message: 'gone' }))).toEqual([
      { event: 'error', data: { type: 'error', error: { type: 'service_unavailable', message: 'gone' } } },
    ]);
  });
});
