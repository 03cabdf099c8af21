import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { countDeliveredTokens } from '../../libs/billing/src';
import { DEMO_CATALOG } from '../../scripts/demo-catalog';
import { mockRequestWith } from '../support/mock-control';
import { chargeProblems, demoCost, usageOf } from '../support/settlement';
import { sharedMockUrl } from '../support/test-env';
import { fundedKey, nonce, START_MICROS, suiteProxy, TRANSLATED_MODELS } from '../support/translation';

const maxOutputOf = (model: string) => DEMO_CATALOG.find((entry) => entry.id === model)!.maxOutputTokens;

describe('Any client, any model: refusals, provider errors, cut streams, output limits', () => {
  const proxy = suiteProxy();

  const openai = (key: string) => new OpenAI({ apiKey: key, baseURL: `${proxy().url}/v1`, maxRetries: 0 });
  const anthropic = (key: string) => new Anthropic({ apiKey: key, baseURL: `${proxy().url}/anthropic`, maxRetries: 0 });

  it('refuses a feature the provider cannot honour (logit_bias to an Anthropic model) with a 400 naming it, charging nothing', async () => {
    const { accountId, key } = await fundedKey();
    const marker = nonce();
    const error = await openai(key)
      .chat.completions.create({
        model: TRANSLATED_MODELS.anthropic,
        logit_bias: { '50256': -100 },
        messages: [{ role: 'user', content: `hello ${marker}` }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('logit_bias') });
    expect(apiError.message).toMatch(/Anthropic/);
    const usage = await usageOf(apiError.headers!.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ protocol: 'openai', endpoint: 'chat.completions', status: 400, outcome: 'rejected', costMicros: 0n, reservedMicros: 0n });
    expect(await chargeProblems(accountId, START_MICROS, 0n)).toEqual([]);
    // Refused before any upstream call.
    expect(await mockRequestWith(sharedMockUrl(), marker)).toBeUndefined();
  });

  it("passes a provider's 4xx on in the caller's format, charging nothing", async () => {
    const { accountId, key } = await fundedKey();
    const error = await anthropic(key)
      .messages.create({ model: TRANSLATED_MODELS.openai, max_tokens: 100, messages: [{ role: 'user', content: 'no mock:status=400' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'Invalid request. (mock:status=400)' },
    });
    expect(await chargeProblems(accountId, START_MICROS, 0n)).toEqual([]);
  });

  it('settles a translated stream cut by the provider on what was delivered, ending it with the caller\'s error chunk', async () => {
    const { accountId, key } = await fundedKey();
    const model = TRANSLATED_MODELS.anthropic;
    const { data: stream, response } = await openai(key)
      .chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'cut me mock:output_tokens=50 mock:drop_after=7' }] })
      .withResponse();
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toMatch(/closed the stream before it was complete/);
    expect(text.split(' ')).toHaveLength(7);

    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    // Input as Anthropic reported it in message_start (4 words); output counted from what the client received.
    const output = countDeliveredTokens(text);
    expect(usage).toMatchObject({ protocol: 'openai', outcome: 'upstream_dropped', errorType: 'upstream_error', usageEstimated: true, inputTokens: 4, outputTokens: output });
    expect(usage.costMicros).toBe(demoCost(model, { input: 4, output }));
    expect(await chargeProblems(accountId, START_MICROS, usage.costMicros)).toEqual([]);
  });

  it('settles a translated stream the client aborts on what was delivered, and stops the upstream call', async () => {
    const { accountId, key } = await fundedKey();
    const model = TRANSLATED_MODELS.anthropic;
    const marker = nonce();
    const controller = new AbortController();
    // 50 words, 20 ms apart: the client leaves after 5 of them, long before the provider is done.
    const { data: stream, response } = await openai(key)
      .chat.completions.create(
        { model, stream: true, messages: [{ role: 'user', content: `leave early ${marker} mock:output_tokens=50 mock:chunk_delay_ms=20` }] },
        { signal: controller.signal },
      )
      .withResponse();
    let text = '';
    let chunks = 0;
    await (async () => {
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta.content ?? '';
        text += delta;
        // The client leaves here: it reads nothing more, whatever the SDK had already parsed from the same read.
        if (delta && ++chunks === 5) {
          controller.abort();
          break;
        }
      }
    })().catch(() => undefined); // the SDK ends the iteration on its abort
    expect(chunks).toBe(5);

    const generationId = response.headers.get('x-chuizi-generation-id')!;
    const usage = await usageOf(generationId);
    // Input as Anthropic reported it in message_start; output what the gateway relayed before the client left (at
    // least what the client read, far less than the 50 asked for), priced at the model's prices.
    expect(usage).toMatchObject({ protocol: 'openai', stream: true, outcome: 'client_aborted', usageEstimated: true });
    expect(usage.outputTokens).toBeGreaterThanOrEqual(countDeliveredTokens(text));
    expect(usage.outputTokens).toBeLessThan(50);
    expect(usage.costMicros).toBe(demoCost(model, { input: usage.inputTokens, output: usage.outputTokens }));
    expect(await chargeProblems(accountId, START_MICROS, usage.costMicros)).toEqual([]);
    // The request reached the provider translated: Anthropic's messages endpoint.
    expect((await mockRequestWith(sharedMockUrl(), marker))?.path).toMatch(/\/messages$/);
  });

  it('streams to a Gemini client as a JSON array (no alt=sse) from an OpenAI model', async () => {
    const { accountId, key } = await fundedKey();
    const response = await fetch(`${proxy().url}/gemini/v1beta/models/${TRANSLATED_MODELS.openai}:streamGenerateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'array please mock:output_tokens=5' }] }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const elements = JSON.parse(await response.text()) as { candidates?: { content?: { parts?: { text?: string }[] } }[]; usageMetadata?: object }[];
    const text = elements.flatMap((element) => element.candidates?.[0]?.content?.parts ?? []).map((part) => part.text ?? '').join('');
    expect(text.split(' ')).toHaveLength(5);
    expect(elements[elements.length - 1].usageMetadata).toMatchObject({ promptTokenCount: 3, candidatesTokenCount: 5 });
    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ protocol: 'gemini', stream: true, outcome: 'completed', inputTokens: 3, outputTokens: 5 });
    expect(await chargeProblems(accountId, START_MICROS, demoCost(TRANSLATED_MODELS.openai, { input: 3, output: 5 }))).toEqual([]);
  });

  it.each([
    ['a Gemini client setting no limit', TRANSLATED_MODELS.anthropic, undefined],
    ['an OpenAI client asking for more than the model can give', TRANSLATED_MODELS.google, 10_000_000],
  ])('sends the provider the output limit the hold covers: %s', async (_case, model, asked) => {
    const { key } = await fundedKey();
    const marker = nonce();
    const limit = maxOutputOf(model);
    let generationId: string;
    if (asked === undefined) {
      const response = await fetch(`${proxy().url}/gemini/v1beta/models/${model}:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: `limit ${marker}` }] }] }),
      });
      expect(response.status).toBe(200);
      generationId = response.headers.get('x-chuizi-generation-id')!;
    } else {
      const { response } = await openai(key)
        .chat.completions.create({ model, max_tokens: asked, messages: [{ role: 'user', content: `limit ${marker}` }] })
        .withResponse();
      generationId = response.headers.get('x-chuizi-generation-id')!;
    }
    const sent = (await mockRequestWith(sharedMockUrl(), marker))!.body as { max_tokens?: number; generationConfig?: { maxOutputTokens?: number } };
    expect(sent.max_tokens ?? sent.generationConfig?.maxOutputTokens).toBe(limit);
    // The hold covered that much output at the model's output price.
    const usage = await usageOf(generationId);
    expect(usage.reservedMicros).toBeGreaterThanOrEqual(demoCost(model, { input: 0, output: limit }));
  });
});
