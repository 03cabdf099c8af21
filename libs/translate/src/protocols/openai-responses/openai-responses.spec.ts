import type OpenAI from 'openai';
import { parseSse } from '../../../test-fixtures/weather-stream';
import { AnthropicRequestBody } from '../../../test-fixtures/weather-request';
import { ChatResponse, createStreamTranslator, decodeRequest, encodeResponse, translateRequest, UntranslatableFeatureError } from '../..';

const base: OpenAI.Responses.ResponseCreateParams = { model: 'anthropic/claude-sonnet-4-6', input: 'hi' };
const decode = (body: object) => {
  const dropped: string[] = [];
  return { request: decodeRequest('openai-responses', body, { target: 'anthropic', dropped }), dropped };
};

describe('Responses API client requests', () => {
  it('decodes a string input, structured output, reasoning and hints', () => {
    const { request, dropped } = decode({
      ...base,
      text: { format: { type: 'json_schema', name: 'w', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
      reasoning: { effort: 'low', summary: 'auto' },
      store: false,
      metadata: { a: 'b' },
      include: ['reasoning.encrypted_content'],
      safety_identifier: 'u1',
      parallel_tool_calls: false,
      stream: true,
    });
    expect(request).toMatchObject({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      output: { type: 'json_schema', name: 'w', schema: { type: 'object' }, strict: true },
      reasoning: { mode: 'on', effort: 'low', includeThoughts: true },
      user: 'u1',
      parallelToolCalls: false,
      stream: true,
    });
    // `store: false` asks for nothing; `true` is accepted and ignored (nothing is stored).
    expect(dropped.sort()).toEqual(['include', 'metadata', 'text.verbosity']);
    expect(decode({ ...base, store: true }).dropped).toEqual(['store']);
  });

  it('takes a reasoning item back to Anthropic with the signature the gateway put in encrypted_content', () => {
    const translated = translateRequest(
      'openai-responses',
      'anthropic',
      {
        ...base,
        input: [
          { role: 'user', content: 'weather?' },
          { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Use the tool.' }], encrypted_content: 'gw-anthropic-thinking:sig' },
          { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: 'gAAAA-an-openai-blob' },
          { type: 'function_call', call_id: 'toolu_1', name: 'f', arguments: '{}' },
          { type: 'function_call_output', call_id: 'toolu_1', output: [{ type: 'input_text', text: 'sunny' }] },
        ],
        reasoning: { effort: 'medium' },
      },
      { model: 'claude-sonnet-4-6', modelMaxOutputTokens: 1000 },
    );
    const body = translated.body as unknown as AnthropicRequestBody;
    expect(body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Use the tool.', signature: 'sig' },
          { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
    ]);
    expect(body.thinking).toEqual({ type: 'adaptive' });
  });

  it.each([
    ['previous_response_id', { previous_response_id: 'resp_1' }],
    ['conversation', { conversation: 'conv_1' }],
    ['background', { background: true }],
    ['web_search tools', { tools: [{ type: 'web_search' }] }],
    ['tool_choice of type file_search', { tool_choice: { type: 'file_search' } }],
    ['input_image by file_id', { input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'f', detail: 'auto' }] }] }],
    ['input_file content', { input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] }],
    ['item_reference input items', { input: [{ type: 'item_reference', id: 'msg_1' }] }],
  ])('refuses %s, naming it', (feature, extra) => {
    expect(() => translateRequest('openai-responses', 'gemini', { ...base, ...extra }, { model: 'gemini-2.5-flash', modelMaxOutputTokens: 1 })).toThrow(
      new UntranslatableFeatureError(feature, 'gemini'),
    );
  });
});

describe('Responses API answers', () => {
  const response = (over: Partial<ChatResponse>): ChatResponse => ({
    id: 'msg_x',
    model: 'claude',
    content: [],
    stopReason: 'end_turn',
    usage: { inputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 2, reasoningTokens: 0 },
    ...over,
  });

  it('writes reasoning as a reasoning item carrying the signature, text as a message, and an output limit as incomplete', () => {
    const body = encodeResponse(
      'openai-responses',
      response({ content: [{ type: 'reasoning', text: 'hmm', signature: 'sig' }, { type: 'text', text: 'Par' }, { type: 'text', text: 'is' }], stopReason: 'max_tokens' }),
      { model: 'c', id: 'resp_1', created: 1, request: { ...base, instructions: 'Be brief.', temperature: 0.2, max_output_tokens: 5 } },
    ) as unknown as OpenAI.Responses.Response;
    expect(body.output).toEqual([
      { id: 'rs_1_0', type: 'reasoning', summary: [{ type: 'summary_text', text: 'hmm' }], encrypted_content: 'gw-anthropic-thinking:sig' },
      { id: 'msg_1_1', type: 'message', status: 'completed', role: 'assistant', content: [
        { type: 'output_text', text: 'Par', annotations: [], logprobs: [] },
        { type: 'output_text', text: 'is', annotations: [], logprobs: [] },
      ] },
    ]);
    expect(body).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      instructions: 'Be brief.',
      temperature: 0.2,
      max_output_tokens: 5,
    });
  });

  it("echoes every parameter of the request as OpenAI's response object does, with OpenAI's defaults for the rest", () => {
    const request: OpenAI.Responses.ResponseCreateParams = {
      ...base,
      instructions: 'Be brief.',
      max_output_tokens: 300,
      temperature: 0.4,
      top_p: 0.8,
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: false }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      metadata: { a: 'b' },
      text: { format: { type: 'json_schema', name: 'w', schema: { type: 'object' } }, verbosity: 'low' },
      reasoning: { effort: 'low' },
      truncation: 'auto',
      prompt_cache_key: 'k',
      safety_identifier: 'u1',
      user: 'u2',
    };
    const body = encodeResponse('openai-responses', response({}), { model: 'c', id: 'resp_1', created: 1, request });
    expect(body).toEqual({
      id: 'resp_1',
      object: 'response',
      created_at: 1,
      status: 'completed',
      background: false,
      error: null,
      incomplete_details: null,
      instructions: 'Be brief.',
      max_output_tokens: 300,
      max_tool_calls: null,
      model: 'c',
      output: [],
      parallel_tool_calls: false,
      previous_response_id: null,
      prompt_cache_key: 'k',
      reasoning: { effort: 'low', summary: null },
      safety_identifier: 'u1',
      service_tier: 'default',
      store: false,
      temperature: 0.4,
      text: request.text,
      tool_choice: 'required',
      tools: request.tools,
      top_logprobs: 0,
      top_p: 0.8,
      truncation: 'auto',
      usage: { input_tokens: 1, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 3 },
      user: 'u2',
      metadata: { a: 'b' },
    });
    // Parameters sent as null are read as not given, as OpenAI reads them.
    expect(encodeResponse('openai-responses', response({}), { model: 'c', request: { ...base, temperature: null, top_p: null, metadata: null } })).toMatchObject({
      temperature: 1,
      top_p: 1,
      metadata: {},
      max_output_tokens: null,
      text: { format: { type: 'text' }, verbosity: 'medium' },
      reasoning: { effort: null, summary: null },
    });
  });

  it('says a content filter stop is incomplete too', () => {
    expect(encodeResponse('openai-responses', response({ stopReason: 'content_filter' }), { model: 'c' })).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'content_filter' },
    });
  });
});

describe('Responses API streams', () => {
  const event = (data: { type: string; [key: string]: unknown }) => ({ event: data.type, data: JSON.stringify(data) });
  const start = event({ type: 'message_start', message: { id: 'msg_s', model: 'claude', usage: { input_tokens: 4, output_tokens: 1 } } });

  it('streams reasoning as a reasoning item with summary events, then text; an output limit ends in response.incomplete', () => {
    const translator = createStreamTranslator('anthropic', 'openai-responses', { model: 'c', id: 'resp_s', created: 1 });
    const text = [
      start,
      event({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } }),
      event({ type: 'content_block_stop', index: 0 }),
      event({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }),
      event({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Par' } }),
      event({ type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 9 } }),
      event({ type: 'message_stop' }),
    ]
      .map((e) => translator.push(e))
      .join('');
    const frames = parseSse(text);
    expect(frames.map((f) => f.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.incomplete',
    ]);
    expect(frames.map((f) => (f.data as { sequence_number: number }).sequence_number)).toEqual(frames.map((_, i) => i));
    expect(frames[7].data).toMatchObject({
      output_index: 0,
      item: { id: 'rs_s_0', type: 'reasoning', summary: [{ type: 'summary_text', text: 'hmm' }], encrypted_content: 'gw-anthropic-thinking:sig' },
    });
    const last = frames[14].data as OpenAI.Responses.ResponseIncompleteEvent;
    expect(last.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: { input_tokens: 4, output_tokens: 9 } });
    expect(last.response.output).toHaveLength(2);
  });

  it('ends a stream cut mid-way with an error event and response.failed holding what was delivered', () => {
    const translator = createStreamTranslator('anthropic', 'openai-responses', { model: 'c', id: 'resp_f', created: 1 });
    translator.push(start);
    translator.push(event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
    translator.push(event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Par' } }));
    expect(translator.finished).toBe(false);
    const frames = parseSse(translator.fail({ status: 502, type: 'upstream_error', message: 'The upstream provider closed the stream' }));
    expect(frames.map((f) => f.event)).toEqual(['error', 'response.failed']);
    expect(frames[0].data).toEqual({ type: 'error', code: 'upstream_error', message: 'The upstream provider closed the stream', param: null, sequence_number: 5 });
    // As on an OpenAI model's native stream: the gateway's error type as the code, only the items finished so far.
    const failed = (frames[1].data as OpenAI.Responses.ResponseFailedEvent).response;
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'upstream_error', message: 'The upstream provider closed the stream' }, usage: null });
    expect(failed.output).toEqual([]);
    expect(translator.deliveredText).toBe('Par');
    expect(translator.push(event({ type: 'message_stop' }))).toBe('');
  });

  it('echoes the request in every lifecycle event, and keeps the finished items of a stream that fails', () => {
    const request = { ...base, max_output_tokens: 50, temperature: 0.3, metadata: { a: 'b' } };
    const translator = createStreamTranslator('anthropic', 'openai-responses', { model: 'c', id: 'resp_g', created: 1, request });
    const text = [
      start,
      event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Par' } }),
      event({ type: 'content_block_stop', index: 0 }),
      event({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } }),
    ]
      .map((e) => translator.push(e))
      .join('');
    const frames = [...parseSse(text), ...parseSse(translator.fail({ status: 504, type: 'timeout', message: 'Request timed out after 120 seconds' }))];
    const lifecycle = frames.filter((f) => ['response.created', 'response.in_progress', 'response.failed'].includes(f.event!));
    expect(lifecycle).toHaveLength(3);
    for (const frame of lifecycle) {
      expect((frame.data as { response: object }).response).toMatchObject({ max_output_tokens: 50, temperature: 0.3, metadata: { a: 'b' }, top_p: 1 });
    }
    const failed = (lifecycle[2].data as OpenAI.Responses.ResponseFailedEvent).response;
    expect(failed.error).toEqual({ code: 'timeout', message: 'Request timed out after 120 seconds' });
    // The message was finished; the call, opened but never finished, is not part of the failed response.
    expect(failed.output).toEqual([{ id: 'msg_g_0', type: 'message', status: 'completed', role: 'assistant', content: [expect.objectContaining({ text: 'Par' })] }]);
  });

  it('starts the response before failing a stream that failed before anything came', () => {
    const translator = createStreamTranslator('gemini', 'openai-responses', { model: 'c', id: 'resp_e', created: 1 });
    const frames = parseSse(translator.fail({ status: 504, type: 'timeout', message: 'Request timed out after 120 seconds' }));
    expect(frames.map((f) => f.event)).toEqual(['response.created', 'response.in_progress', 'error', 'response.failed']);
  });
});
