import { randomUUID } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel, type TestModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { mockRequestWith } from '../support/mock-control';
import { closeTestDb } from '../support/test-db';
import { sharedMockUrl } from '../support/test-env';
import { MODEL_PRICE_FIELDS } from '../support/model-prices';

/**
 * Valid requests of real clients pass (issue: "valid provider parameters are refused"): the gateway checks what it
 * reads and passes every other field on to the provider, at every level; the models, request-id, retry-after-ms and
 * body-limit details of the providers' own APIs hold, through the official SDKs.
 */
describe('provider parameters and protocol details through the official SDKs', () => {
  let proxy: AppProcess;
  let ownOpenAi: TestModel;
  let ownAnthropic: TestModel;

  beforeAll(async () => {
    // Models of this suite's own, known to the proxy from its start.
    [ownOpenAi, ownAnthropic] = await Promise.all([
      createModel({ upstreamUrl: sharedMockUrl() }),
      createModel({ provider: 'anthropic', upstreamUrl: sharedMockUrl() }),
    ]);
    proxy = await AppProcess.start('proxy', { BODY_LIMIT_BYTES_OPENAI: '20000', BODY_LIMIT_BYTES_ANTHROPIC: '40000' });
  });

  afterAll(async () => {
    await proxy?.stop();
    await closeTestDb();
  });

  async function newKey(options: Parameters<typeof createApiKey>[1] = {}) {
    const account = await createAccount({ balanceUsd: '10.00' });
    return (await createApiKey(account.id, options)).key;
  }

  const openai = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const anthropic = (apiKey: string) => new Anthropic({ apiKey, baseURL: `${proxy.url}/anthropic`, maxRetries: 0 });

  it('an agent echoing the assistant reply (with its annotations) into the second turn gets its answer', async () => {
    const client = openai(await newKey());
    const nonce = randomUUID();
    const history: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: `first turn ${nonce}` }];
    const first = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: history, prompt_cache_retention: '24h' });
    const reply = first.choices[0].message;
    expect(reply.annotations).toEqual([]);

    // As OpenAI returns it after a web search: the reply's citations, echoed back as they came.
    const cited = {
      ...reply,
      annotations: [{ type: 'url_citation' as const, url_citation: { url: 'https://example.com', title: 'Example', start_index: 0, end_index: 4 } }],
    };
    history.push(cited, { role: 'user', content: `second turn ${nonce}` });
    const second = await client.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: history,
      prompt_cache_retention: '24h',
      prompt_cache_key: 'conversation-1',
    });
    expect(second.choices[0].message.content).toMatch(/^mock reply/);

    // The provider got both turns' fields as the client sent them.
    const upstream = await mockRequestWith(sharedMockUrl(), `second turn ${nonce}`);
    expect(upstream?.body).toMatchObject({ prompt_cache_retention: '24h', prompt_cache_key: 'conversation-1' });
    expect(upstream?.body.messages[1]).toEqual(JSON.parse(JSON.stringify(cited)));
  });

  it('passes parameters it does not know to the provider, top level and nested, on every route', async () => {
    const key = await newKey();
    const nonce = randomUUID();
    const future = { future_parameter: { mode: 'x', levels: [1, 2] } };

    await openai(key).chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [{ role: 'user', content: [{ type: 'text', text: `chat ${nonce}`, future_part_field: true } as OpenAI.ChatCompletionContentPart] }],
      stream_options: null,
      ...future,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    await openai(key).embeddings.create({ model: 'text-embedding-3-small', input: `embed ${nonce}`, ...future } as OpenAI.EmbeddingCreateParams);
    await anthropic(key).messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: [{ type: 'text', text: `messages ${nonce}`, future_block_field: 1 } as Anthropic.TextBlockParam] }],
      ...future,
    } as Anthropic.MessageCreateParamsNonStreaming);

    const chat = await mockRequestWith(sharedMockUrl(), `chat ${nonce}`);
    expect(chat?.body).toMatchObject({ ...future, messages: [{ content: [{ future_part_field: true }] }] });
    expect((await mockRequestWith(sharedMockUrl(), `embed ${nonce}`))?.body).toMatchObject(future);
    const messages = await mockRequestWith(sharedMockUrl(), `messages ${nonce}`);
    expect(messages?.body).toMatchObject({ ...future, messages: [{ content: [{ future_block_field: 1 }] }] });
  });

  it('GET /v1/models/{model}: models.retrieve by canonical id or alias, 404 for what the key may not use', async () => {
    const client = openai(await newKey());
    const own = ownOpenAi;
    const byId = await client.models.retrieve(own.id);
    expect(byId).toEqual({ id: own.id, object: 'model', created: expect.any(Number), owned_by: 'openai', ...MODEL_PRICE_FIELDS });
    expect(await client.models.retrieve(own.alias)).toEqual({ ...byId, id: own.alias });

    // The canonical id's slash, literal.
    const literal = await fetch(`${proxy.url}/v1/models/${own.id}`, { headers: { authorization: `Bearer ${client.apiKey}` } });
    expect(await literal.json()).toEqual(byId);

    const allowOne = openai(await newKey({ allowedModels: ['gpt-4.1-mini'] }));
    expect((await allowOne.models.retrieve('gpt-4.1-mini')).id).toBe('gpt-4.1-mini');
    // A model of another provider: an OpenAI client may call it (translation), so it finds it too.
    expect(await client.models.retrieve('claude-haiku-4-5')).toMatchObject({ id: 'claude-haiku-4-5', owned_by: 'anthropic' });
    for (const [sdk, name] of [[client, 'no-such-model'], [allowOne, 'claude-haiku-4-5'], [allowOne, 'gpt-4.1'], [allowOne, 'openai/gpt-4.1-mini']] as const) {
      const error = await sdk.models.retrieve(name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
        message: `The model '${name}' does not exist or is not available`,
        type: 'not_found',
        code: '404',
      });
    }
  });

  it('GET /anthropic/v1/models/{model_id}: models.retrieve resolves an alias to the id, 404 otherwise', async () => {
    const client = anthropic(await newKey());
    const own = ownAnthropic;
    const byAlias = await client.models.retrieve(own.alias);
    expect(byAlias).toEqual({ type: 'model', id: own.id, display_name: own.id, created_at: expect.any(String), ...MODEL_PRICE_FIELDS });
    expect(await client.models.retrieve(own.id)).toEqual(byAlias);

    const allowAlias = anthropic(await newKey({ allowedModels: [own.alias] }));
    expect((await allowAlias.models.retrieve(own.alias)).id).toBe(own.alias);
    // A model of another provider: an Anthropic client may call it (translation), so it finds it too.
    expect(await client.models.retrieve('gpt-4.1-mini')).toMatchObject({ type: 'model', id: 'openai/gpt-4.1-mini' });
    for (const [sdk, name] of [[allowAlias, 'gpt-4.1-mini'], [client, 'nope'], [allowAlias, own.id]] as const) {
      const error = await sdk.models.retrieve(name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.NotFoundError);
      expect((error as InstanceType<typeof Anthropic.NotFoundError>).error).toEqual({
        type: 'error',
        error: { type: 'not_found', message: `The model '${name}' does not exist or is not available` },
      });
    }
  });

  it('every Anthropic-protocol answer carries request-id (the generation id), which the SDK shows as _request_id', async () => {
    const client = anthropic(await newKey());
    const { data, response } = await client.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    const requestId = (data as Anthropic.Message & { _request_id?: string | null })._request_id;
    expect(requestId).toMatch(/^gen-/);
    expect(requestId).toBe(response.headers.get('x-chuizi-generation-id'));

    const page = await client.models.list();
    expect(page.data.length).toBeGreaterThan(0);
    const unknownRoute = await fetch(`${proxy.url}/anthropic/v1/nothing`);
    expect(unknownRoute.headers.get('request-id')).toBe(unknownRoute.headers.get('x-chuizi-generation-id'));
    const openAiAnswer = await fetch(`${proxy.url}/v1/models`);
    expect(openAiAnswer.headers.get('request-id')).toBeNull();
  });

  it('limits bodies per protocol (BODY_LIMIT_BYTES_OPENAI, BODY_LIMIT_BYTES_ANTHROPIC), 413 in the caller format', async () => {
    const key = await newKey();
    const text = 'x'.repeat(30_000);
    const tooLarge = await openai(key)
      .chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: text }] })
      .catch((e: unknown) => e);
    expect(tooLarge).toBeInstanceOf(OpenAI.APIError);
    expect((tooLarge as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((tooLarge as InstanceType<typeof OpenAI.APIError>).error).toEqual({
      message: 'Request body is too large',
      type: 'invalid_request_error',
      code: '413',
    });

    // The same body is within the Anthropic protocol's own limit.
    const counted = await anthropic(key).messages.countTokens({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: text }] });
    expect(counted.input_tokens).toBe(1);
    const overAnthropic = await anthropic(key)
      .messages.countTokens({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: text + text }] })
      .catch((e: unknown) => e);
    expect((overAnthropic as InstanceType<typeof Anthropic.APIError>).status).toBe(413);
    expect((overAnthropic as InstanceType<typeof Anthropic.APIError>).error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'Request body is too large' },
    });
  });
});
