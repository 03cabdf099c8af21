import type { GoogleGenAI } from '@google/genai' with { 'resolution-mode': 'import' };
import Anthropic from '@anthropic-ai/sdk';
import { countChatCompletionTokens } from 'gpt-tokenizer/model/gpt-4.1-mini';
import { getGlobalDispatcher } from 'undici';
import { mockRequestWith } from '../support/mock-control';
import { chargeProblems, usageOf } from '../support/settlement';
import { sharedMockUrl } from '../support/test-env';
import { fundedKey, nonce, START_MICROS, suiteProxy, TRANSLATED_MODELS } from '../support/translation';

type GenAi = typeof import('@google/genai', { with: { 'resolution-mode': 'import' } });
// The SDK asks for fetch's dispatcher on the real global object, which Jest's sandbox does not share.
getGlobalDispatcher();

const WEATHER: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string', description: 'The city' } }, required: ['city'] },
};

/**
 * Token counting for a model of another protocol (free): counted by the provider's own counting endpoint (Anthropic
 * count_tokens, Gemini countTokens; the mock counts words), or, for an OpenAI model, which has none, locally with the
 * model's tokenizer as OpenAI counts a chat request (checked against gpt-tokenizer's own whole-request count).
 */
describe('Any client, any model: token counting translated', () => {
  const proxy = suiteProxy();
  let genai: GenAi;

  beforeAll(async () => {
    genai = await import('@google/genai');
  });

  const anthropic = (key: string) => new Anthropic({ apiKey: key, baseURL: `${proxy().url}/anthropic`, maxRetries: 0 });
  const gemini = (key: string): GoogleGenAI => new genai.GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: `${proxy().url}/gemini` } });

  /** The free request's record: counted, nothing charged. */
  async function expectFree(generationId: string | null, accountId: string, protocol: string) {
    expect(await usageOf(generationId!)).toMatchObject({ protocol, endpoint: 'count_tokens', status: 200, costMicros: 0n });
    expect(await chargeProblems(accountId, START_MICROS, 0n)).toEqual([]);
  }

  it("@anthropic-ai/sdk counting for a Google model: Gemini's countTokens, as input_tokens", async () => {
    const { accountId, key } = await fundedKey();
    const marker = nonce();
    const { data, response } = await anthropic(key)
      .messages.countTokens({ model: TRANSLATED_MODELS.google, system: 'be brief', messages: [{ role: 'user', content: `${marker} two three` }] })
      .withResponse();
    // The mock counts words: 2 of the system instruction, 3 of the message.
    expect(data).toEqual({ input_tokens: 5 });
    const sent = await mockRequestWith(sharedMockUrl(), marker);
    expect(sent?.path).toBe('/v1beta/models/gemini-2.5-flash:countTokens');
    expect(sent?.body).toMatchObject({
      generateContentRequest: { model: 'models/gemini-2.5-flash', systemInstruction: { parts: [{ text: 'be brief' }] }, contents: [{ role: 'user' }] },
    });
    await expectFree(response.headers.get('x-chuizi-generation-id'), accountId, 'anthropic');
  });

  it('@anthropic-ai/sdk counting for an OpenAI model: counted locally, exactly as OpenAI counts the chat request', async () => {
    const { accountId, key } = await fundedKey();
    const marker = nonce();
    const { data, response } = await anthropic(key)
      .messages.countTokens({
        model: TRANSLATED_MODELS.openai,
        system: 'You answer about the weather.',
        tools: [WEATHER],
        messages: [
          { role: 'user', content: `What is the weather in Paris? ${marker}` },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '21 degrees' }] },
        ],
      })
      .withResponse();
    const expected = countChatCompletionTokens!({
      messages: [
        { role: 'system', content: 'You answer about the weather.' },
        { role: 'user', content: `What is the weather in Paris? ${marker}` },
        { role: 'assistant', content: '', function_call: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { role: 'tool', content: '21 degrees' },
      ],
      functions: [{ name: 'get_weather', description: 'The weather in a city', parameters: WEATHER.input_schema as never }],
    });
    expect(data).toEqual({ input_tokens: expected });
    // Nothing went upstream.
    expect(await mockRequestWith(sharedMockUrl(), marker)).toBeUndefined();
    await expectFree(response.headers.get('x-chuizi-generation-id'), accountId, 'anthropic');
  });

  it("@google/genai counting for an Anthropic model: Anthropic's count_tokens, as totalTokens", async () => {
    const { accountId, key } = await fundedKey();
    const marker = nonce();
    const response = await gemini(key).models.countTokens({ model: TRANSLATED_MODELS.anthropic, contents: `${marker} two three four` });
    expect(response.totalTokens).toBe(4);
    const sent = await mockRequestWith(sharedMockUrl(), marker);
    expect(sent?.path).toBe('/v1/messages/count_tokens');
    expect(sent?.body).toEqual({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: `${marker} two three four` }] }] });
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    await expectFree(response.sdkHttpResponse!.headers!['x-chuizi-generation-id'], accountId, 'gemini');
  });

  it('@google/genai counting for an OpenAI model: counted locally', async () => {
    const { key } = await fundedKey();
    const text = `${nonce()} Hello, how are you today?`;
    const response = await gemini(key).models.countTokens({ model: TRANSLATED_MODELS.openai, contents: text });
    expect(response.totalTokens).toBe(countChatCompletionTokens!({ messages: [{ role: 'user', content: text }] }));
  });

  it('refuses, in the caller format, what cannot be counted exactly for an OpenAI model (an image) or translated', async () => {
    const { key } = await fundedKey();
    const image = await anthropic(key)
      .messages.countTokens({
        model: TRANSLATED_MODELS.openai,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] }],
      })
      .catch((error: unknown) => error);
    expect(image).toBeInstanceOf(Anthropic.BadRequestError);
    expect((image as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'Counting the tokens of an image is not supported for an OpenAI model (only text and tools)' },
    });
    const topK = await fetch(`${proxy().url}/gemini/v1beta/models/${TRANSLATED_MODELS.openai}:countTokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
      body: JSON.stringify({ generateContentRequest: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { topK: 3 } } }),
    });
    expect(topK.status).toBe(400);
    expect(await topK.json()).toEqual({
      error: { code: 400, message: expect.stringMatching(/^topK cannot be translated/), status: 'INVALID_ARGUMENT' },
    });
  });
});
