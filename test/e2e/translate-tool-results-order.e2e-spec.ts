import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { mockRequestWith } from '../support/mock-control';
import { sharedMockUrl } from '../support/test-env';
import { fundedKey, nonce, suiteProxy, TRANSLATED_MODELS } from '../support/translation';

const CITY = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

/** The functionResponse parts a Gemini request carried, in order, as `[name, response]`. */
async function functionResponsesSent(marker: string): Promise<Array<[string, unknown]>> {
  const sent = await mockRequestWith(sharedMockUrl(), marker);
  expect(sent?.path).toMatch(/^\/v1beta\/models\/gemini-2\.5-flash:generateContent/);
  const parts = (sent!.body as { contents: Array<{ parts: Array<{ functionResponse?: { name: string; response: unknown } }> }> }).contents.flatMap(
    (content) => content.parts,
  );
  return parts.filter((part) => part.functionResponse).map((part) => [part.functionResponse!.name, part.functionResponse!.response]);
}

/**
 * Gemini has no call ids: it pairs the functionResponse parts of a turn with the functionCall parts of the model turn
 * before it by name and order. Clients of the other protocols answer parallel calls by id, in any order (an agent
 * sends each result as its tool finishes), so a translated turn must reach Gemini in the order of the calls, or two
 * calls of one function swap their results.
 */
describe('Any client, any model: parallel tool results reach a Google model in the order of its calls', () => {
  const proxy = suiteProxy();
  const model = TRANSLATED_MODELS.google;

  it('chat completions: tool messages sent in another order than the tool_calls', async () => {
    const { key } = await fundedKey();
    const marker = nonce();
    const openai = new OpenAI({ apiKey: key, baseURL: `${proxy().url}/v1`, maxRetries: 0 });
    await openai.chat.completions.create({
      model,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: CITY } }],
      messages: [
        { role: 'user', content: `weather in Paris and Rome? ${marker}` },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_rome', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_rome', content: 'rain in Rome' },
        { role: 'tool', tool_call_id: 'call_paris', content: 'sun in Paris' },
      ],
    });
    expect(await functionResponsesSent(marker)).toEqual([
      ['get_weather', { output: 'sun in Paris' }],
      ['get_weather', { output: 'rain in Rome' }],
    ]);
  });

  it('Responses API: function_call_output items sent in another order than the function_call items', async () => {
    const { key } = await fundedKey();
    const marker = nonce();
    const openai = new OpenAI({ apiKey: key, baseURL: `${proxy().url}/v1`, maxRetries: 0 });
    await openai.responses.create({
      model,
      tools: [{ type: 'function', name: 'get_weather', parameters: CITY, strict: false }],
      input: [
        { role: 'user', content: `weather in Paris and Rome? ${marker}` },
        { type: 'function_call', call_id: 'call_paris', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'call_rome', name: 'get_weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'call_rome', output: 'rain in Rome' },
        { type: 'function_call_output', call_id: 'call_paris', output: 'sun in Paris' },
      ],
    });
    expect(await functionResponsesSent(marker)).toEqual([
      ['get_weather', { output: 'sun in Paris' }],
      ['get_weather', { output: 'rain in Rome' }],
    ]);
  });

  it('Anthropic Messages: tool_result blocks in another order than the tool_use blocks, an error result kept as one', async () => {
    const { key } = await fundedKey();
    const marker = nonce();
    const anthropic = new Anthropic({ apiKey: key, baseURL: `${proxy().url}/anthropic`, maxRetries: 0 });
    await anthropic.messages.create({
      model,
      max_tokens: 100,
      tools: [{ name: 'get_weather', input_schema: CITY as Anthropic.Tool.InputSchema }],
      messages: [
        { role: 'user', content: `weather in Paris and Rome? ${marker}` },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_paris', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_rome', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_rome', content: 'rain in Rome' },
            { type: 'tool_result', tool_use_id: 'toolu_paris', content: 'no data for Paris', is_error: true },
            { type: 'text', text: 'compare them' },
          ],
        },
      ],
    });
    expect(await functionResponsesSent(marker)).toEqual([
      ['get_weather', { error: 'no data for Paris' }],
      ['get_weather', { output: 'rain in Rome' }],
    ]);
  });
});
