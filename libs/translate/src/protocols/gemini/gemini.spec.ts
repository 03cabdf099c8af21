import type OpenAI from 'openai';
import type { GeminiRequestBody } from '../../../test-fixtures/weather-request';
import { parseSse } from '../../../test-fixtures/weather-stream';
import {
  ChatRequest,
  createStreamTranslator,
  decodeRequest,
  encodeRequest,
  InvalidRequestError,
  ProviderStreamError,
  StopReason,
  translateRequest,
  translateResponse,
  UntranslatableFeatureError,
} from '../..';
import { decodeGeminiFinishReason, encodeGeminiFinishReason } from './stop-reason';
import type { GeminiRequest } from './wire';

const base: GeminiRequestBody = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
const decode = (body: object) => {
  const dropped: string[] = [];
  return { request: decodeRequest('gemini', body, { target: 'anthropic', dropped }, true), dropped };
};
const hi = { role: 'user' as const, content: [{ type: 'text' as const, text: 'hi' }] };
const request = (over: Partial<ChatRequest> = {}): ChatRequest => ({ system: [], messages: [hi], tools: [], stream: false, ...over });
const encode = (r: ChatRequest, model = 'gemini-2.5-flash', dropped: string[] = []) =>
  encodeRequest('gemini', r, { source: 'openai-chat', target: 'gemini', dropped, model, modelMaxOutputTokens: 65_536 }) as unknown as GeminiRequest;

describe('Gemini client requests', () => {
  it('streams as its route says, and decodes the generation config', () => {
    const { request: r, dropped } = decode({
      ...base,
      generationConfig: { maxOutputTokens: 10, topK: 3, stopSequences: ['END'], seed: 4, responseMimeType: 'application/json', mediaResolution: 'MEDIA_RESOLUTION_LOW' },
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
    });
    expect(r).toMatchObject({ stream: true, maxOutputTokens: 10, topK: 3, stopSequences: ['END'], seed: 4, output: { type: 'json_object' } });
    expect(dropped.sort()).toEqual(['mediaResolution', 'safetySettings']);
  });

  it('converts an OpenAPI responseSchema to JSON Schema, and takes responseJsonSchema as is', () => {
    const schema = {
      type: 'OBJECT',
      properties: { city: { type: 'STRING', nullable: true }, days: { type: 'ARRAY', items: { type: 'INTEGER' } } },
      required: ['city'],
      propertyOrdering: ['city', 'days'],
    };
    expect(decode({ ...base, generationConfig: { responseMimeType: 'application/json', responseSchema: schema } }).request.output).toEqual({
      type: 'json_schema',
      schema: {
        type: 'object',
        properties: { city: { type: ['string', 'null'] }, days: { type: 'array', items: { type: 'integer' } } },
        required: ['city'],
      },
    });
    const jsonSchema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(decode({ ...base, generationConfig: { responseMimeType: 'application/json', responseJsonSchema: jsonSchema } }).request.output).toEqual({
      type: 'json_schema',
      schema: jsonSchema,
    });
  });

  it.each([
    [{ thinkingBudget: 0 }, { mode: 'off' }],
    [{ thinkingBudget: -1 }, { mode: 'on', includeThoughts: false }],
    [{ thinkingBudget: 4096, includeThoughts: true }, { mode: 'on', budgetTokens: 4096, includeThoughts: true }],
    [{ thinkingLevel: 'LOW' }, { mode: 'on', effort: 'low', includeThoughts: false }],
  ])('decodes thinkingConfig %j', (thinkingConfig, reasoning) => {
    expect(decode({ ...base, generationConfig: { thinkingConfig } }).request.reasoning).toEqual(reasoning);
  });

  it('matches each functionResponse to the earliest unanswered call of its name (or to the id the client echoed)', () => {
    const { request: r } = decode({
      contents: [
        { role: 'user', parts: [{ text: 'two cities' }] },
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnMQ==' },
            { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
            { functionCall: { id: 'own', name: 'get_time', args: {} } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_weather', response: { output: 'sunny' } } },
            { functionResponse: { name: 'get_weather', response: { error: 'no data' } } },
            { functionResponse: { id: 'own', name: 'get_time', response: { hour: 9 } } },
          ],
        },
      ],
    });
    expect(r.messages[1].content).toEqual([
      { type: 'tool_call', id: 'call_g1_0', name: 'get_weather', arguments: '{"city":"Paris"}', thoughtSignature: 'c2lnMQ==' },
      { type: 'tool_call', id: 'call_g1_1', name: 'get_weather', arguments: '{"city":"Rome"}' },
      { type: 'tool_call', id: 'own', name: 'get_time', arguments: '{}' },
    ]);
    expect(r.messages[2].content).toEqual([
      { type: 'tool_result', toolCallId: 'call_g1_0', name: 'get_weather', content: [{ type: 'text', text: 'sunny' }], isError: false },
      { type: 'tool_result', toolCallId: 'call_g1_1', name: 'get_weather', content: [{ type: 'text', text: 'no data' }], isError: true },
      { type: 'tool_result', toolCallId: 'own', name: 'get_time', content: [{ type: 'text', text: '{"hour":9}' }], isError: false },
    ]);
  });

  it('joins the parts of a streamed answer kept as received, thought signature included', () => {
    const { request: r } = decode({
      contents: [
        base.contents[0],
        {
          role: 'model',
          parts: [
            { text: 'Let me ', thought: true },
            { text: 'think.', thought: true },
            { text: '', thought: true, thoughtSignature: 'gw-anthropic-thinking:sig' },
            { text: 'Par' },
            { text: 'is.' },
          ],
        },
      ],
    });
    expect(r.messages[1].content).toEqual([
      { type: 'reasoning', text: 'Let me think.', signature: 'sig' },
      { type: 'text', text: 'Paris.' },
    ]);
  });

  it('uses a tool choice: ANY with one name is that tool, with all of them is required', () => {
    const tools = [{ functionDeclarations: [{ name: 'a' }, { name: 'b', parameters: { type: 'OBJECT', properties: {} } }] }];
    const choice = (functionCallingConfig: object) => decode({ ...base, tools, toolConfig: { functionCallingConfig } }).request.toolChoice;
    expect(choice({ mode: 'ANY', allowedFunctionNames: ['b'] })).toEqual({ type: 'tool', name: 'b' });
    expect(choice({ mode: 'ANY', allowedFunctionNames: ['a', 'b'] })).toEqual({ type: 'required' });
    expect(choice({ mode: 'NONE' })).toEqual({ type: 'none' });
    expect(decode({ ...base, tools }).request.tools).toEqual([
      { name: 'a', parameters: { type: 'object', properties: {} } },
      { name: 'b', parameters: { type: 'object', properties: {} } },
    ]);
  });

  it.each([
    ['googleSearch tools', { tools: [{ googleSearch: {} }] }],
    ['cachedContent', { cachedContent: 'cachedContents/1' }],
    ['candidateCount > 1', { generationConfig: { candidateCount: 2 } }],
    ['responseLogprobs', { generationConfig: { responseLogprobs: true } }],
    ['responseMimeType text/x.enum', { generationConfig: { responseMimeType: 'text/x.enum' } }],
    ['fileData parts (uploaded files)', { contents: [{ role: 'user', parts: [{ fileData: { fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/1', mimeType: 'application/pdf' } }] }] }],
    ['inlineData of type audio/mp3', { contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'audio/mp3', data: 'AA' } }] }] }],
    ['model parts with executableCode', { contents: [{ role: 'model', parts: [{ executableCode: { code: 'x' } }] }] }],
    [
      'allowedFunctionNames (a subset of the declared functions)',
      { tools: [{ functionDeclarations: [{ name: 'a' }, { name: 'b' }] }], toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['a', 'c'] } } },
    ],
  ])('refuses %s, naming it', (feature, extra) => {
    expect(() => translateRequest('gemini', 'anthropic', { ...base, ...extra }, { model: 'claude-sonnet-4-6', modelMaxOutputTokens: 1 })).toThrow(
      new UntranslatableFeatureError(feature, 'anthropic'),
    );
  });
});

describe('requests to Gemini channels', () => {
  it.each([
    ['image URLs (Gemini takes inline image data only)', { messages: [{ role: 'user' as const, content: [{ type: 'image' as const, source: { kind: 'url' as const, url: 'https://x/a.png' } }] }] }],
    ['parallel_tool_calls: false', { parallelToolCalls: false, tools: [{ name: 'f', parameters: {} }] }],
    ['more than 5 stop sequences', { stopSequences: ['1', '2', '3', '4', '5', '6'] }],
  ])('refuses %s', (feature, over) => {
    expect(() => encode(request(over))).toThrow(new UntranslatableFeatureError(feature, 'gemini'));
  });

  it('takes data: URLs inline and drops the end-user id', () => {
    const dropped: string[] = [];
    const body = encode(request({ user: 'u', messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'data:image/webp;base64,UklG' } }] }] }), 'gemini-2.5-flash', dropped);
    expect(body.contents).toEqual([{ role: 'user', parts: [{ inlineData: { mimeType: 'image/webp', data: 'UklG' } }] }]);
    expect(dropped).toEqual(['user']);
  });

  it('names each result after its call, says errors, follows results with their images, and returns thought signatures', () => {
    const body = encode(
      request({
        messages: [
          hi,
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'think', signature: 'anthropic-sig' },
              { type: 'tool_call', id: 'c1', name: 'shot', arguments: '{"w":1}', thoughtSignature: 'c2ln' },
            ],
          },
          {
            role: 'tool',
            content: [{ type: 'tool_result', toolCallId: 'c1', content: [{ type: 'text', text: 'failed' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AA' } }], isError: true }],
          },
          { role: 'user', content: [{ type: 'text', text: 'and now?' }] },
        ],
      }),
    );
    expect(body.contents.slice(1)).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'shot', args: { w: 1 } }, thoughtSignature: 'c2ln' }] },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'shot', response: { error: 'failed' } } }, { inlineData: { mimeType: 'image/png', data: 'AA' } }, { text: 'and now?' }],
      },
    ]);
  });

  it('sends the results of parallel calls in the order of the calls, however the client ordered them (Gemini pairs them by name and order)', () => {
    const call = (id: string, city: string) => ({ type: 'tool_call' as const, id, name: 'get_weather', arguments: `{"city":"${city}"}` });
    const result = (toolCallId: string, text: string) => ({ type: 'tool_result' as const, toolCallId, content: [{ type: 'text' as const, text }], isError: false });
    const body = encode(
      request({
        messages: [
          hi,
          { role: 'assistant', content: [call('paris', 'Paris'), call('rome', 'Rome'), call('oslo', 'Oslo')] },
          { role: 'tool', content: [result('oslo', 'snow'), result('paris', 'sun'), result('rome', 'rain')] },
        ],
      }),
    );
    expect(body.contents[2].parts).toEqual(
      ['sun', 'rain', 'snow'].map((output) => ({ functionResponse: { name: 'get_weather', response: { output } } })),
    );
  });

  it('refuses a result whose call is unknown', () => {
    const orphan = request({ messages: [{ role: 'tool', content: [{ type: 'tool_result', toolCallId: 'nope', content: [], isError: false }] }] });
    expect(() => encode(orphan)).toThrow(InvalidRequestError);
  });

  it('thinks by budget on Gemini 2.x and by level on Gemini 3', () => {
    expect(encode(request({ reasoning: { mode: 'on', effort: 'high', includeThoughts: true } })).generationConfig?.thinkingConfig).toEqual({
      thinkingBudget: 24_576,
      includeThoughts: true,
    });
    expect(encode(request({ reasoning: { mode: 'on' } })).generationConfig?.thinkingConfig).toEqual({ thinkingBudget: -1 });
    expect(encode(request({ reasoning: { mode: 'off' } })).generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(encode(request({ reasoning: { mode: 'on', budgetTokens: 3000 } }), 'gemini-3-pro-preview').generationConfig?.thinkingConfig).toEqual({
      thinkingLevel: 'MEDIUM',
    });
    expect(encode(request({ reasoning: { mode: 'off' } }), 'gemini-3-flash').generationConfig?.thinkingConfig).toEqual({ thinkingLevel: 'MINIMAL' });
  });

  it('asks for JSON with the schema as JSON Schema, and maps tool choice', () => {
    const body = encode(
      request({
        output: { type: 'json_schema', name: 'x', schema: { type: 'object' } },
        tools: [{ name: 'f', parameters: { type: 'object' } }],
        toolChoice: { type: 'tool', name: 'f' },
      }),
    );
    expect(body.generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: { type: 'object' } });
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
  });
});

describe('Gemini answers', () => {
  it.each<[string, boolean, StopReason]>([
    ['STOP', false, 'end_turn'],
    ['STOP', true, 'tool_use'],
    ['MAX_TOKENS', false, 'max_tokens'],
    ['SAFETY', false, 'content_filter'],
    ['RECITATION', false, 'content_filter'],
    ['PROHIBITED_CONTENT', false, 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', false, 'error'],
    ['OTHER', false, 'error'],
  ])('finishReason %s (calls: %s) is %s', (reason, calls, stop) => expect(decodeGeminiFinishReason(reason, calls)).toBe(stop));

  it.each<[StopReason, string]>([
    ['end_turn', 'STOP'],
    ['tool_use', 'STOP'],
    ['stop_sequence', 'STOP'],
    ['max_tokens', 'MAX_TOKENS'],
    ['content_filter', 'SAFETY'],
    ['error', 'OTHER'],
  ])('stop reason %s goes out as %s', (stop, reason) => expect(encodeGeminiFinishReason(stop)).toBe(reason));

  it('gives a thought signature back to clients inside the call id, and takes it from there again', () => {
    const answer = {
      responseId: 'r9',
      modelVersion: 'gemini-3-pro',
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'plan', thought: true }, { functionCall: { name: 'f', args: { a: 1 } }, thoughtSignature: 'c2ln+/A=' }] },
          finishReason: 'STOP',
        },
      ],
    };
    const body = translateResponse('gemini', 'openai-chat', answer, { model: 'c' }).body as unknown as OpenAI.ChatCompletion;
    const call = body.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toBe('call_r9_0__thought__c2ln-_A');
    expect(body.choices[0].message).toMatchObject({ reasoning_content: 'plan', content: null });

    const next = translateRequest(
      'openai-chat',
      'gemini',
      {
        model: 'g',
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'tool', tool_call_id: call.id, content: 'done' },
        ],
      },
      { model: 'gemini-3-pro', modelMaxOutputTokens: 1 },
    );
    expect((next.body as unknown as GeminiRequest).contents[1]).toEqual({ role: 'model', parts: [{ functionCall: { name: 'f', args: { a: 1 } }, thoughtSignature: 'c2ln+/A=' }] });
  });

  it('reads a blocked prompt as a content-filtered empty answer', () => {
    const blocked = { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 7 } };
    const translated = translateResponse('gemini', 'anthropic', blocked, { model: 'c' });
    expect(translated.stopReason).toBe('content_filter');
    expect(translated.body).toMatchObject({ content: [], stop_reason: 'refusal' });
    expect(() => translateResponse('gemini', 'anthropic', { responseId: 'x' }, { model: 'c' })).toThrow(expect.objectContaining({ status: 502 }));
  });
});

describe('Gemini streams', () => {
  const chunk = (parts: object[], extra: object = {}) => ({ data: JSON.stringify({ responseId: 'r', modelVersion: 'g', candidates: [{ content: { role: 'model', parts }, ...extra }] }) });

  it('completes with the chunk that carries the finishReason', () => {
    const translator = createStreamTranslator('gemini', 'openai-chat', { model: 'c' });
    translator.push(chunk([{ text: 'Hel' }]));
    expect(translator.finished).toBe(false);
    translator.push(chunk([{ text: 'lo' }], { finishReason: 'MAX_TOKENS' }));
    expect(translator.finished).toBe(true);
    expect(translator.stopReason).toBe('max_tokens');
    expect(translator.push(chunk([{ text: 'ignored after the end' }]))).toBe('');
  });

  it('reports a provider error chunk, UNAVAILABLE as 503', () => {
    const translator = createStreamTranslator('gemini', 'anthropic', { model: 'c' });
    expect(() => translator.push({ data: JSON.stringify({ error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }) })).toThrow(
      new ProviderStreamError(503, 'overloaded', 'UNAVAILABLE'),
    );
  });

  it('frames a stream as a growing JSON array when the client did not ask for SSE', () => {
    const translator = createStreamTranslator('anthropic', 'gemini', { model: 'c', id: 'r1', geminiFraming: 'json-array' });
    const event = (data: { type: string; [key: string]: unknown }) => ({ event: data.type, data: JSON.stringify(data) });
    const text = [
      event({ type: 'message_start', message: { id: 'm', model: 'x', usage: { input_tokens: 2, output_tokens: 1 } } }),
      event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }),
      event({ type: 'content_block_stop', index: 0 }),
      event({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } }),
      event({ type: 'message_stop' }),
    ]
      .map((e) => translator.push(e))
      .join('');
    expect(JSON.parse(text)).toEqual([
      { candidates: [{ content: { role: 'model', parts: [{ text: 'Hi' }] }, index: 0 }], modelVersion: 'c', responseId: 'r1' },
      {
        candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, index: 0, finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1, totalTokenCount: 3 },
        modelVersion: 'c',
        responseId: 'r1',
      },
    ]);
  });

  it('ends a failed stream with Google`s error object, in either framing', () => {
    const sse = createStreamTranslator('openai-chat', 'gemini', { model: 'c' });
    expect(parseSse(sse.fail({ status: 504, type: 'timeout', message: 'slow' }))).toEqual([
      { data: { error: { code: 504, message: 'slow', status: 'DEADLINE_EXCEEDED' } } },
    ]);
    const array = createStreamTranslator('openai-chat', 'gemini', { model: 'c', geminiFraming: 'json-array' });
    array.push({ data: JSON.stringify({ id: 'x', choices: [{ index: 0, delta: { content: 'a' } }] }) });
    const text = array.push({ data: JSON.stringify({ id: 'x', choices: [{ index: 0, delta: { content: 'b' } }] }) });
    expect(JSON.parse(`${text}`.replace(/^,\r\n/, '[') + ']')).toHaveLength(1);
    expect(array.fail({ status: 502, type: 'upstream_error', message: 'cut' })).toBe(',\r\n{"error":{"code":502,"message":"cut","status":"INTERNAL"}}]');
  });
});
