import { randomBytes } from 'node:crypto';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { useProxy } from '../support/app-process';
import { mockRequestWith } from '../support/mock-control';
import { chargeProblems, demoCost } from '../support/settlement';
import { accountBooks, testDb } from '../support/test-db';
import { sharedMockUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { afterSettlements } from '../support/books';

const cost = (input: number, output: number, cachedInput = 0) => demoCost('openai/gpt-4.1-mini', { input, output, cachedInput });

/**
 * The Vercel AI SDK's default OpenAI provider, unmodified: `createOpenAI({ baseURL, apiKey })` then `openai(modelId)`,
 * which speaks the Responses API.
 */
describe('Vercel AI SDK (ai + @ai-sdk/openai) against /v1/responses', () => {
  const proxy = useProxy();

  async function fundedProvider(balanceUsd = '10.00') {
    const account = await createAccount({ balanceUsd });
    const { key } = await createApiKey(account.id);
    return { account, openai: createOpenAI({ baseURL: `${proxy.url}/v1`, apiKey: key }) };
  }

  /** An account's usage records, oldest first, once `count` of them are written. */
  async function usageRecords(accountId: string, count: number) {
    const db = await testDb();
    return waitFor(async () => {
      const records = await afterSettlements(() => db.usageRecord.findMany({ where: { accountId }, orderBy: { createdAt: 'asc' } }));
      return records.length >= count ? records : null;
    });
  }


  it('generateText: the text and its usage (cached and reasoning tokens), billed exactly', async () => {
    const { account, openai } = await fundedProvider();
    const marker = `n${randomBytes(6).toString('hex')}`;
    const result = await generateText({
      model: openai('gpt-4.1-mini'),
      system: 'be brief',
      prompt: `two ${marker} mock:output_tokens=5 mock:cached_tokens=2 mock:reasoning_tokens=3`,
      maxRetries: 0,
    });
    expect((await mockRequestWith(sharedMockUrl(), marker))?.path).toBe('/v1/responses');
    expect(result.text).toBe('mock reply the of and');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({
      inputTokens: 7,
      inputTokenDetails: { cacheReadTokens: 2 },
      outputTokens: 8,
      outputTokenDetails: { reasoningTokens: 3 },
    });
    expect(result.response.modelId).toBe('gpt-4.1-mini');

    const [usage] = await usageRecords(account.id, 1);
    expect(usage).toMatchObject({
      protocol: 'openai',
      endpoint: 'responses',
      outcome: 'completed',
      inputTokens: 7,
      cachedInputTokens: 2,
      outputTokens: 8,
      reasoningTokens: 3,
      costMicros: cost(7, 8, 2),
    });
    expect(await chargeProblems(account.id, 10_000_000n, cost(7, 8, 2))).toEqual([]);
  });

  it('streamText: the deltas, the final usage and finish reason, billed on response.completed', async () => {
    const { account, openai } = await fundedProvider();
    const errors: unknown[] = [];
    const result = streamText({
      model: openai('gpt-4.1-mini'),
      prompt: 'one two mock:output_tokens=4',
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(errors).toEqual([]);
    expect(deltas).toEqual(['mock', ' reply', ' the', ' of']);
    expect(await result.finishReason).toBe('stop');
    expect(await result.usage).toMatchObject({ inputTokens: 3, outputTokens: 4, totalTokens: 7 });

    const [usage] = await usageRecords(account.id, 1);
    expect(usage).toMatchObject({ endpoint: 'responses', stream: true, outcome: 'completed', inputTokens: 3, outputTokens: 4 });
    expect(await chargeProblems(account.id, 10_000_000n, cost(3, 4))).toEqual([]);
  });

  it('runs a tool loop (the tool executed between two calls), each call billed', async () => {
    const { account, openai } = await fundedProvider();
    const executed: unknown[] = [];
    const result = await generateText({
      model: openai('gpt-4.1-mini'),
      prompt: 'weather? mock:tool_call',
      tools: {
        get_weather: tool({
          description: 'weather',
          inputSchema: jsonSchema<{ city?: string }>({ type: 'object', properties: { city: { type: 'string' } } }),
          execute: async (input) => {
            executed.push(input);
            return 'sunny and warm';
          },
        }),
      },
      stopWhen: stepCountIs(2),
      maxRetries: 0,
    });
    expect(result.steps).toHaveLength(2);
    expect(executed[0]).toEqual({ mock: true });
    expect(result.steps[0].toolCalls).toEqual([expect.objectContaining({ toolName: 'get_weather', input: { mock: true } })]);

    const records = await usageRecords(account.id, 2);
    expect(records.map((r) => r.outcome)).toEqual(['completed', 'completed']);
    // The second call carries the function call and its output back: more input than the first.
    expect(records[1].inputTokens).toBeGreaterThan(records[0].inputTokens);
    expect(await chargeProblems(account.id, 10_000_000n, records[0].costMicros + records[1].costMicros)).toEqual([]);
  });

  it('streamText: a stream that fails mid-answer surfaces as an error, settled on what was delivered', async () => {
    const { account, openai } = await fundedProvider();
    const errors: unknown[] = [];
    const result = streamText({
      model: openai('gpt-4.1-mini'),
      prompt: 'go mock:output_tokens=30 mock:drop_after=2',
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    await result.consumeStream();
    expect(await result.text).toBe('mock reply');
    expect(errors).not.toEqual([]);

    const [usage] = await usageRecords(account.id, 1);
    expect(usage).toMatchObject({ stream: true, outcome: 'upstream_dropped', usageEstimated: true, outputTokens: 2 });
    expect(usage.costMicros).toBe(cost(usage.inputTokens, 2));
    expect(await chargeProblems(account.id, 10_000_000n, usage.costMicros)).toEqual([]);
  });

  it('a refusal is the APICallError of its status: 402 for a short balance, nothing charged', async () => {
    const { account, openai } = await fundedProvider('0.01');
    const error = await generateText({ model: openai('gpt-4.1-mini'), prompt: 'hi', maxOutputTokens: 10_000, maxRetries: 0 }).catch(
      (e: unknown) => e,
    );
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 402, message: 'Insufficient balance. Current: $0.01, Required: $0.02' });
    expect(await accountBooks(account.id)).toEqual({ balance: 10_000n, reserved: 0n, ledgerSum: 10_000n, openHolds: 0n });
  });
});
