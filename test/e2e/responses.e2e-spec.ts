import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { useProxy } from '../support/app-process';
import { closedPortUrl } from '../support/closed-port';
import { callGateway } from '../support/gateway-call';
import { mockRequestWith } from '../support/mock-control';
import { sampleValue, scrape } from '../support/prometheus-text';
import { chargeProblems, demoCost, usageOf } from '../support/settlement';
import { accountBooks, testDb } from '../support/test-db';
import { sharedMockUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { afterSettlements } from '../support/books';

const MODEL = 'gpt-4.1-mini';
const cost = (input: number, output: number, cachedInput = 0) => demoCost('openai/gpt-4.1-mini', { input, output, cachedInput });
/** A word unique to one test, to find its request in the mock's log (the mock counts it as one input token). */
const nonce = () => `n${randomBytes(6).toString('hex')}`;
const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

describe('POST /v1/responses (openai SDK, real PostgreSQL, Redis and mock upstream)', () => {
  const proxy = useProxy();

  const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${proxy.url}/v1`, maxRetries: 0 });

  async function fundedKey(balanceUsd = '10.00') {
    const account = await createAccount({ balanceUsd });
    const { key } = await createApiKey(account.id);
    return { account, key };
  }


  it('creates a response from instructions and a string input, billed exactly on its usage; store is never passed on', async () => {
    const { account, key } = await fundedKey();
    const marker = nonce();
    const { data, response } = await client(key)
      .responses.create({
        model: MODEL,
        instructions: 'be brief',
        input: `one two ${marker} mock:output_tokens=12`,
        store: true,
        metadata: { purpose: 'e2e' },
        temperature: 0.5,
      })
      .withResponse();

    expect(data).toMatchObject({ object: 'response', status: 'completed', model: MODEL, metadata: { purpose: 'e2e' } });
    expect(data.output_text.split(' ')).toHaveLength(12);
    // 2 words of instructions + 4 of input, as the mock counts.
    expect(data.usage).toMatchObject({ input_tokens: 6, output_tokens: 12, input_tokens_details: { cached_tokens: 0 } });
    const generationId = response.headers.get('x-chuizi-generation-id')!;
    expect(generationId).toMatch(/^gen-[0-9A-Z]{26}$/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.headers.get('x-ratelimit-limit')).toBe('60');

    const upstream = await mockRequestWith(sharedMockUrl(), marker);
    expect(upstream).toMatchObject({ path: '/v1/responses' });
    // Stateless: the provider is told to keep nothing; the hold's output limit is sent explicitly (the model's max).
    expect(upstream!.body).toMatchObject({ model: 'gpt-4.1-mini', store: false, max_output_tokens: 32_768, temperature: 0.5 });

    const usage = await usageOf(generationId);
    expect(usage).toMatchObject({
      protocol: 'openai',
      endpoint: 'responses',
      stream: false,
      status: 200,
      outcome: 'completed',
      inputTokens: 6,
      outputTokens: 12,
      usageEstimated: false,
      costMicros: cost(6, 12),
    });
    // The hold covered the input and the whole output limit sent upstream (the model's max).
    expect(usage.reservedMicros).toBeGreaterThanOrEqual(cost(6, 32_768));
    expect(await chargeProblems(account.id, 10_000_000n, cost(6, 12))).toEqual([]);
  });

  it('calls a function tool and takes its output back, each turn billed on its own usage', async () => {
    const { account, key } = await fundedKey();
    const first = await client(key).responses.create({
      model: MODEL,
      input: 'weather in Paris? mock:tool_call',
      tools: [WEATHER_TOOL],
    });
    const [call] = first.output;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"mock":true}' });
    if (call.type !== 'function_call') throw new Error('expected a function call');

    const second = await client(key).responses.create({
      model: MODEL,
      tools: [WEATHER_TOOL],
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'weather in Paris?' }] },
        call,
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny and warm' },
      ],
      max_output_tokens: 64,
    });
    expect(second.status).toBe('completed');
    expect(second.output_text.startsWith('mock reply')).toBe(true);
    // The user's 3 words and the function output's 3; the model's own call counts none.
    expect(second.usage).toMatchObject({ input_tokens: 6, output_tokens: 16 });
    const firstCost = cost(first.usage!.input_tokens, first.usage!.output_tokens);
    expect(await chargeProblems(account.id, 10_000_000n, firstCost + cost(6, 16))).toEqual([]);
  });

  it('passes a json_schema text format and the reasoning settings on, billing reasoning tokens at the output price', async () => {
    const { account, key } = await fundedKey();
    const marker = nonce();
    const format = {
      type: 'json_schema' as const,
      name: 'answer',
      schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
      strict: true,
    };
    const { data, response } = await client(key)
      .responses.create({
        model: MODEL,
        input: `${marker} think mock:output_tokens=3 mock:reasoning_tokens=5 mock:cached_tokens=2`,
        text: { format },
        reasoning: { effort: 'low' },
      })
      .withResponse();
    expect(data.text?.format).toMatchObject({ type: 'json_schema', name: 'answer' });
    expect(data.usage).toMatchObject({
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 2 },
      output_tokens: 8,
      output_tokens_details: { reasoning_tokens: 5 },
    });
    const upstream = await mockRequestWith(sharedMockUrl(), marker);
    expect(upstream!.body).toMatchObject({ text: { format }, reasoning: { effort: 'low' } });

    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ inputTokens: 5, cachedInputTokens: 2, outputTokens: 8, reasoningTokens: 5 });
    expect(usage.costMicros).toBe(cost(5, 8, 2));
    expect(await chargeProblems(account.id, 10_000_000n, cost(5, 8, 2))).toEqual([]);
  });

  it('streams the typed events (responses.stream) into the final response, billed on response.completed', async () => {
    const { account, key } = await fundedKey();
    const stream = client(key).responses.stream({ model: `openai/${MODEL}`, input: 'hello there mock:output_tokens=6' });
    const types: string[] = [];
    const deltas: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();

    expect(final).toMatchObject({ status: 'completed', model: `openai/${MODEL}` });
    expect(deltas).toHaveLength(6);
    expect(final.output_text).toBe(deltas.join(''));
    expect(final.usage).toMatchObject({ input_tokens: 3, output_tokens: 6 });
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_text.delta');
    expect(types[types.length - 1]).toBe('response.completed');

    const usage = await usageOf(await onlyGeneration(account.id));
    expect(usage).toMatchObject({ endpoint: 'responses', stream: true, outcome: 'completed', inputTokens: 3, outputTokens: 6 });
    expect(await chargeProblems(account.id, 10_000_000n, cost(3, 6))).toEqual([]);
  });

  it('streams with stream: true, with the headers of every answer', async () => {
    const { account, key } = await fundedKey();
    const { data: stream, response } = await client(key)
      .responses.create({ model: MODEL, input: 'count mock:output_tokens=4', stream: true })
      .withResponse();
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-chuizi-generation-id')).toMatch(/^gen-/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.headers.get('x-ratelimit-remaining')).not.toBeNull();
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
    expect(completed?.usage).toMatchObject({ input_tokens: 2, output_tokens: 4 });
    expect(await chargeProblems(account.id, 10_000_000n, cost(2, 4))).toEqual([]);
  });

  it('settles a stream the provider cut on what was delivered, ending it with an error event and a failed response', async () => {
    const { account, key } = await fundedKey();
    const { data: stream, response } = await client(key)
      .responses.create({ model: MODEL, input: 'tell me mock:output_tokens=40 mock:drop_after=3', stream: true })
      .withResponse();
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.filter((event) => event.type === 'response.output_text.delta')).toHaveLength(3);
    const [error, failed] = events.slice(-2);
    expect(error).toMatchObject({ type: 'error', code: 'upstream_error', message: expect.stringContaining('closed the stream') });
    expect(failed).toMatchObject({
      type: 'response.failed',
      response: { status: 'failed', model: MODEL, error: { code: 'upstream_error' } },
    });
    expect(failed.sequence_number).toBe(error.sequence_number + 1);

    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({
      stream: true,
      outcome: 'upstream_dropped',
      errorType: 'upstream_error',
      usageEstimated: true,
      outputTokens: 3,
    });
    // The input the provider never reported is counted by the gateway (o200k): at least the mock's word count.
    expect(usage.inputTokens).toBeGreaterThanOrEqual(4);
    expect(usage.costMicros).toBe(cost(usage.inputTokens, 3));
    expect(await chargeProblems(account.id, 10_000_000n, usage.costMicros)).toEqual([]);
  });

  it("turns the provider's own mid-stream failure into the error event; responses.stream rejects with it", async () => {
    const { account, key } = await fundedKey();
    const stream = client(key).responses.stream({ model: MODEL, input: 'go mock:output_tokens=20 mock:fail_after=2' });
    await expect(stream.finalResponse()).rejects.toMatchObject({ type: 'error', code: 'upstream_error' });
    const usage = await usageOf(await onlyGeneration(account.id));
    expect(usage).toMatchObject({ outcome: 'upstream_dropped', outputTokens: 2, usageEstimated: true });
    expect(await chargeProblems(account.id, 10_000_000n, usage.costMicros)).toEqual([]);
  });

  it('fails over to the next channel before the first byte, billing once', async () => {
    const down = { upstreamUrl: await closedPortUrl() };
    const model = await createModel({ channels: [down, { upstreamUrl: sharedMockUrl(), priority: 1 }] });
    const { account, key } = await fundedKey();
    const { data: stream, response } = await client(key)
      .responses.create({ model: model.id, input: 'hi mock:output_tokens=5', stream: true })
      .withResponse();
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    expect(text.split(' ')).toHaveLength(5);
    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ outcome: 'completed', attempts: 2, channelId: model.channelIds[1] });
    expect(usage).toMatchObject({ inputTokens: 2, outputTokens: 5 });
    // The test model's prices: 0.40 / 1.60 USD per MTok, no markup.
    expect(usage.costMicros).toBe(BigInt(Math.ceil((2 * 400_000 + 5 * 1_600_000) / 1_000_000)));
    expect(await chargeProblems(account.id, 10_000_000n, usage.costMicros)).toEqual([]);
  });

  it("counts its requests in the proxy's metrics under protocol openai, endpoint responses", async () => {
    const { key } = await fundedKey();
    const counts = async () => {
      const samples = await scrape(proxy.url);
      const route = { protocol: 'openai', endpoint: 'responses' };
      return {
        ok: sampleValue(samples, 'gw_requests_total', { ...route, model: 'openai/gpt-4.1-mini', status: '200' }) ?? 0,
        firstBytes: sampleValue(samples, 'gw_stream_first_byte_seconds_count', route) ?? 0,
      };
    };
    const before = await counts();
    await client(key).responses.create({ model: MODEL, input: 'metrics mock:output_tokens=2' });
    await client(key).responses.stream({ model: MODEL, input: 'metrics mock:output_tokens=2' }).finalResponse();
    await waitFor(async () => {
      const after = await counts();
      return after.ok === before.ok + 2 && after.firstBytes === before.firstBytes + 1 ? after : null;
    });
  });

  describe('refusals, in the OpenAI format, charging nothing', () => {
    it('402 insufficient_quota when the balance is below the hold: no upstream call', async () => {
      const { account, key } = await fundedKey('0.01');
      const marker = nonce();
      const error = await client(key)
        .responses.create({ model: MODEL, input: `hi ${marker}`, max_output_tokens: 10_000 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(402);
      expect((error as InstanceType<typeof OpenAI.APIError>).error).toEqual({
        message: 'Insufficient balance. Current: $0.01, Required: $0.02',
        type: 'insufficient_quota',
        code: '402',
      });
      expect(await mockRequestWith(sharedMockUrl(), marker)).toBeUndefined();
      expect(await accountBooks(account.id)).toEqual({ balance: 10_000n, reserved: 0n, ledgerSum: 10_000n, openHolds: 0n });
    });

    it('404 not_found for an unknown model', async () => {
      const { account, key } = await fundedKey();
      const error = await client(key).responses.create({ model: 'gpt-does-not-exist', input: 'hi' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
        message: "The model 'gpt-does-not-exist' does not exist or is not available",
        type: 'not_found',
        code: '404',
      });
      expect((await accountBooks(account.id)).balance).toBe(10_000_000n);
    });

    it('400 for previous_response_id, saying it is not supported', async () => {
      const { account, key } = await fundedKey();
      const error = await client(key)
        .responses.create({ model: MODEL, input: 'and then?', previous_response_id: 'resp_abc' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as InstanceType<typeof OpenAI.BadRequestError>).error).toEqual({
        message:
          "Invalid value for 'previous_response_id': not supported (the gateway is stateless and stores no responses or " +
          "conversations: send the earlier turns in 'input')",
        type: 'invalid_request_error',
        code: '400',
      });
      expect(await accountBooks(account.id)).toMatchObject({ balance: 10_000_000n, reserved: 0n });
    });

    it('400 naming a feature a model of another protocol cannot honour, as on the chat route', async () => {
      const { key } = await fundedKey();
      const answer = await callGateway(`${proxy.url}/v1/responses`, { apiKey: key, body: { model: 'claude-haiku-4-5', input: 'hi', top_logprobs: 2 } });
      const chat = await callGateway(`${proxy.url}/v1/chat/completions`, {
        apiKey: key,
        body: { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 2 },
      });
      expect(answer.status).toBe(400);
      expect(chat.status).toBe(400);
      expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(/^top_logprobs cannot be translated to the Anthropic/) });
      expect(chat.body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(/^logprobs cannot be translated to the Anthropic/) });
    });

    it('GET /v1/responses/{id} is 404: no response is stored', async () => {
      const { key } = await fundedKey();
      const error = await client(key).responses.retrieve('resp_abc').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
        message: 'No such response: the gateway is stateless and stores no responses',
        type: 'not_found',
        code: '404',
      });
      const headers = { authorization: `Bearer ${key}`, 'x-request-id': 'trace-1' };
      const raw = await fetch(`${proxy.url}/v1/responses/resp_abc`, { headers });
      expect(raw.status).toBe(404);
      expect(raw.headers.get('x-chuizi-generation-id')).toMatch(/^gen-/);
      expect(raw.headers.get('x-request-id')).toBe('trace-1');
      expect(raw.headers.get('x-ratelimit-limit')).toBe('60');
    });
  });
});

/** The generation id of an account's only usage record, once written (the SDK's stream helpers hide the headers). */
async function onlyGeneration(accountId: string): Promise<string> {
  const db = await testDb();
  const record = await waitFor(() => afterSettlements(() => db.usageRecord.findFirst({ where: { accountId } })));
  return record.generationId;
}
