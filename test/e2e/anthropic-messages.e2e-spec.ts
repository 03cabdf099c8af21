import { randomBytes } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { countDeliveredTokens } from '../../libs/billing/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { useProxy } from '../support/app-process';
import { mockRequestWith } from '../support/mock-control';
import { demoCost, reservationCount, settledBooks, usageOf } from '../support/settlement';
import { accountBooks, testDb } from '../support/test-db';
import { sharedMockUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { afterSettlements } from '../support/books';
import { MODEL_PRICE_FIELDS } from '../support/model-prices';

const SONNET = 'anthropic/claude-sonnet-4-6';
// The version @anthropic-ai/sdk 1.14 sends on every request.
const SDK_ANTHROPIC_VERSION = '2026-10-21';
const nonce = () => `nonce-${randomBytes(6).toString('hex')}`;
// A 1x1 transparent PNG.
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

describe('POST /anthropic/v1/messages (@anthropic-ai/sdk, real PostgreSQL, Redis and mock upstream)', () => {
  const proxy = useProxy();

  /** `x-api-key` (apiKey) or `Authorization: Bearer` (authToken): the SDK sends one or the other. */
  const client = (key: string, via: 'apiKey' | 'authToken' = 'apiKey') =>
    new Anthropic({ [via]: key, baseURL: `${proxy.url}/anthropic`, maxRetries: 0 });

  async function fundedKey(options: Parameters<typeof createApiKey>[1] = {}) {
    const account = await createAccount({ balanceUsd: '10.00' });
    const { key } = await createApiKey(account.id, options);
    return { account, key };
  }

  describe.each(['apiKey', 'authToken'] as const)('authenticated with %s', (via) => {
    it('answers a message with the model id the client sent and charges exactly usage x price', async () => {
      const { account, key } = await fundedKey();
      const { data, response } = await client(key, via)
        .messages.create({
          model: 'claude-sonnet-4-6',
          max_tokens: 1024,
          system: 'answer briefly',
          messages: [{ role: 'user', content: 'one two three mock:output_tokens=30' }],
        })
        .withResponse();

      expect(data.type).toBe('message');
      expect(data.model).toBe('claude-sonnet-4-6');
      expect(data.content).toEqual([{ type: 'text', text: expect.any(String) }]);
      expect((data.content[0] as Anthropic.TextBlock).text.split(' ')).toHaveLength(30);
      // The mock counts words: 2 of system, 4 of the message.
      expect(data.usage).toMatchObject({ input_tokens: 6, output_tokens: 30 });

      const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
      expect(usage).toMatchObject({
        protocol: 'anthropic',
        endpoint: 'messages',
        status: 200,
        outcome: 'completed',
        inputTokens: 6,
        outputTokens: 30,
        usageEstimated: false,
      });
      expect(usage.costMicros).toBe(demoCost(SONNET, { input: 6, output: 30 }));
      const books = await settledBooks(account.id);
      expect(books.balance).toBe(10_000_000n - demoCost(SONNET, { input: 6, output: 30 }));
      expect(books.ledgerSum).toBe(books.balance);
    });

    it('streams every event of the provider and settles on message_start and message_delta usage', async () => {
      const { account, key } = await fundedKey();
      const { data: stream, response } = await client(key, via)
        .messages.create({
          model: SONNET,
          max_tokens: 1024,
          stream: true,
          messages: [{ role: 'user', content: 'stream please mock:output_tokens=12' }],
        })
        .withResponse();
      const types: string[] = [];
      let text = '';
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'message_start') {
          expect(event.message.model).toBe(SONNET);
          expect(event.message.usage.input_tokens).toBe(3);
        }
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
        if (event.type === 'message_delta') expect(event.usage.output_tokens).toBe(12);
      }
      expect(types).toEqual([
        'message_start',
        'content_block_start',
        ...Array<string>(12).fill('content_block_delta'),
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
      expect(text.split(' ')).toHaveLength(12);

      const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
      expect(usage).toMatchObject({ stream: true, outcome: 'completed', inputTokens: 3, outputTokens: 12, usageEstimated: false });
      expect(usage.costMicros).toBe(demoCost(SONNET, { input: 3, output: 12 }));
      const books = await settledBooks(account.id);
      expect(books.balance).toBe(10_000_000n - demoCost(SONNET, { input: 3, output: 12 }));
      expect(books.ledgerSum).toBe(books.balance);
    });
  });

  it('passes the raw event stream through: event names, ping, and the data as the provider wrote it', async () => {
    const { key } = await fundedKey();
    const response = await fetch(`${proxy.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: 'raw mock:output_tokens=2' }],
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-chuizi-generation-id')).toMatch(/^gen-/);
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    expect(frames.map((frame) => frame.split('\n')[0])).toEqual([
      'event: message_start',
      'event: content_block_start',
      'event: ping',
      'event: content_block_delta',
      'event: content_block_delta',
      'event: content_block_stop',
      'event: message_delta',
      'event: message_stop',
    ]);
    expect(frames[2]).toBe('event: ping\ndata: {"type":"ping"}');
    expect(frames[3]).toBe(
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"mock"}}',
    );
    expect(frames[7]).toBe('event: message_stop\ndata: {"type":"message_stop"}');
  });

  describe('tool use', () => {
    const tools: Anthropic.Tool[] = [
      {
        name: 'get_weather',
        description: 'Weather in a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ];

    it('comes back intact, non-streaming', async () => {
      const { key } = await fundedKey();
      const message = await client(key).messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 200,
        tools,
        tool_choice: { type: 'auto' },
        messages: [{ role: 'user', content: 'weather in Paris? mock:tool_call' }],
      });
      expect(message.stop_reason).toBe('tool_use');
      expect(message.content).toEqual([
        { type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'get_weather', input: { mock: true } },
      ]);
    });

    it('comes back intact through the SDK stream helper, and a tool result goes back up unchanged', async () => {
      const { key } = await fundedKey();
      const final = await client(key)
        .messages.stream({
          model: 'claude-haiku-4-5',
          max_tokens: 200,
          tools,
          messages: [{ role: 'user', content: 'weather in Oslo? mock:tool_call' }],
        })
        .finalMessage();
      expect(final.stop_reason).toBe('tool_use');
      const call = final.content[0] as Anthropic.ToolUseBlock;
      expect(call).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { mock: true } });

      const marker = nonce();
      const messages: Anthropic.MessageParam[] = [
        { role: 'user', content: 'weather in Oslo?' },
        { role: 'assistant', content: final.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: `sunny ${marker}` }] },
      ];
      const answer = await client(key).messages.create({ model: 'claude-haiku-4-5', max_tokens: 50, tools, messages });
      expect(answer.stop_reason).toBe('end_turn');
      const received = await mockRequestWith(sharedMockUrl(), marker);
      expect(received?.body.messages).toEqual(JSON.parse(JSON.stringify(messages)));
      expect(received?.body.tools).toEqual(tools);
    });
  });

  it('passes image blocks, system blocks and the protocol headers to the provider unchanged, with the channel key', async () => {
    const { key } = await fundedKey();
    const marker = nonce();
    const system: Anthropic.TextBlockParam[] = [
      { type: 'text', text: `You are terse. ${marker}`, cache_control: { type: 'ephemeral' } },
    ];
    const content: Anthropic.ContentBlockParam[] = [
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL } },
      { type: 'text', text: 'what is in this picture?' },
    ];
    const message = await client(key).beta.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      system,
      betas: ['prompt-caching-2024-07-31'],
      messages: [{ role: 'user', content }],
    });
    expect(message.model).toBe('claude-sonnet-4-6');

    const received = await mockRequestWith(sharedMockUrl(), marker);
    expect(received).toBeDefined();
    expect(received!.path).toBe('/v1/messages');
    expect(received!.body.model).toBe('claude-sonnet-4-6');
    expect(received!.body.system).toEqual(system);
    expect(received!.body.messages).toEqual([{ role: 'user', content }]);
    // Whatever version the SDK speaks is passed on as it sent it.
    expect(received!.headers['anthropic-version']).toBe(SDK_ANTHROPIC_VERSION);
    expect(received!.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    // The gateway's own credential for the channel, as x-api-key; the client's key never goes upstream.
    expect(received!.headers['x-api-key']).toBe('[redacted]');
    expect(received!.headers.authorization).toBeUndefined();
  });

  it('sends anthropic-version 2023-06-01 upstream when the client sends none, and the canonical id maps upstream', async () => {
    const { key } = await fundedKey();
    const marker = nonce();
    const response = await fetch(`${proxy.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ model: SONNET, max_tokens: 10, messages: [{ role: 'user', content: marker }] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { model: string }).model).toBe(SONNET);
    const received = await mockRequestWith(sharedMockUrl(), marker);
    expect(received!.headers['anthropic-version']).toBe('2023-06-01');
    expect(received!.body.model).toBe('claude-sonnet-4-6');
  });

  it('max_tokens: 0 (prompt-cache pre-warming) goes upstream as sent: nothing generated, only the input charged', async () => {
    const { account, key } = await fundedKey();
    const marker = nonce();
    const { data, response } = await client(key)
      .messages.create({ model: SONNET, max_tokens: 0, messages: [{ role: 'user', content: `warm the cache ${marker}` }] })
      .withResponse();
    // Not replaced by the model's maximum output, which had the provider generate (and the gateway bill) a whole answer.
    expect((await mockRequestWith(sharedMockUrl(), marker))?.body).toMatchObject({ max_tokens: 0 });
    expect(data.usage).toMatchObject({ input_tokens: 4, output_tokens: 0 });
    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ outcome: 'completed', inputTokens: 4, outputTokens: 0 });
    expect(usage.costMicros).toBe(demoCost(SONNET, { input: 4, output: 0 }));
    expect((await settledBooks(account.id)).balance).toBe(10_000_000n - demoCost(SONNET, { input: 4, output: 0 }));
  });

  it('counts tokens for free: forwarded to the provider, nothing reserved or charged', async () => {
    const { account, key } = await fundedKey();
    const marker = nonce();
    const { data, response } = await client(key)
      .messages.countTokens({
        model: 'claude-haiku-4-5',
        system: 'be kind',
        messages: [{ role: 'user', content: `how many tokens is this ${marker}` }],
      })
      .withResponse();
    expect(data).toEqual({ input_tokens: 8 });
    const received = await mockRequestWith(sharedMockUrl(), marker);
    expect(received!.path).toBe('/v1/messages/count_tokens');

    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ endpoint: 'count_tokens', status: 200, outcome: 'completed', costMicros: 0n, reservedMicros: 0n });
    expect(await accountBooks(account.id)).toEqual({ balance: 10_000_000n, reserved: 0n, ledgerSum: 10_000_000n, openHolds: 0n });
    expect(await reservationCount(account.id)).toBe(0);
  });

  describe('GET /anthropic/v1/models', () => {
    it('lists the Anthropic models the key may use, in Anthropic list shape', async () => {
      const { key } = await fundedKey({ allowedModels: ['anthropic/claude-haiku-4-5', 'openai/gpt-4.1-mini'] });
      const page = await client(key).models.list();
      expect(page.data).toEqual([
        {
          type: 'model',
          id: 'anthropic/claude-haiku-4-5',
          display_name: 'anthropic/claude-haiku-4-5',
          created_at: expect.any(String),
          ...MODEL_PRICE_FIELDS,
        },
      ]);
      const raw = await (await fetch(`${proxy.url}/anthropic/v1/models`, { headers: { 'x-api-key': key } })).json();
      expect(raw).toEqual({
        data: page.data,
        has_more: false,
        first_id: 'anthropic/claude-haiku-4-5',
        last_id: 'anthropic/claude-haiku-4-5',
      });
    });

    it('lists every enabled Anthropic model for a key without an allow-list, page by page', async () => {
      const { key } = await fundedKey();
      const ids: string[] = [];
      for await (const model of client(key).models.list({ limit: 1 })) ids.push(model.id);
      expect(ids).toEqual(expect.arrayContaining([SONNET, 'anthropic/claude-haiku-4-5', 'anthropic/claude-opus-4-6']));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.every((id) => id.startsWith('anthropic/'))).toBe(true);
    });
  });

  describe('failures after the stream started', () => {
    it('an upstream cut mid-stream surfaces as the SDK APIError and is settled on what was delivered', async () => {
      const { account, key } = await fundedKey();
      const stream = await client(key).messages.create({
        model: SONNET,
        max_tokens: 1000,
        stream: true,
        messages: [{ role: 'user', content: 'cut me mock:output_tokens=50 mock:drop_after=7' }],
      });
      let text = '';
      const error = await (async () => {
        for await (const event of stream) {
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
        }
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect((error as InstanceType<typeof Anthropic.APIError>).error).toEqual({
        type: 'error',
        error: { type: 'upstream_error', message: 'The upstream provider closed the stream before it was complete' },
      });
      expect(text.split(' ')).toHaveLength(7);

      const db = await testDb();
      const usage = await waitFor(() => afterSettlements(() => db.usageRecord.findFirst({ where: { accountId: account.id } })));
      // Input as the provider reported it in message_start; output counted from what the client received.
      expect(usage).toMatchObject({ outcome: 'upstream_dropped', errorType: 'upstream_error', usageEstimated: true, inputTokens: 4 });
      expect(usage.outputTokens).toBe(countDeliveredTokens(text));
      expect(usage.costMicros).toBe(demoCost(SONNET, { input: 4, output: countDeliveredTokens(text) }));
      const books = await settledBooks(account.id);
      expect(books.balance).toBe(10_000_000n - usage.costMicros);
      expect(books.ledgerSum).toBe(books.balance);
    });
  });
});
