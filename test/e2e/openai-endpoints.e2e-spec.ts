import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { mockRequestWith } from '../support/mock-control';
import { demoCost, settledBooks, usageOf } from '../support/settlement';
import { closeTestDb, testDb } from '../support/test-db';
import { sharedMockUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { MODEL_PRICE_FIELDS } from '../support/model-prices';

const MINI = 'openai/gpt-4.1-mini';
const EMBEDDING = 'openai/text-embedding-3-small';
const nonce = () => `nonce-${randomBytes(6).toString('hex')}`;
const PIXEL_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

describe('OpenAI protocol: embeddings, models, tools, images (openai SDK, real services)', () => {
  let proxy: AppProcess;
  let disabledModel: string;

  beforeAll(async () => {
    disabledModel = (await createModel({ upstreamUrl: sharedMockUrl(), enabled: false })).id;
    proxy = await AppProcess.start('proxy');
  });

  afterAll(async () => {
    await proxy?.stop();
    await closeTestDb();
  });

  const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${proxy.url}/v1`, maxRetries: 0 });

  async function fundedKey(options: Parameters<typeof createApiKey>[1] = {}) {
    const account = await createAccount({ balanceUsd: '10.00' });
    const { key } = await createApiKey(account.id, options);
    return { account, key };
  }

  describe('POST /v1/embeddings', () => {
    it('passes the SDK default base64 encoding through, and bills the input tokens exactly', async () => {
      const { account, key } = await fundedKey();
      const marker = nonce();
      const { data, response } = await client(key)
        .embeddings.create({ model: 'text-embedding-3-small', input: ['first text here', `second ${marker}`] })
        .withResponse();
      expect(data.model).toBe('text-embedding-3-small');
      expect(data.data).toHaveLength(2);
      // The SDK asked for base64 and decoded it back into floats.
      expect(data.data[0].embedding).toHaveLength(16);
      expect(data.data[0].embedding.every((x) => typeof x === 'number' && Number.isFinite(x))).toBe(true);
      expect(data.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
      const received = await mockRequestWith(sharedMockUrl(), marker);
      expect(received!.body).toEqual({
        model: 'text-embedding-3-small',
        input: ['first text here', `second ${marker}`],
        encoding_format: 'base64',
      });

      const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
      expect(usage).toMatchObject({ endpoint: 'embeddings', outcome: 'completed', inputTokens: 5, outputTokens: 0 });
      expect(usage.costMicros).toBe(demoCost(EMBEDDING, { input: 5, output: 0 }));
      const books = await settledBooks(account.id);
      expect(books.balance).toBe(10_000_000n - demoCost(EMBEDDING, { input: 5, output: 0 }));
      expect(books.ledgerSum).toBe(books.balance);
    });

    it('answers floats when asked, with the model id the client sent', async () => {
      const { key } = await fundedKey();
      const result = await client(key).embeddings.create({
        model: EMBEDDING,
        input: 'one',
        encoding_format: 'float',
        dimensions: 8,
      });
      expect(result.model).toBe(EMBEDDING);
      expect(result.data[0].embedding).toHaveLength(8);
    });

    it('refuses a chat model on the embeddings route, and an embedding model on the chat route', async () => {
      const { key } = await fundedKey();
      await expect(client(key).embeddings.create({ model: MINI, input: 'x' })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
      await expect(
        client(key).chat.completions.create({ model: EMBEDDING, messages: [{ role: 'user', content: 'x' }] }),
      ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    });
  });

  describe('GET /v1/models', () => {
    it('lists only the models the allow-list admits, in OpenAI list shape', async () => {
      const { key } = await fundedKey({ allowedModels: [MINI, EMBEDDING, 'anthropic/claude-haiku-4-5'] });
      const ids: string[] = [];
      for await (const model of client(key).models.list()) {
        expect(model).toEqual({ id: model.id, object: 'model', created: expect.any(Number), owned_by: 'openai', ...MODEL_PRICE_FIELDS });
        ids.push(model.id);
      }
      expect(ids.sort()).toEqual([MINI, EMBEDDING]);
      const raw = (await (await fetch(`${proxy.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json()) as object;
      expect(Object.keys(raw).sort()).toEqual(['data', 'object']);
    });

    it('lists every enabled OpenAI model under its canonical id when the allow-list is empty', async () => {
      const { key } = await fundedKey();
      const ids: string[] = [];
      for await (const model of client(key).models.list()) ids.push(model.id);
      expect(ids).toEqual(expect.arrayContaining(['openai/gpt-4.1', MINI, 'openai/gpt-4o-mini', EMBEDDING]));
      expect(ids).not.toContain(disabledModel);
      expect(ids).not.toContain('gpt-4.1-mini'); // aliases are not listed
      expect(ids.every((id) => id.startsWith('openai/'))).toBe(true);
    });

    it('lists the alias a key is allowed to use a model by', async () => {
      const { key } = await fundedKey({ allowedModels: ['gpt-4o-mini'] });
      const page = await client(key).models.list();
      expect(page.data.map((model) => model.id)).toEqual(['gpt-4o-mini']);
    });
  });

  describe('tool calling', () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather in a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];

    it('comes back intact, non-streaming, and the tool result goes back up unchanged', async () => {
      const { key } = await fundedKey();
      const completion = await client(key).chat.completions.create({
        model: 'gpt-4.1-mini',
        tools,
        tool_choice: 'auto',
        messages: [{ role: 'user', content: 'weather in Paris? mock:tool_call' }],
      });
      const message = completion.choices[0].message;
      expect(completion.choices[0].finish_reason).toBe('tool_calls');
      expect(message.tool_calls).toEqual([
        { id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"mock":true}' } },
      ]);

      const marker = nonce();
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: 'user', content: 'weather in Paris?' },
        message,
        { role: 'tool', tool_call_id: message.tool_calls![0].id, content: `sunny ${marker}` },
      ];
      await client(key).chat.completions.create({ model: 'gpt-4.1-mini', tools, messages });
      const received = await mockRequestWith(sharedMockUrl(), marker);
      expect(received!.body.messages).toEqual(JSON.parse(JSON.stringify(messages)));
      expect(received!.body.tools).toEqual(tools);
    });

    it('comes back intact through the SDK stream helper', async () => {
      const { key } = await fundedKey();
      const final = await client(key)
        .chat.completions.stream({
          model: 'gpt-4.1-mini',
          tools,
          messages: [{ role: 'user', content: 'weather in Oslo? mock:tool_call' }],
        })
        .finalChatCompletion();
      expect(final.model).toBe('gpt-4.1-mini');
      expect(final.choices[0].finish_reason).toBe('tool_calls');
      expect(final.choices[0].message.tool_calls).toEqual([
        { id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"mock":true}' } },
      ]);
    });
  });

  it('passes image parts and the system prompt to the provider unchanged, with the channel key', async () => {
    const { key } = await fundedKey();
    const marker = nonce();
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: `You describe pictures. ${marker}` },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: PIXEL_URL, detail: 'low' } },
        ],
      },
    ];
    const completion = await client(key).chat.completions.create({ model: MINI, messages, max_tokens: 20 });
    expect(completion.model).toBe(MINI);
    const received = await mockRequestWith(sharedMockUrl(), marker);
    expect(received!.body).toEqual({ model: 'gpt-4.1-mini', messages, max_tokens: 20 });
    expect(received!.headers.authorization).toBe('[redacted]');
    expect(received!.headers['x-api-key']).toBeUndefined();
  });

  it('an upstream cut mid-stream surfaces as the SDK APIError and is settled on what was delivered', async () => {
    const { account, key } = await fundedKey();
    const stream = await client(key).chat.completions.create({
      model: MINI,
      stream: true,
      messages: [{ role: 'user', content: 'cut me mock:output_tokens=50 mock:drop_after=6' }],
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toEqual({
      message: 'The upstream provider closed the stream before it was complete',
      type: 'upstream_error',
      code: '502',
    });
    // Each of the mock's words is one o200k token.
    expect(text.split(' ')).toHaveLength(6);

    const db = await testDb();
    const usage = await waitFor(() => db.usageRecord.findFirst({ where: { accountId: account.id } }));
    expect(usage).toMatchObject({ outcome: 'upstream_dropped', errorType: 'upstream_error', usageEstimated: true, outputTokens: 6 });
    // Input as counted before the call (the provider reports it only at the end of a stream).
    expect(usage.costMicros).toBe(demoCost(MINI, { input: usage.inputTokens, output: 6 }));
    const books = await settledBooks(account.id);
    expect(books.balance).toBe(10_000_000n - usage.costMicros);
    expect(books.ledgerSum).toBe(books.balance);
  });
});
