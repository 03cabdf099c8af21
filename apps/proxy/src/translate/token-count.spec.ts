import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { countChatCompletionTokens } from 'gpt-tokenizer/model/gpt-4.1-mini';
import { modelRecord } from '../../../../test/factories/model-record.factory';
import { openAiChatCount, translateCountRequest } from './token-count';

const total = (count: { pieces: string[]; fixedTokens: number }) =>
  count.fixedTokens + count.pieces.reduce((sum, piece) => sum + countTokens(piece), 0);

describe('openAiChatCount', () => {
  it("splits OpenAI's count of a chat request into texts and template tokens, summing to gpt-tokenizer's whole count", () => {
    const parameters = { type: 'object', properties: { city: { type: 'string', description: 'The city' } }, required: ['city'] };
    const body = {
      model: 'gpt-4.1-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather in ' }, { type: 'text', text: 'Paris?' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '21 degrees' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'The weather', parameters } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    };
    const expected = countChatCompletionTokens!({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', function_call: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { role: 'tool', content: '21 degrees' },
      ],
      functions: [{ name: 'get_weather', description: 'The weather', parameters: parameters as never }],
      function_call: { name: 'get_weather' },
    });
    expect(total(openAiChatCount(body))).toBe(expected);
  });

  it('refuses an image: its tokens depend on dimensions the gateway does not have', () => {
    const body = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/a.png' } }] }] };
    expect(() => openAiChatCount(body)).toThrow(expect.objectContaining({ status: 400, message: expect.stringContaining('an image') }));
  });
});

describe('translateCountRequest', () => {
  const claude = modelRecord({ id: 'anthropic/claude', provider: 'anthropic', upstreamModel: 'claude-x' });
  const flash = modelRecord({ id: 'google/flash', provider: 'google', upstreamModel: 'gemini-x' });

  it("a Gemini count for an Anthropic model: count_tokens' fields only, and the translated headers", () => {
    const counted = translateCountRequest('gemini', 'anthropic', { generateContentRequest: { model: 'models/x', contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 5 } } }, claude, {});
    expect(counted.body).toEqual({ model: 'claude-x', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
    expect(counted.forwardHeaders).toEqual({ 'anthropic-version': '2023-06-01' });
    expect(counted.translation).toMatchObject({ from: 'gemini', to: 'anthropic' });
  });

  it("an Anthropic count for a Google model: a whole generateContentRequest under the provider's model name", () => {
    const counted = translateCountRequest('anthropic', 'gemini', { model: 'flash', system: 'be brief', messages: [{ role: 'user', content: 'hi' }] }, flash, {});
    expect(counted.body).toEqual({
      generateContentRequest: { model: 'models/gemini-x', systemInstruction: { parts: [{ text: 'be brief' }] }, contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
    });
  });
});
