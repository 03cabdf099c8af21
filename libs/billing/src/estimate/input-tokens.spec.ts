import fc from 'fast-check';
import { countChatCompletionTokens, encodeChat } from 'gpt-tokenizer/model/gpt-4o';
import { countAnthropicTokens, countOpenAiTokens } from '../token-counters';
import { anthropicMessagesInputTokens, openAiChatInputTokens, openAiEmbeddingInputTokens } from './input-tokens';

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

const text = fc.string({ unit: 'grapheme', maxLength: 400 });
const role = fc.constantFrom('system', 'user', 'assistant');

describe('openAiChatInputTokens', () => {
  it('counts with the o200k tokenizer: at least what OpenAI bills for the same chat (gpt-tokenizer encodeChat)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ role, content: text }), { minLength: 1, maxLength: 8 }), (messages) => {
        const billed = encodeChat(messages, 'gpt-4o').length;
        const ours = openAiChatInputTokens({ messages });
        // Never below what the provider counts, and not wildly above (a few framing tokens per message).
        return ours >= billed && ours <= billed + 4 * messages.length + 8;
      }),
      { numRuns: 200 },
    );
  });

  it("counts tool definitions: at least as many tokens as OpenAI's function-calling prompt format", () => {
    const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const withTools = openAiChatInputTokens({ messages, tools: [{ type: 'function', function: WEATHER_FUNCTION }] });
    const withFunctions = openAiChatInputTokens({ messages, functions: [WEATHER_FUNCTION] });
    const billed = countChatCompletionTokens!({ messages, functions: [WEATHER_FUNCTION] });
    expect(withTools).toBeGreaterThanOrEqual(billed);
    expect(withFunctions).toBeGreaterThanOrEqual(billed);
    expect(withTools).toBeGreaterThan(openAiChatInputTokens({ messages }) + 30);
  });

  it('counts tool calls and tool results in the history', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    const base = openAiChatInputTokens({ messages: [{ role: 'user', content: 'weather?' }] });
    const withHistory = openAiChatInputTokens({
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature": 21, "sky": "clear"}' },
      ],
    });
    expect(withHistory - base).toBeGreaterThanOrEqual(
      countOpenAiTokens(JSON.stringify([call])) + countOpenAiTokens('{"temperature": 21, "sky": "clear"}') + 8,
    );
  });

  it('holds a fixed allowance per image (the most an image costs on tile- and patch-priced models)', () => {
    const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'high' } };
    const one = openAiChatInputTokens({ messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, image] }] });
    const two = openAiChatInputTokens({ messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, image, image] }] });
    expect(two - one).toBe(2_700);
    expect(one).toBeGreaterThan(2_700);
  });

  it('holds base64 audio and files at one token per four characters', () => {
    const data = 'A'.repeat(4_000);
    const audio = openAiChatInputTokens({
      messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data, format: 'wav' } }] }],
    });
    expect(audio).toBeGreaterThanOrEqual(1_000);
  });

  it('counts a JSON schema response format', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const schema = { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } } } };
    expect(openAiChatInputTokens({ messages, response_format: schema })).toBeGreaterThan(
      openAiChatInputTokens({ messages }) + 10,
    );
  });

  it('does not throw on special-token text or malformed parts', () => {
    expect(openAiChatInputTokens({ messages: [{ role: 'user', content: '<|endoftext|> <|im_start|>' }] })).toBeGreaterThan(7);
    expect(openAiChatInputTokens({ messages: [null, 'x', { role: 'user', content: [null, 3, { type: 'weird' }] }] })).toBeGreaterThan(0);
    expect(openAiChatInputTokens({})).toBe(3);
  });
});

describe('openAiEmbeddingInputTokens', () => {
  it('counts strings with the tokenizer and pre-tokenised input by its length', () => {
    expect(openAiEmbeddingInputTokens({ input: 'hello world' })).toBe(countOpenAiTokens('hello world'));
    expect(openAiEmbeddingInputTokens({ input: ['a b', 'c'] })).toBe(countOpenAiTokens('a b') + countOpenAiTokens('c'));
    expect(openAiEmbeddingInputTokens({ input: [1, 2, 3] })).toBe(3);
    expect(openAiEmbeddingInputTokens({ input: [[1, 2], [3]] })).toBe(3);
  });

  it('is at least 1, so that a priced request always holds something', () => {
    expect(openAiEmbeddingInputTokens({ input: '' })).toBe(1);
    expect(openAiEmbeddingInputTokens({})).toBe(1);
  });
});

describe('countAnthropicTokens (conservative: Anthropic publishes no tokenizer)', () => {
  it('counts one token per 3 ASCII characters and one per other character', () => {
    expect(countAnthropicTokens('')).toBe(0);
    expect(countAnthropicTokens('abc')).toBe(1);
    expect(countAnthropicTokens('abcd')).toBe(2);
    expect(countAnthropicTokens('日本語')).toBe(3);
    expect(countAnthropicTokens('😀')).toBe(1);
  });

  it('counts English prose higher than a real BPE tokenizer does', () => {
    const prose =
      'The quick brown fox jumps over the lazy dog. Billing must never round a balance the wrong way, ' +
      'and every settlement is idempotent by generation id.';
    expect(countAnthropicTokens(prose)).toBeGreaterThan(countOpenAiTokens(prose));
  });
});

describe('anthropicMessagesInputTokens', () => {
  it('counts system, messages and every content block', () => {
    const body = {
      system: [{ type: 'text', text: 'You are terse.' }],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: '21C, clear' }] }] },
      ],
    };
    const expected =
      countAnthropicTokens('You are terse.') +
      countAnthropicTokens('Weather in Paris?') +
      countAnthropicTokens('get_weather') +
      countAnthropicTokens(JSON.stringify({ city: 'Paris' })) +
      countAnthropicTokens('21C, clear') +
      3 * 4 +
      3;
    expect(anthropicMessagesInputTokens(body)).toBe(expected);
  });

  it("adds Anthropic's tool-use system prompt and the tool definitions when tools are sent", () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const tools = [{ name: 'get_weather', description: 'weather', input_schema: WEATHER_FUNCTION.parameters }];
    expect(anthropicMessagesInputTokens({ messages, tools })).toBe(
      anthropicMessagesInputTokens({ messages }) + 346 + countAnthropicTokens(JSON.stringify(tools)),
    );
  });

  it('holds images and base64 documents', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } };
    const pdf = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'B'.repeat(400) } };
    const base = anthropicMessagesInputTokens({ messages: [{ role: 'user', content: [] }] });
    expect(anthropicMessagesInputTokens({ messages: [{ role: 'user', content: [image, pdf] }] })).toBe(base + 1_600 + 100);
  });
});
