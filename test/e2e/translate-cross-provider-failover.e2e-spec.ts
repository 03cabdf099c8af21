import type { GoogleGenAI } from '@google/genai' with { 'resolution-mode': 'import' };
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { getGlobalDispatcher } from 'undici';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { createModel, TestModel } from '../factories/model.factory';
import { chargeProblems, usageOf } from '../support/settlement';
import { fundedKey, nonce, START_MICROS, suiteProxy } from '../support/translation';

type GenAi = typeof import('@google/genai', { with: { 'resolution-mode': 'import' } });
// The SDK asks for fetch's dispatcher on the real global object, which Jest's sandbox does not share.
getGlobalDispatcher();

// The test models' prices (createModel's defaults, markup 1): 0.40 / 1.60 USD per MTok, whatever provider answers.
const cost = (input: number, output: number) => BigInt(Math.ceil((input * 400_000 + output * 1_600_000) / 1_000_000));

/**
 * Cross-provider failover: a model linked to a channel of another provider (with the model's name there) fails over to
 * it with the request translated. Every channel points at this suite's own mock, which speaks every protocol:
 * `mock:fail_first=1` fails the first request carrying a text (the first provider's), the next one (the second
 * provider's, translated: same text) is answered.
 */
describe('Any client, any model: failover across providers of one model', () => {
  const proxy = suiteProxy();
  let mock: MockUpstream;
  let genai: GenAi;
  /** An OpenAI model whose second channel is Anthropic's; an Anthropic model whose second is OpenAI's; a Google model whose second is Anthropic's. */
  let openaiThenAnthropic: TestModel;
  let anthropicThenOpenAi: TestModel;
  let googleThenAnthropic: TestModel;

  beforeAll(async () => {
    genai = await import('@google/genai');
    mock = await startMockUpstream({ port: 0 });
    openaiThenAnthropic = await createModel({
      channels: [{ upstreamUrl: mock.url }, { upstreamUrl: mock.url, priority: 1, provider: 'anthropic', upstreamModel: 'claude-haiku-4-5' }],
    });
    anthropicThenOpenAi = await createModel({
      provider: 'anthropic',
      channels: [{ upstreamUrl: mock.url }, { upstreamUrl: mock.url, priority: 1, provider: 'openai', upstreamModel: 'gpt-4.1-mini' }],
    });
    googleThenAnthropic = await createModel({
      provider: 'google',
      channels: [{ upstreamUrl: mock.url }, { upstreamUrl: mock.url, priority: 1, provider: 'anthropic', upstreamModel: 'claude-haiku-4-5' }],
    });
  });

  afterAll(async () => {
    await mock?.close();
  });

  /** The paths (and the model each named) the mock was sent requests carrying `marker`, in order. */
  async function upstreamCalls(marker: string): Promise<{ path: string; model: unknown }[]> {
    const requests = (await (await fetch(`${mock.url}/__mock/requests?limit=200`)).json()) as { path: string; body: { model?: unknown } }[];
    return requests
      .filter((request) => JSON.stringify(request.body ?? null).includes(marker))
      .map((request) => ({ path: request.path.split('?')[0], model: request.body?.model }));
  }

  /**
   * The usage record: by the client's protocol, served by the second channel (of `answeredBy`, the provider the record
   * names) after two attempts, charged as reported.
   */
  async function expectServedBySecond(
    generationId: string,
    accountId: string,
    model: TestModel,
    answeredBy: string,
    input: number,
    output: number,
  ) {
    const usage = await usageOf(generationId);
    expect(usage).toMatchObject({
      model: model.id,
      provider: answeredBy,
      status: 200,
      outcome: 'completed',
      channelId: model.channelIds[1],
      attempts: 2,
      upstreamStatus: 200,
      inputTokens: input,
      outputTokens: output,
      usageEstimated: false,
      costMicros: cost(input, output),
    });
    expect(await chargeProblems(accountId, START_MICROS, cost(input, output))).toEqual([]);
    return usage;
  }

  it('an OpenAI chat client: the OpenAI channel fails, the Anthropic channel answers, translated (and billed) as its usage says', async () => {
    const { accountId, key } = await fundedKey();
    const marker = nonce();
    const openai = new OpenAI({ apiKey: key, baseURL: `${proxy().url}/v1`, maxRetries: 0 });
    const { data, response } = await openai.chat.completions
      .create({
        model: openaiThenAnthropic.alias,
        max_tokens: 100,
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: `${marker} two three mock:fail_first=1 mock:output_tokens=7` },
        ],
      })
      .withResponse();
    expect(data).toMatchObject({ object: 'chat.completion', model: openaiThenAnthropic.alias });
    expect(data.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant' } });
    expect(data.choices[0].message.content!.split(' ')).toHaveLength(7);
    // Anthropic's input_tokens (2 + 5 words), reported in OpenAI's fields.
    expect(data.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 7, total_tokens: 14 });
    expect(await upstreamCalls(marker)).toEqual([
      { path: '/v1/chat/completions', model: 'gpt-4.1-mini' },
      { path: '/v1/messages', model: 'claude-haiku-4-5' },
    ]);
    const usage = await expectServedBySecond(response.headers.get('x-chuizi-generation-id')!, accountId, openaiThenAnthropic, 'anthropic', 7, 7);
    expect(usage).toMatchObject({ protocol: 'openai', endpoint: 'chat.completions', stream: false });
  });

  it('an OpenAI chat client streaming: the stream comes from the Anthropic channel in chat-completion chunks', async () => {
    const { accountId, key } = await fundedKey();
    const marker = nonce();
    const openai = new OpenAI({ apiKey: key, baseURL: `${proxy().url}/v1`, maxRetries: 0 });
    const { data: stream, response } = await openai.chat.completions
      .create({
        model: openaiThenAnthropic.alias,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: `${marker} mock:fail_first=1 mock:output_tokens=5` }],
      })
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.split(' ')).toHaveLength(5);
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 5 });
    expect((await upstreamCalls(marker)).map((call) => call.path)).toEqual(['/v1/chat/completions', '/v1/messages']);
    const record = await expectServedBySecond(response.headers.get('x-chuizi-generation-id')!, accountId, openaiThenAnthropic, 'anthropic', 3, 5);
    expect(record).toMatchObject({ protocol: 'openai', stream: true });
  });

  it('an Anthropic client of an Anthropic model: the native channel fails, the OpenAI channel answers, translated back', async () => {
    const { accountId, key } = await fundedKey();
    const marker = nonce();
    const anthropic = new Anthropic({ apiKey: key, baseURL: `${proxy().url}/anthropic`, maxRetries: 0 });
    const { data: stream, response } = await anthropic.messages
      .create({
        model: anthropicThenOpenAi.alias,
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: `${marker} two mock:fail_first=1 mock:output_tokens=4` }],
      })
      .withResponse();
    const types = new Set<string>();
    let text = '';
    for await (const event of stream) {
      types.add(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect([...types]).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(text.split(' ')).toHaveLength(4);
    expect(await upstreamCalls(marker)).toEqual([
      { path: '/v1/messages', model: 'claude-haiku-4-5' },
      { path: '/v1/chat/completions', model: 'gpt-4.1-mini' },
    ]);
    const record = await expectServedBySecond(response.headers.get('x-chuizi-generation-id')!, accountId, anthropicThenOpenAi, 'openai', 4, 4);
    expect(record).toMatchObject({ protocol: 'anthropic', endpoint: 'messages', stream: true });
  });

  it('a Gemini client of a Google model: the Google channel fails, the Anthropic channel answers in Gemini form', async () => {
    const { accountId, key } = await fundedKey();
    const marker = nonce();
    const client: GoogleGenAI = new genai.GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: `${proxy().url}/gemini` } });
    const response = await client.models.generateContent({
      model: googleThenAnthropic.alias,
      contents: `${marker} two three mock:fail_first=1 mock:output_tokens=6`,
      config: { maxOutputTokens: 50 },
    });
    expect(response.text!.split(' ')).toHaveLength(6);
    expect(response.candidates![0].finishReason).toBe(genai.FinishReason.STOP);
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 5, candidatesTokenCount: 6 });
    const calls = await upstreamCalls(marker);
    expect(calls.map((call) => call.path)).toEqual([expect.stringMatching(/^\/v1beta\/models\/gemini-2\.5-flash:generateContent$/), '/v1/messages']);
    const generationId = response.sdkHttpResponse!.headers!['x-chuizi-generation-id'];
    const record = await expectServedBySecond(generationId, accountId, googleThenAnthropic, 'anthropic', 5, 6);
    expect(record).toMatchObject({ protocol: 'gemini', endpoint: 'generate_content', stream: false });
  });

  it('skips a provider that cannot honour the request: the first failure reaches the client, in its format, uncharged', async () => {
    const { accountId, key } = await fundedKey();
    const marker = nonce();
    const anthropic = new Anthropic({ apiKey: key, baseURL: `${proxy().url}/anthropic`, maxRetries: 0 });
    // top_k has no OpenAI counterpart: the OpenAI channel is not tried. (Anthropic's API takes it; this SDK's types
    // no longer list it.)
    const params = { model: anthropicThenOpenAi.alias, max_tokens: 100, top_k: 5, messages: [{ role: 'user' as const, content: `${marker} mock:fail_first=1` }] };
    const failure = await anthropic.messages
      .create(params)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).status).toBe(503);
    expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'service_unavailable' } });
    expect((await upstreamCalls(marker)).map((call) => call.path)).toEqual(['/v1/messages']);
    const generationId = (failure as InstanceType<typeof Anthropic.APIError>).headers!.get('x-chuizi-generation-id')!;
    expect(await usageOf(generationId)).toMatchObject({ status: 503, costMicros: 0n, channelId: anthropicThenOpenAi.channelIds[0], attempts: 1 });
    expect(await chargeProblems(accountId, START_MICROS, 0n)).toEqual([]);
  });

  it('a provider 4xx on the first provider is the client\'s answer: no other provider is tried', async () => {
    const { key } = await fundedKey();
    const marker = nonce();
    const openai = new OpenAI({ apiKey: key, baseURL: `${proxy().url}/v1`, maxRetries: 0 });
    const failure = await openai.chat.completions
      .create({ model: openaiThenAnthropic.alias, messages: [{ role: 'user', content: `${marker} mock:status=422` }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(422);
    expect((await upstreamCalls(marker)).map((call) => call.path)).toEqual(['/v1/chat/completions']);
  });
});
