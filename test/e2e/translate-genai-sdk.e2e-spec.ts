import type { GenerateContentResponse, GoogleGenAI } from '@google/genai' with { 'resolution-mode': 'import' };
import { getGlobalDispatcher } from 'undici';
import { mockRequestWith } from '../support/mock-control';
import { sharedMockUrl } from '../support/test-env';
import { expectBilledAsReported, expectToolResultSent, fundedKey, nonce, suiteProxy, TRANSLATED_MODELS } from '../support/translation';

// The package's typings are ES-module only: this CommonJS spec loads it with import().
type GenAi = typeof import('@google/genai', { with: { 'resolution-mode': 'import' } });
// The SDK asks for fetch's dispatcher on the real global object, which Jest's sandbox does not share.
getGlobalDispatcher();

const WEATHER = {
  functionDeclarations: [
    {
      name: 'get_weather',
      description: 'The weather in a city',
      parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
};

describe('Any client, any model: @google/genai, unmodified, calling OpenAI and Anthropic models', () => {
  const proxy = suiteProxy();
  let genai: GenAi;

  beforeAll(async () => {
    genai = await import('@google/genai');
  });

  const client = (key: string): GoogleGenAI => new genai.GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: `${proxy().url}/gemini` } });
  const generationId = (response: GenerateContentResponse) => response.sdkHttpResponse!.headers!['x-chuizi-generation-id'];

  describe.each([TRANSLATED_MODELS.openai, TRANSLATED_MODELS.anthropic])('%s', (model) => {
    it('answers (system instruction read) and bills the provider usage, recorded as a Gemini request', async () => {
      const { accountId, key } = await fundedKey();
      const response = await client(key).models.generateContent({
        model,
        contents: 'one two three mock:output_tokens=30',
        config: { systemInstruction: 'answer briefly' },
      });
      expect(response.text!.split(' ')).toHaveLength(30);
      expect(response.candidates![0].finishReason).toBe(genai.FinishReason.STOP);
      expect(response.usageMetadata).toMatchObject({ promptTokenCount: 6, candidatesTokenCount: 30, totalTokenCount: 36 });
      await expectBilledAsReported(generationId(response), accountId, model, {
        protocol: 'gemini',
        endpoint: 'generate_content',
        stream: false,
        input: 6,
        output: 30,
      });
    });

    it('streams chunks (alt=sse) and settles on the provider usage', async () => {
      const { accountId, key } = await fundedKey();
      const stream = await client(key).models.generateContentStream({ model, contents: 'stream please mock:output_tokens=12' });
      const chunks: GenerateContentResponse[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.map((chunk) => chunk.text ?? '').join('').split(' ')).toHaveLength(12);
      const last = chunks[chunks.length - 1];
      expect(last.candidates![0].finishReason).toBe(genai.FinishReason.STOP);
      expect(last.usageMetadata).toMatchObject({ promptTokenCount: 3, candidatesTokenCount: 12 });
      await expectBilledAsReported(generationId(last), accountId, model, {
        protocol: 'gemini',
        endpoint: 'generate_content',
        stream: true,
        input: 3,
        output: 12,
      });
    });

    it('round-trips a function call: functionCall (streamed too), then its functionResponse answered', async () => {
      const { key } = await fundedKey();
      const ai = client(key);
      const marker = nonce();
      const question = { role: 'user', parts: [{ text: 'weather in Paris? mock:tool_call' }] };
      const first = await ai.models.generateContent({ model, contents: [question], config: { tools: [WEATHER] } });
      const call = first.functionCalls![0];
      expect(call).toMatchObject({ name: 'get_weather', args: { mock: true } });

      const chunks: GenerateContentResponse[] = [];
      for await (const chunk of await ai.models.generateContentStream({ model, contents: [question], config: { tools: [WEATHER] } })) {
        chunks.push(chunk);
      }
      expect(chunks.flatMap((chunk) => chunk.functionCalls ?? [])).toEqual([expect.objectContaining({ name: 'get_weather', args: { mock: true } })]);

      const second = await ai.models.generateContent({
        model,
        contents: [
          question,
          { role: 'model', parts: [{ functionCall: call }] },
          { role: 'user', parts: [{ functionResponse: { id: call.id, name: 'get_weather', response: { celsius: 21, note: marker } } }] },
        ],
        config: { tools: [WEATHER] },
      });
      expect(second.candidates![0].finishReason).toBe(genai.FinishReason.STOP);
      await expectToolResultSent(sharedMockUrl(), marker, model);
    });
  });

  it("a thinkingBudget below Anthropic's minimum reaches a pre-4.6 Claude as the minimum budget (not a 400 about max tokens)", async () => {
    const { key } = await fundedKey();
    const marker = nonce();
    const response = await client(key).models.generateContent({
      model: TRANSLATED_MODELS.anthropic,
      contents: `think a little ${marker} mock:output_tokens=4`,
      config: { thinkingConfig: { thinkingBudget: 512 } },
    });
    expect(response.text!.split(' ')).toHaveLength(4);
    const sent = await mockRequestWith(sharedMockUrl(), marker);
    expect(sent?.body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 1024 } });
  });
});
