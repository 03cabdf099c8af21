import fc from 'fast-check';
import { countChatCompletionTokens, encodeChat } from 'gpt-tokenizer/model/gpt-4o';
import { countOpenAiTokens } from '../token-counters';
import {
  anthropicMessagesText,
  geminiGenerateContentText,
  ModelAllowances,
  openAiChatText,
  openAiEmbeddingText,
  openAiPredictionText,
  openAiResponsesText,
  RequestText,
  textsOf,
} from './request-text';
import { tokenBound } from './token-bound';

const ALLOWANCES: ModelAllowances = { imageTokens: 3_800, answerTokens: 1_000, referencedTokens: 1_000_000 };
const WEATHER_FUNCTION = {
  name: 'get_weather',
  description: 'Current weather for a city, in the unit the user prefers',
  parameters: {
    type: 'object' as const,
    properties: {
      city: { type: 'string' as const, description: 'City name, e.g. Paris' },
      unit: { type: 'string' as const, enum: ['celsius', 'fahrenheit'] },
      days: { type: 'integer' as const, minimum: 1, maximum: 7 },
    },
    required: ['city'],
  },
};

/** The o200k count of the texts (each on its own) plus the allowances: what HoldPlacer reserves when it counts. */
const exact = (text: RequestText) => textsOf(text).reduce((sum, piece) => sum + countOpenAiTokens(piece), text.allowanceTokens);
const bytes = (value: string) => Buffer.byteLength(value, 'utf8');

// Any Unicode: graphemes (emoji, combining marks, CJK) and arbitrary code points, lone surrogates included.
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom('a', ' ', 'é', '日', '😀', 'x'), maxLength: 600 }),
);
const role = fc.constantFrom('system', 'user', 'assistant');

describe('openAiChatText', () => {
  it('bounds what OpenAI bills for the chat (o200k, gpt-tokenizer encodeChat): exact count >= billed, byte bound >= exact', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ role, content: text }), { minLength: 1, maxLength: 8 }), (messages) => {
        const billed = encodeChat(messages, 'gpt-4o').length;
        const request = openAiChatText({ messages }, ALLOWANCES);
        const counted = exact(request);
        // The exact count is never below what the provider counts, and not wildly above (framing per message).
        return counted >= billed && counted <= billed + 6 * messages.length + 8 && tokenBound(request) >= counted;
      }),
      { numRuns: 300 },
    );
  });

  it("counts tool definitions: at least as many tokens as OpenAI's function-calling prompt format", () => {
    const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const withTools = exact(openAiChatText({ messages, tools: [{ type: 'function', function: WEATHER_FUNCTION }] }, ALLOWANCES));
    const withFunctions = exact(openAiChatText({ messages, functions: [WEATHER_FUNCTION] }, ALLOWANCES));
    const billed = countChatCompletionTokens!({ messages, functions: [WEATHER_FUNCTION] });
    expect(withTools).toBeGreaterThanOrEqual(billed);
    expect(withFunctions).toBeGreaterThanOrEqual(billed);
    expect(withTools).toBeGreaterThan(exact(openAiChatText({ messages }, ALLOWANCES)) + 30);
  });

  it('counts tool calls and tool results in the history', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    const base = exact(openAiChatText({ messages: [{ role: 'user', content: 'weather?' }] }, ALLOWANCES));
    const withHistory = exact(
      openAiChatText(
        {
          messages: [
            { role: 'user', content: 'weather?' },
            { role: 'assistant', content: null, tool_calls: [call] },
            { role: 'tool', tool_call_id: 'call_1', content: '{"temperature": 21, "sky": "clear"}' },
          ],
        },
        ALLOWANCES,
      ),
    );
    expect(withHistory - base).toBeGreaterThanOrEqual(
      countOpenAiTokens(JSON.stringify([call])) + countOpenAiTokens('{"temperature": 21, "sky": "clear"}') + 8,
    );
  });

  it("holds the model's image allowance per image, base64 media at one token per 4 characters, and an earlier answer's audio", () => {
    const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'high' } };
    const one = openAiChatText({ messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, image] }] }, ALLOWANCES);
    const two = openAiChatText({ messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, image, image] }] }, ALLOWANCES);
    expect(tokenBound(two) - tokenBound(one)).toBe(3_800);
    const audio = openAiChatText(
      { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'A'.repeat(4_000), format: 'wav' } }] }] },
      ALLOWANCES,
    );
    expect(audio.allowanceTokens).toBeGreaterThanOrEqual(1_000);
    const answer = openAiChatText({ messages: [{ role: 'assistant', audio: { id: 'audio_1' } }] }, ALLOWANCES);
    expect(answer.allowanceTokens).toBeGreaterThanOrEqual(1_000);
  });

  it('holds fields it does not know at their JSON size, and never the sampling parameters', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const base = tokenBound(openAiChatText({ messages }, ALLOWANCES));
    const schema = { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } } } };
    expect(tokenBound(openAiChatText({ messages, response_format: schema }, ALLOWANCES))).toBe(base + bytes(JSON.stringify(schema)) + 1);
    expect(tokenBound(openAiChatText({ messages, brand_new_text_field: 'x'.repeat(100) }, ALLOWANCES))).toBe(base + 102 + 1);
    expect(tokenBound(openAiChatText({ messages, temperature: 0.2, max_tokens: 9, n: 2, metadata: { a: 'b' } }, ALLOWANCES))).toBe(base);
  });

  it('does not throw on special-token text or malformed parts', () => {
    expect(exact(openAiChatText({ messages: [{ role: 'user', content: '<|endoftext|> <|im_start|>' }] }, ALLOWANCES))).toBeGreaterThan(7);
    expect(tokenBound(openAiChatText({ messages: [null, 'x', { role: 'user', content: [null, 3, { type: 'weird' }] }] }, ALLOWANCES))).toBeGreaterThan(0);
    expect(openAiChatText({}, ALLOWANCES)).toEqual({ pieces: [], allowanceTokens: 3 });
  });
});

describe('openAiResponsesText', () => {
  it('bounds what OpenAI bills for the same conversation (instructions as a system message, items as messages)', () => {
    fc.assert(
      fc.property(
        fc.option(text, { nil: undefined }),
        fc.array(fc.record({ role: fc.constantFrom('user', 'assistant', 'developer'), content: text }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (instructions, items, asParts) => {
          const chat = [...(instructions === undefined ? [] : [{ role: 'system', content: instructions }]), ...items];
          const billed = encodeChat(chat as Parameters<typeof encodeChat>[0], 'gpt-4o').length;
          const input = items.map(({ role, content }) =>
            asParts ? { role, content: [{ type: role === 'assistant' ? 'output_text' : 'input_text', text: content }] } : { role, content },
          );
          const request = openAiResponsesText({ instructions, input }, ALLOWANCES);
          const counted = exact(request);
          return counted >= billed && tokenBound(request) >= counted;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('holds a string input as one user message', () => {
    const asString = openAiResponsesText({ input: 'hello there' }, ALLOWANCES);
    expect(asString.pieces).toEqual(['hello there']);
    expect(exact(asString)).toBeGreaterThanOrEqual(encodeChat([{ role: 'user', content: 'hello there' }], 'gpt-4o').length);
  });

  it('counts function calls, their outputs, tool definitions and the structured-output schema', () => {
    const base = { input: [{ role: 'user', content: 'weather?' }] };
    const baseTokens = exact(openAiResponsesText(base, ALLOWANCES));
    const call = { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
    const output = { type: 'function_call_output', call_id: 'call_1', output: '{"temperature": 21}' };
    const history = exact(openAiResponsesText({ input: [...base.input, call, output] }, ALLOWANCES));
    expect(history - baseTokens).toBeGreaterThanOrEqual(
      countOpenAiTokens('get_weather') + countOpenAiTokens('{"city":"Paris"}') + countOpenAiTokens('{"temperature": 21}') + 8,
    );
    const tool = { type: 'function', ...WEATHER_FUNCTION };
    const withTools = exact(openAiResponsesText({ ...base, tools: [tool] }, ALLOWANCES));
    expect(withTools).toBeGreaterThanOrEqual(baseTokens + countChatCompletionTokens!({ messages: [], functions: [WEATHER_FUNCTION] }));
    const format = { format: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } } } };
    expect(tokenBound(openAiResponsesText({ ...base, text: format }, ALLOWANCES))).toBe(
      tokenBound(openAiResponsesText(base, ALLOWANCES)) + bytes(JSON.stringify(format)) + 1,
    );
  });

  it('holds images at the allowance, files at their base64 size, encrypted reasoning at its ciphertext size', () => {
    const image = { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'high' };
    const one = openAiResponsesText({ input: [{ role: 'user', content: [image] }] }, ALLOWANCES);
    const two = openAiResponsesText({ input: [{ role: 'user', content: [image, image] }] }, ALLOWANCES);
    expect(tokenBound(two) - tokenBound(one)).toBe(3_800);
    const file = openAiResponsesText({ input: [{ role: 'user', content: [{ type: 'input_file', file_data: 'A'.repeat(4_000) }] }] }, ALLOWANCES);
    expect(file.allowanceTokens).toBeGreaterThanOrEqual(1_000);
    const reasoning = openAiResponsesText({ input: [{ type: 'reasoning', summary: [], encrypted_content: 'g'.repeat(5_000) }] }, ALLOWANCES);
    expect(reasoning.allowanceTokens).toBeGreaterThanOrEqual(5_000);
  });

  it('holds fields it does not know at their JSON size, and never the sampling parameters', () => {
    const base = tokenBound(openAiResponsesText({ input: 'hi' }, ALLOWANCES));
    expect(tokenBound(openAiResponsesText({ input: 'hi', brand_new_text_field: 'x'.repeat(100) }, ALLOWANCES))).toBe(base + 102 + 1);
    const sampling = { temperature: 0.2, top_p: 0.5, max_output_tokens: 9, store: false, metadata: { a: 'b' }, reasoning: { effort: 'low' } };
    expect(tokenBound(openAiResponsesText({ input: 'hi', ...sampling }, ALLOWANCES))).toBe(base);
    expect(tokenBound(openAiResponsesText({ input: [null, 5, { type: 'unknown_item', x: 'abc' }] }, ALLOWANCES))).toBeGreaterThan(0);
  });
});

describe('openAiPredictionText', () => {
  it('is the predicted content (billed as output), string or parts', () => {
    expect(tokenBound(openAiPredictionText({ prediction: { type: 'content', content: 'abc' } }))).toBe(4);
    expect(tokenBound(openAiPredictionText({ prediction: { type: 'content', content: [{ type: 'text', text: 'ab' }] } }))).toBe(3);
    expect(tokenBound(openAiPredictionText({}))).toBe(0);
  });
});

describe('openAiEmbeddingText', () => {
  it('holds strings as texts and pre-tokenised input by its length', () => {
    expect(openAiEmbeddingText({ input: 'hello world' })).toEqual({ pieces: ['hello world'], allowanceTokens: 1 });
    expect(exact(openAiEmbeddingText({ input: ['a b', 'c'] }))).toBe(countOpenAiTokens('a b') + countOpenAiTokens('c') + 2);
    expect(tokenBound(openAiEmbeddingText({ input: [1, 2, 3] }))).toBe(3);
    expect(tokenBound(openAiEmbeddingText({ input: [[1, 2], [3]] }))).toBe(3);
  });

  it('is at least 1, so that a priced request always holds something', () => {
    expect(tokenBound(openAiEmbeddingText({ input: '' }))).toBe(1);
    expect(tokenBound(openAiEmbeddingText({}))).toBe(1);
  });
});

/**
 * The worst a tokenizer of Anthropic's kind (byte-level BPE) can do: one token per UTF-8 byte of every text the
 * provider reads, plus its framing. Anthropic publishes no tokenizer: the hold must survive this one.
 */
function worstCaseAnthropicTokens(body: {
  system?: string;
  messages: { content: string | { type: string; text?: string; name?: string; input?: unknown; content?: { type: string; text: string }[] }[] }[];
  tools?: unknown[];
}): number {
  let tokens = body.system ? bytes(body.system) : 0;
  for (const message of body.messages) {
    const blocks = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    for (const block of blocks) {
      if (block.type === 'text') tokens += bytes(block.text!);
      if (block.type === 'tool_use') tokens += bytes(block.name!) + bytes(JSON.stringify(block.input));
      if (block.type === 'tool_result') for (const inner of block.content!) tokens += bytes(inner.text);
    }
  }
  if (body.tools?.length) tokens += 346 + bytes(JSON.stringify(body.tools));
  return tokens;
}

describe('anthropicMessagesText', () => {
  const block = fc.oneof(
    text.map((t) => ({ type: 'text', text: t })),
    fc.tuple(text, text).map(([name, value]) => ({ type: 'tool_use', id: 't1', name, input: { value } })),
    text.map((t) => ({ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: t }] })),
  );
  const message = fc.record({ role: fc.constantFrom('user', 'assistant'), content: fc.oneof(text, fc.array(block, { maxLength: 4 })) });

  it('bounds a worst-case tokenizer of one token per byte, whatever the text (the property Anthropic holds rely on)', () => {
    fc.assert(
      fc.property(
        fc.option(text, { nil: undefined }),
        fc.array(message, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (system, messages, withTools) => {
          const tools = withTools ? [{ name: 'get_weather', description: 'weather', input_schema: WEATHER_FUNCTION.parameters }] : undefined;
          const body = { system, messages, tools };
          const worst = worstCaseAnthropicTokens(body as Parameters<typeof worstCaseAnthropicTokens>[0]);
          return tokenBound(anthropicMessagesText(body, ALLOWANCES)) >= worst + 4 * messages.length + 3;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('holds text that tokenizes at one token per two characters (single-character words) at twice its token count', () => {
    const words = 'a '.repeat(5_000);
    const bound = tokenBound(anthropicMessagesText({ messages: [{ role: 'user', content: words }] }, ALLOWANCES));
    expect(bound).toBeGreaterThanOrEqual(10_000);
  });

  it("adds Anthropic's tool-use system prompt, a wrapper per tool and the definitions", () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const tools = [{ name: 'get_weather', description: 'weather', input_schema: WEATHER_FUNCTION.parameters }];
    expect(tokenBound(anthropicMessagesText({ messages, tools }, ALLOWANCES))).toBe(
      tokenBound(anthropicMessagesText({ messages }, ALLOWANCES)) + 346 + 32 + 16 + bytes(JSON.stringify(tools)) + 1,
    );
  });

  it('holds images at the allowance and base64 documents at one token per 4 characters', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } };
    const pdf = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'B'.repeat(400) } };
    const base = tokenBound(anthropicMessagesText({ messages: [{ role: 'user', content: [] }] }, ALLOWANCES));
    expect(tokenBound(anthropicMessagesText({ messages: [{ role: 'user', content: [image, pdf] }] }, ALLOWANCES))).toBe(
      base + 3_800 + 100,
    );
  });
});

describe('geminiGenerateContentText', () => {
  const turn = (parts: unknown[], role = 'user') => ({ role, parts });

  it('counts the system instruction, each turn with its framing, function calls and responses by their JSON', () => {
    const call = { functionCall: { name: 'get_weather', args: { city: 'Paris' } } };
    const result = { functionResponse: { name: 'get_weather', response: { celsius: 21 } } };
    const text = geminiGenerateContentText(
      {
        systemInstruction: { parts: [{ text: 'be brief' }] },
        contents: [turn([{ text: 'weather?' }]), turn([call], 'model'), turn([result])],
      },
      ALLOWANCES,
    );
    // Structured values kept as they are, serialised for an exact count only (after the other texts).
    expect(text.pieces).toEqual(['be brief', 'weather?', 'get_weather', 'get_weather']);
    expect(text.values).toEqual([{ city: 'Paris' }, { celsius: 21 }]);
    expect(textsOf(text)).toEqual(['be brief', 'weather?', 'get_weather', 'get_weather', '{"city":"Paris"}', '{"celsius":21}']);
    // A separator per text, framing per turn, the reply primer.
    expect(text.allowanceTokens).toBe(6 + 3 * 4 + 3);
  });

  it('holds inline media at the image allowance plus its base64 size, file URIs and cached content at the context window', () => {
    const base = tokenBound(geminiGenerateContentText({ contents: [turn([])] }, ALLOWANCES));
    const inline = { inlineData: { mimeType: 'image/png', data: 'A'.repeat(400) } };
    expect(tokenBound(geminiGenerateContentText({ contents: [turn([inline])] }, ALLOWANCES))).toBe(base + 3_800 + 100);
    const file = { fileData: { mimeType: 'video/mp4', fileUri: 'https://www.youtube.com/watch?v=x' } };
    expect(tokenBound(geminiGenerateContentText({ contents: [turn([file])] }, ALLOWANCES))).toBe(base + 1_000_000);
    const cached = geminiGenerateContentText({ contents: [turn([])], cachedContent: 'cachedContents/abc' }, ALLOWANCES);
    expect(tokenBound(cached)).toBe(base + 1_000_000);
  });

  it('counts tools, the response schema, tool config and unknown fields, never the sampling parameters', () => {
    const base = { contents: [turn([{ text: 'hi' }])] };
    const sampling = { ...base, generationConfig: { temperature: 0.2, maxOutputTokens: 10 }, safetySettings: [{ category: 'x' }] };
    expect(tokenBound(geminiGenerateContentText(sampling, ALLOWANCES))).toBe(tokenBound(geminiGenerateContentText(base, ALLOWANCES)));
    const tools = [{ functionDeclarations: [{ name: 'f', description: 'a function' }] }];
    const schema = { type: 'OBJECT', properties: { a: { type: 'STRING' } } };
    const rich = { ...base, tools, generationConfig: { responseSchema: schema }, someNewField: 'read me' };
    expect(tokenBound(geminiGenerateContentText(rich, ALLOWANCES))).toBe(
      tokenBound(geminiGenerateContentText(base, ALLOWANCES)) +
        32 + 16 + bytes(JSON.stringify(tools)) + 1 + bytes(JSON.stringify(schema)) + 1 + bytes('"read me"') + 1,
    );
  });

  it('does not throw on malformed parts', () => {
    const body = { contents: [null, 3, { parts: [null, 'x', { inlineData: {} }] }], systemInstruction: 'text' };
    expect(() => geminiGenerateContentText(body as never, ALLOWANCES)).not.toThrow();
  });
});

describe('structured values', () => {
  // Any JSON value, strings with escapes, control characters, astral characters and lone surrogates included.
  const json = fc.jsonValue({ maxDepth: 4, stringUnit: fc.constantFrom('a', ' ', '"', '\\', '\n', '\u0001', 'é', '😀', '\ud800', '\udc00') });
  /** The bound as it was computed when each value was serialised into a text of its own (textsOf). */
  const serialisedBound = (text: RequestText) => {
    const texts = textsOf(text);
    return text.allowanceTokens + texts.reduce((sum, piece, i) => sum + (text.measuredBytes?.get(i) ?? bytes(piece)), 0);
  };

  it('are held at the UTF-8 length of their JSON text, without serialising them: the bound of every protocol is unchanged', () => {
    fc.assert(
      fc.property(json, json, json, (args, response, extra) => {
        const texts = [
          openAiChatText(
            {
              messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: JSON.stringify(args) } }], extra }],
              tools: [{ type: 'function', function: { name: 'f', parameters: args } }],
              future: response,
            },
            ALLOWANCES,
          ),
          anthropicMessagesText(
            { messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: args }, { type: 'future', data: extra }] }], tools: [{ name: 'f', input_schema: response }] },
            ALLOWANCES,
          ),
          openAiResponsesText({ input: [{ type: 'reasoning', summary: args, content: response }, { type: 'future', value: extra }], future: extra }, ALLOWANCES),
          geminiGenerateContentText(
            {
              contents: [{ role: 'model', parts: [{ functionCall: { name: 'f', args } }, { functionResponse: { name: 'f', response } }, { future: extra }] }],
              generationConfig: { responseSchema: args },
              toolConfig: response,
              future: extra,
            },
            ALLOWANCES,
          ),
        ];
        for (const text of texts) expect(tokenBound(text)).toBe(serialisedBound(text));
      }),
      { numRuns: 300 },
    );
  });

  it('a value with toJSON is serialised at once, as before: its separator counted only when it has a JSON text', () => {
    const unserialisable = { toJSON: () => undefined };
    const dated = { toJSON: () => '2026-12-07' };
    const text = geminiGenerateContentText({ contents: [], future: unserialisable, later: dated }, ALLOWANCES);
    expect(text.pieces).toEqual(['"2026-12-07"']);
    expect(text.values).toBeUndefined();
    expect(text.allowanceTokens).toBe(1 + 3);
  });
});
