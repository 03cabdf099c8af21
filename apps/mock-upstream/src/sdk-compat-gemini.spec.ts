import type { GenerateContentResponse, GoogleGenAI } from '@google/genai' with { 'resolution-mode': 'import' };
import { getGlobalDispatcher } from 'undici';
import { type MockUpstream, startMockUpstream } from './mock-upstream.server';

// The package's typings are ES-module only, so this CommonJS spec loads it with import() (which Jest resolves to the
// package's CommonJS build).
type GenAi = typeof import('@google/genai', { with: { 'resolution-mode': 'import' } });

// Node keeps fetch's dispatcher on the real global object, which Jest's sandbox does not share; the SDK asks for it
// there, so give the sandbox one, as a plain Node process has.
getGlobalDispatcher();

// Google's official client, pointed at the mock with `httpOptions.baseUrl`, must accept everything it answers.
describe('@google/genai against the mock upstream', () => {
  let mock: MockUpstream;
  let genai: GenAi;
  let ai: GoogleGenAI;
  const model = 'gemini-2.5-flash';
  const weather = { functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object' } }] };

  async function collect(stream: AsyncGenerator<GenerateContentResponse>): Promise<GenerateContentResponse[]> {
    const chunks: GenerateContentResponse[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  }

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0 });
    genai = await import('@google/genai');
    ai = new genai.GoogleGenAI({ apiKey: 'AIza-test', httpOptions: { baseUrl: mock.url } });
  });
  afterAll(() => mock.close());

  it('generates content, with its usage', async () => {
    const response = await ai.models.generateContent({
      model,
      contents: 'two words mock:output_tokens=5 mock:reasoning_tokens=4 mock:cached_tokens=2',
      config: { systemInstruction: 'be brief', maxOutputTokens: 100 },
    });
    expect(response.text).toBe('mock reply the of and');
    expect(response.candidates?.[0].finishReason).toBe(genai.FinishReason.STOP);
    expect(response.modelVersion).toBe(model);
    expect(response.responseId).toEqual(expect.any(String));
    expect(response.usageMetadata).toMatchObject({
      promptTokenCount: 7,
      candidatesTokenCount: 5,
      thoughtsTokenCount: 4,
      cachedContentTokenCount: 2,
      totalTokenCount: 16,
    });
  });

  it('stops at maxOutputTokens with MAX_TOKENS', async () => {
    const response = await ai.models.generateContent({
      model,
      contents: 'mock:output_tokens=30',
      config: { maxOutputTokens: 3 },
    });
    expect(response.text).toBe('mock reply the');
    expect(response.candidates?.[0].finishReason).toBe(genai.FinishReason.MAX_TOKENS);
  });

  it('streams content, with the final usage on the last chunk', async () => {
    const chunks = await collect(
      await ai.models.generateContentStream({ model, contents: 'a b mock:output_tokens=4 mock:reasoning_tokens=1' }),
    );
    expect(chunks.map((c) => c.text ?? '').join('')).toBe('mock reply the of');
    const last = chunks[chunks.length - 1];
    expect(last.candidates?.[0].finishReason).toBe(genai.FinishReason.STOP);
    expect(last.usageMetadata).toMatchObject({
      promptTokenCount: 4,
      candidatesTokenCount: 4,
      thoughtsTokenCount: 1,
      totalTokenCount: 9,
    });
  });

  it('returns a function call, streamed or not', async () => {
    const response = await ai.models.generateContent({
      model,
      contents: 'weather? mock:tool_call',
      config: { tools: [weather] },
    });
    expect(response.functionCalls).toEqual([{ name: 'get_weather', args: { mock: true } }]);

    const chunks = await collect(
      await ai.models.generateContentStream({ model, contents: 'mock:tool_call', config: { tools: [weather] } }),
    );
    expect(chunks.flatMap((c) => c.functionCalls ?? [])).toEqual([{ name: 'get_weather', args: { mock: true } }]);
  });

  it('keeps a multi-turn chat', async () => {
    const chat = ai.chats.create({ model });
    const first = await chat.sendMessage({ message: 'hello mock:output_tokens=2' });
    expect(first.text).toBe('mock reply');
    const second = await chat.sendMessage({ message: 'again mock:output_tokens=1' });
    expect(second.text).toBe('mock');
    // hello marker (2 words) + the model's "mock reply" (2) + again marker (2)
    expect(second.usageMetadata?.promptTokenCount).toBe(6);
    expect(chat.getHistory()).toHaveLength(4);
  });

  it('counts tokens', async () => {
    const count = await ai.models.countTokens({ model, contents: 'one two three' });
    expect(count.totalTokens).toBe(3);
  });

  it('lists models page by page, and gets one', async () => {
    const names: string[] = [];
    const pager = await ai.models.list({ config: { pageSize: 2 } });
    for await (const m of pager) names.push(m.name ?? '');
    expect(names).toEqual(expect.arrayContaining(['models/gemini-2.5-flash', 'models/gemini-2.5-pro']));
    expect(new Set(names).size).toBe(names.length);
    const one = await ai.models.get({ model: 'gemini-2.5-pro' });
    expect(one).toMatchObject({ name: 'models/gemini-2.5-pro', displayName: 'Gemini 2.5 Pro' });
  });

  it('raises ApiError with the provider status', async () => {
    const limited = ai.models.generateContent({ model, contents: 'mock:status=429' });
    await expect(limited).rejects.toBeInstanceOf(genai.ApiError);
    const exhausted = { status: 429, message: expect.stringContaining('RESOURCE_EXHAUSTED') };
    await expect(limited).rejects.toMatchObject(exhausted);
    const unavailable = ai.models.generateContentStream({ model, contents: 'mock:status=503' });
    await expect(unavailable).rejects.toMatchObject({ status: 503 });
  });

  it('raises the error a stream fails with mid-answer', async () => {
    const stream = await ai.models.generateContentStream({ model, contents: 'mock:fail_after=2' });
    await expect(collect(stream)).rejects.toMatchObject({ status: 500 });
  });

  it('fails on a dropped stream', async () => {
    const stream = await ai.models.generateContentStream({ model, contents: 'mock:drop_after=2' });
    await expect(collect(stream)).rejects.toThrow();
  });
});
