import OpenAI from 'openai';
import { createModel } from '../factories/model.factory';
import { AdminApi, AdminResponse, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { BROADCAST_ONLY_ENV, PROPAGATION_WAIT_MS } from '../support/propagation';
import { closeTestDb, testDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';

const DEMO_IDS = [
  'openai/gpt-4.1',
  'openai/gpt-4.1-mini',
  'openai/gpt-4o-mini',
  'openai/text-embedding-3-small',
  'anthropic/claude-sonnet-4-6',
  'anthropic/claude-haiku-4-5',
  'anthropic/claude-opus-4-6',
  'google/gemini-2.5-flash',
  'google/gemini-2.5-pro',
];

describe('admin API: models and prices', () => {
  let admin: AppProcess;
  let proxy: AppProcess;
  let api: AdminApi;
  let key: string;

  beforeAll(async () => {
    [admin, proxy] = await AppProcess.together([AppProcess.start('admin'), AppProcess.start('proxy', BROADCAST_ONLY_ENV)]);
    api = new AdminApi(admin.url);
    const account = await api.createAccount({ balanceUsd: '100.00' });
    key = (await api.post('/admin/v1/keys', { accountId: account.id, name: 'models e2e' })).body.key;
  });

  afterAll(async () => {
    await Promise.all([admin?.stop(), proxy?.stop()]);
    await closeTestDb();
  });

  const path = (id: string) => `/admin/v1/models/${encodeURIComponent(id)}`;

  async function allModels() {
    const models = [];
    let cursor: string | null = null;
    do {
      const page: AdminResponse = await api.get(`/admin/v1/models?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      models.push(...page.body.data);
      cursor = page.body.nextCursor;
    } while (cursor);
    return models;
  }

  /** One request through the proxy; resolves with the usage record the admin API shows for it. */
  async function chargedUsage(model: string) {
    const client = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({
        model,
        max_tokens: 100,
        messages: [{ role: 'user', content: 'one two three four mock:output_tokens=40' }],
      })
      .withResponse();
    const generationId = response.headers.get('x-chuizi-generation-id')!;
    return waitFor(async () => {
      const record = await api.get(`/admin/v1/generations/${generationId}`);
      return record.status === 200 ? record.body : null;
    });
  }

  /** The first charged request on a model just created (the proxies' catalog reload takes a few milliseconds). */
  function firstUsage(model: string) {
    return waitFor(() => chargedUsage(model).catch(() => null));
  }

  it('lists the catalog with charged and upstream prices per MTok as decimal strings, at the default markup 1.05', async () => {
    const models = await allModels();
    expect(models.map((m) => m.id)).toEqual(expect.arrayContaining(DEMO_IDS));
    expect(models.find((m) => m.id === 'openai/gpt-4.1-mini')).toEqual({
      id: 'openai/gpt-4.1-mini',
      aliases: ['gpt-4.1-mini'],
      provider: 'openai',
      inputUsdPerMTok: '0.420000',
      outputUsdPerMTok: '1.680000',
      cachedInputUsdPerMTok: '0.105000',
      // No cache-write price of its own: 1.25 x input upstream (0.50), marked up.
      cacheWriteUsdPerMTok: '0.525000',
      markup: '1.05',
      upstream: {
        inputUsdPerMTok: '0.400000',
        outputUsdPerMTok: '1.600000',
        cachedInputUsdPerMTok: '0.100000',
        cacheWriteUsdPerMTok: '0.500000',
      },
      rpmPerAccount: 0,
      maxOutputTokens: 32768,
      timeoutS: 120,
      enabled: true,
    });
    // No cache prices of its own: 0.1 x 0.02 upstream, x 1.05.
    expect(models.find((m) => m.id === 'openai/text-embedding-3-small').cachedInputUsdPerMTok).toBe('0.002100');
    expect(JSON.stringify(models)).not.toMatch(/mock-openai-key|mock-anthropic-key|apiKey|baseUrl/);
  });

  it("lists the google demo models at Google's published prices (2.5 Pro: prompts up to 200k tokens) as upstream, marked up", async () => {
    const models = await allModels();
    const gemini = (id: string) => models.find((m) => m.id === id);
    expect(gemini('google/gemini-2.5-flash')).toEqual({
      id: 'google/gemini-2.5-flash',
      aliases: ['gemini-2.5-flash'],
      provider: 'google',
      inputUsdPerMTok: '0.315000',
      outputUsdPerMTok: '2.625000',
      cachedInputUsdPerMTok: '0.031500',
      cacheWriteUsdPerMTok: '0.393750',
      markup: '1.05',
      upstream: {
        inputUsdPerMTok: '0.300000',
        outputUsdPerMTok: '2.500000',
        cachedInputUsdPerMTok: '0.030000',
        // No cache-write price of its own: 1.25 x input.
        cacheWriteUsdPerMTok: '0.375000',
      },
      rpmPerAccount: 0,
      maxOutputTokens: 65536,
      timeoutS: 120,
      enabled: true,
    });
    expect(gemini('google/gemini-2.5-pro')).toEqual({
      id: 'google/gemini-2.5-pro',
      aliases: ['gemini-2.5-pro'],
      provider: 'google',
      inputUsdPerMTok: '1.312500',
      outputUsdPerMTok: '10.500000',
      cachedInputUsdPerMTok: '0.131250',
      cacheWriteUsdPerMTok: '1.640625',
      markup: '1.05',
      upstream: {
        inputUsdPerMTok: '1.250000',
        outputUsdPerMTok: '10.000000',
        cachedInputUsdPerMTok: '0.125000',
        cacheWriteUsdPerMTok: '1.562500',
      },
      rpmPerAccount: 0,
      maxOutputTokens: 65536,
      timeoutS: 120,
      enabled: true,
    });
    expect(JSON.stringify(models)).not.toMatch(/mock-google-key/);
  });

  it('PUT changes a google model; its provider may be sent back but not changed; the audit log has both sides', async () => {
    const model = await createModel({
      provider: 'google',
      inputUsdPerMTok: '0.30',
      outputUsdPerMTok: '2.50',
      cachedInputUsdPerMTok: '0.03',
    });
    expect(model.id).toMatch(/^google\/test-/);
    const response = await api.put(path(model.id), {
      provider: 'google',
      inputUsdPerMTok: '0.35',
      cachedInputUsdPerMTok: '0.035',
      maxOutputTokens: 65536,
      aliases: [model.alias, `${model.alias}-latest`],
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: model.id,
      aliases: [model.alias, `${model.alias}-latest`],
      provider: 'google',
      // The test model's markup is 1: charged = upstream.
      inputUsdPerMTok: '0.350000',
      outputUsdPerMTok: '2.500000',
      cachedInputUsdPerMTok: '0.035000',
      cacheWriteUsdPerMTok: '0.437500',
      markup: '1',
      upstream: {
        inputUsdPerMTok: '0.350000',
        outputUsdPerMTok: '2.500000',
        cachedInputUsdPerMTok: '0.035000',
        cacheWriteUsdPerMTok: '0.437500',
      },
      rpmPerAccount: 0,
      maxOutputTokens: 65536,
      timeoutS: 120,
      enabled: true,
    });
    expectError(await api.put(path(model.id), { provider: 'openai' }), 400, 'invalid_request_error', /'provider'/);
    expectError(await api.put(path(model.id), { provider: 'gemini' }), 400, 'invalid_request_error', /'provider'/);
    expect((await allModels()).find((m) => m.id === model.id)).toEqual(response.body);
    const entries = await api.auditOf(`model:${model.id}`);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'model.update',
      before: { provider: 'google', inputUsdPerMTok: '0.300000', cachedInputUsdPerMTok: '0.030000', maxOutputTokens: 4096 },
      after: { provider: 'google', inputUsdPerMTok: '0.350000', cachedInputUsdPerMTok: '0.035000', maxOutputTokens: 65536 },
    });
  });

  it('PUT with the URL-encoded id changes the price; the running proxy charges the next request at it', async () => {
    const model = await createModel({ inputUsdPerMTok: '1.00', outputUsdPerMTok: '2.00' });
    // 5 input words and 40 output tokens: 5 x 1 + 40 x 2 micro-dollars.
    const before = await firstUsage(model.alias);
    expect(before).toMatchObject({ model: model.id, inputTokens: 5, outputTokens: 40, costUsd: '0.000085' });

    const updated = await api.put(path(model.id), { inputUsdPerMTok: '10', outputUsdPerMTok: '20.5' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: model.id, inputUsdPerMTok: '10.000000', outputUsdPerMTok: '20.500000' });

    // 5 x 10 + 40 x 20.5 = 870 micro-dollars, once the catalog reload reached the proxy (by broadcast).
    await waitFor(async () => (await chargedUsage(model.alias)).costUsd === '0.000870', PROPAGATION_WAIT_MS);
    expect((await chargedUsage(model.id)).costUsd).toBe('0.000870');
  });

  it('PUT markup and upstream prices: charged = upstream x markup rounded up, and the running proxy charges it', async () => {
    const model = await createModel({ inputUsdPerMTok: '1.00', outputUsdPerMTok: '2.00' });
    expect((await firstUsage(model.alias)).costUsd).toBe('0.000085');

    const updated = await api.put(path(model.id), {
      markup: '1.5',
      upstream: { inputUsdPerMTok: '2.000001', outputUsdPerMTok: '10', cacheWriteUsdPerMTok: '3' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      markup: '1.5',
      inputUsdPerMTok: '3.000002', // 3.0000015 rounded up
      outputUsdPerMTok: '15.000000',
      // The default: 0.1 x 2.000001 = 0.2000001, rounded up to 0.200001 upstream; x 1.5 = 0.3000015, rounded up.
      cachedInputUsdPerMTok: '0.300002',
      cacheWriteUsdPerMTok: '4.500000',
      upstream: { inputUsdPerMTok: '2.000001', outputUsdPerMTok: '10.000000', cachedInputUsdPerMTok: '0.200001', cacheWriteUsdPerMTok: '3.000000' },
    });
    // 5 x 3.000002 + 40 x 15 = 615.00001 micro-dollars -> 616, once the catalog reload reached the proxy.
    await waitFor(async () => (await chargedUsage(model.alias)).costUsd === '0.000616', PROPAGATION_WAIT_MS);

    // null goes back to PRICE_MARKUP (1.05) and to the default cache-write price.
    const defaults = await api.put(path(model.id), { markup: null, upstream: { cacheWriteUsdPerMTok: null } });
    // 1.25 x 2.000001 = 2.50000125 -> 2.500002 upstream; x 1.05 = 2.6250021 -> 2.625003.
    expect(defaults.body).toMatchObject({ markup: '1.05', inputUsdPerMTok: '2.100002', cacheWriteUsdPerMTok: '2.625003' });
    const entries = await api.auditOf(`model:${model.id}`);
    expect(entries[0]).toMatchObject({ action: 'model.update', before: { markup: '1.5' }, after: { markup: '1.05' } });
  });

  it('a new top-level price is the charged price wanted: the upstream price is set so that it charges exactly that', async () => {
    const model = await createModel({ inputUsdPerMTok: '1.00', markup: null });
    const updated = await api.put(path(model.id), { inputUsdPerMTok: '10' });
    expect(updated.body).toMatchObject({ markup: '1.05', inputUsdPerMTok: '10.000000', upstream: { inputUsdPerMTok: '9.523809' } });
    // No upstream price charges exactly 0.000001 at 1.05 (0.000001 x 1.05 rounds up to 0.000002): pinned.
    expect(await api.put(path(model.id), { inputUsdPerMTok: '0.000001' })).toMatchObject({
      status: 200,
      body: { markup: '1.05', inputUsdPerMTok: '0.000001', upstream: { inputUsdPerMTok: '0.000000' } },
    });
  });

  it('charges exactly a top-level price no upstream price reaches at 1.05 ("1.00", "22.00"): pinned, listed and billed as such', async () => {
    const model = await createModel({ inputUsdPerMTok: '0.50', outputUsdPerMTok: '2.00', markup: null });
    const updated = await api.put(path(model.id), { inputUsdPerMTok: '1.00', outputUsdPerMTok: '22.00' });
    expect(updated.status).toBe(200);
    // Upstream: the largest price whose charged price does not exceed the one asked (1.00 / 1.05 = 0.95238095...;
    // 0.952380 x 1.05 = 0.999999). The cache prices follow the upstream input price (defaults): 0.1 x 0.952380 =
    // 0.095238, x 1.05 = 0.0999999 -> 0.100000; 1.25 x 0.952380 = 1.190475, x 1.05 = 1.24999875 -> 1.249999.
    const prices = {
      inputUsdPerMTok: '1.000000',
      outputUsdPerMTok: '22.000000',
      cachedInputUsdPerMTok: '0.100000',
      cacheWriteUsdPerMTok: '1.249999',
      markup: '1.05',
      upstream: {
        inputUsdPerMTok: '0.952380',
        outputUsdPerMTok: '20.952380',
        cachedInputUsdPerMTok: '0.095238',
        cacheWriteUsdPerMTok: '1.190475',
      },
    };
    expect(updated.body).toMatchObject({ id: model.id, ...prices });
    expect((await allModels()).find((m) => m.id === model.id)).toEqual(updated.body);
    const db = await testDb();
    expect(await db.model.findUniqueOrThrow({ where: { id: model.id } })).toMatchObject({
      inputMicrosPerMTok: 952_380n,
      pinnedInputMicrosPerMTok: 1_000_000n,
      outputMicrosPerMTok: 20_952_380n,
      pinnedOutputMicrosPerMTok: 22_000_000n,
      pinnedCachedInputMicrosPerMTok: null,
      pinnedCacheWriteMicrosPerMTok: null,
    });
    // Its own answer sent back changes nothing (no audit entry either).
    expect(await api.put(path(model.id), updated.body)).toMatchObject({ status: 200, body: updated.body });
    const entries = await api.auditOf(`model:${model.id}`);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'model.update',
      before: { inputUsdPerMTok: '0.525000', outputUsdPerMTok: '2.100000', upstream: { inputUsdPerMTok: '0.500000' } },
      after: { ...prices, pinned: { inputUsdPerMTok: '1.000000', outputUsdPerMTok: '22.000000' } },
    });
    expect(entries[0].before).not.toHaveProperty('pinned');

    // The running proxy lists and charges the pinned prices (once the catalog reload reached it, by broadcast).
    const client = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const listed = () => client.models.retrieve(model.id) as unknown as Promise<Record<string, unknown>>;
    await waitFor(async () => (await listed()).outputUsdPerMTok === '22.000000', PROPAGATION_WAIT_MS);
    expect(await listed()).toMatchObject({ id: model.id, ...prices });
    // 5 input tokens x 1.00 + 40 output x 22.00 = 885 micro-dollars; upstream 5 x 0.952380 + 40 x 20.952380 =
    // 842.8571 -> 843 (at 0.999999 and 21.999999 it would be 884.999955 -> 885 too: the next price tells them apart).
    expect(await chargedUsage(model.alias)).toMatchObject({
      model: model.id,
      inputTokens: 5,
      outputTokens: 40,
      costUsd: '0.000885',
      upstreamCostUsd: '0.000843',
    });

    // 21.000001 (upstream 20.000000 charges 21.000000): 5 x 21.000001 + 40 x 22.00 = 985.000005 -> 986 micro-dollars,
    // where the upstream prices x 1.05 would charge 984.99996 -> 985. Upstream: 5 x 20 + 40 x 20.952380 = 938.0952 -> 939.
    const dearer = await api.put(path(model.id), { inputUsdPerMTok: '21.000001' });
    expect(dearer.body).toMatchObject({ inputUsdPerMTok: '21.000001', upstream: { inputUsdPerMTok: '20.000000' } });
    await waitFor(async () => (await listed()).inputUsdPerMTok === '21.000001', PROPAGATION_WAIT_MS);
    expect(await chargedUsage(model.alias)).toMatchObject({ costUsd: '0.000986', upstreamCostUsd: '0.000939' });

    // A new markup re-derives every charged price the same PUT does not set: the pins go.
    const remarked = await api.put(path(model.id), { markup: '1.2' });
    expect(remarked.body).toMatchObject({
      markup: '1.2',
      inputUsdPerMTok: '24.000000', // 20 x 1.2
      outputUsdPerMTok: '25.142856', // 20.952380 x 1.2
      upstream: { inputUsdPerMTok: '20.000000', outputUsdPerMTok: '20.952380' },
    });
    const [latest] = await api.auditOf(`model:${model.id}`);
    expect(latest.before.pinned).toEqual({ inputUsdPerMTok: '21.000001', outputUsdPerMTok: '22.000000' });
    expect(latest.after).not.toHaveProperty('pinned');
  });

  it('sets and resets the per-account limit of a model', async () => {
    const model = await createModel();
    expect((await api.put(path(model.id), { rpmPerAccount: 30 })).body.rpmPerAccount).toBe(30);
    // GET /admin/v1/models/:id (spec/policy.md) shows it, with the prices, as the list does.
    const one = await api.get(path(model.id));
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: model.id, rpmPerAccount: 30, markup: expect.any(String), upstream: expect.any(Object) });
    expect(one.body).toEqual((await api.listAll('/admin/v1/models')).find((listed) => listed.id === model.id));
    expect((await api.put(path(model.id), { rpmPerAccount: 0 })).body.rpmPerAccount).toBe(0);
    expect((await api.put(path(model.id), { rpmPerAccount: null })).body.rpmPerAccount).toBe(0); // DEFAULT_MODEL_RPM_PER_ACCOUNT
    const db = await testDb();
    expect((await db.model.findUniqueOrThrow({ where: { id: model.id } })).rpmPerAccount).toBeNull();
  });

  it('disabling a model makes the proxy answer 404 at once (by broadcast); enabling brings it back', async () => {
    const model = await createModel();
    expect((await firstUsage(model.alias)).status).toBe(200);
    expect((await api.put(path(model.id), { enabled: false })).body.enabled).toBe(false);
    const client = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const call = () =>
      client.chat.completions.create({ model: model.alias, messages: [{ role: 'user', content: 'hi' }] });
    await waitFor(async () => {
      try {
        await call();
        return false;
      } catch (error) {
        return error instanceof OpenAI.NotFoundError;
      }
    }, PROPAGATION_WAIT_MS);
    expect((await api.put(path(model.id), { enabled: true })).body.enabled).toBe(true);
    await waitFor(
      async () =>
        await call().then(
          () => true,
          () => false,
        ),
      PROPAGATION_WAIT_MS,
    );
  });

  it('changes limits, aliases and the cached price, and records before/after in the audit log', async () => {
    const model = await createModel({ inputUsdPerMTok: '1.00', outputUsdPerMTok: '2.00' });
    const newAlias = `${model.alias}-renamed`;
    const response = await api.put(path(model.id), {
      maxOutputTokens: 2048,
      timeoutS: 30,
      aliases: [newAlias],
      cachedInputUsdPerMTok: '0.25',
    });
    const upstream = { inputUsdPerMTok: '1.000000', outputUsdPerMTok: '2.000000', cachedInputUsdPerMTok: '0.250000', cacheWriteUsdPerMTok: '1.250000' };
    expect(response.body).toEqual({
      id: model.id,
      aliases: [newAlias],
      provider: 'openai',
      ...upstream,
      markup: '1',
      upstream,
      rpmPerAccount: 0,
      maxOutputTokens: 2048,
      timeoutS: 30,
      enabled: true,
    });
    // null: back to the default, 0.1 x input.
    expect((await api.put(path(model.id), { cachedInputUsdPerMTok: null })).body.cachedInputUsdPerMTok).toBe('0.100000');
    expect((await allModels()).find((m) => m.id === model.id)).toMatchObject({ aliases: [newAlias], timeoutS: 30 });

    const entries = await api.auditOf(`model:${model.id}`);
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({
      action: 'model.update',
      before: { timeoutS: 120, aliases: [model.alias], cachedInputUsdPerMTok: '0.100000' },
      after: { timeoutS: 30, aliases: [newAlias], cachedInputUsdPerMTok: '0.250000' },
    });
  });

  it('accepts its own GET answer sent back unchanged', async () => {
    const model = await createModel();
    const current = (await allModels()).find((m) => m.id === model.id);
    expect(await api.put(path(model.id), current)).toMatchObject({ status: 200, body: current });
  });

  // The top-level prices were held to the upstream bound (USD 1,000,000 / MTok), so a model charging more could not
  // have its GET answer sent back; nor could a cache-write price following its default above that bound.
  it('accepts its own GET answer sent back at the largest upstream price and markup; refuses to set prices past them', async () => {
    const model = await createModel();
    const set = await api.put(path(model.id), { markup: '100', upstream: { inputUsdPerMTok: '1000000' } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ inputUsdPerMTok: '100000000.000000', cacheWriteUsdPerMTok: '125000000.000000' });
    expect(await api.put(path(model.id), set.body)).toMatchObject({ status: 200, body: set.body });
    const tooHigh = await api.put(path(model.id), { markup: '1.05', inputUsdPerMTok: '99000000' });
    expectError(tooHigh, 400, 'invalid_request_error', /'inputUsdPerMTok': above the largest charged price at markup 1\.05/);
  });

  it.each([
    [{ inputUsdPerMTok: '-1' }, 400, /'inputUsdPerMTok'/],
    [{ inputUsdPerMTok: 0.4 }, 400, /'inputUsdPerMTok'/],
    [{ outputUsdPerMTok: '1.0000001' }, 400, /'outputUsdPerMTok'/],
    [{ outputUsdPerMTok: null }, 400, /'outputUsdPerMTok'/],
    [{ cachedInputUsdPerMTok: 'free' }, 400, /'cachedInputUsdPerMTok'/],
    [{ maxOutputTokens: -1 }, 400, /'maxOutputTokens'/],
    [{ timeoutS: 0 }, 400, /'timeoutS'/],
    [{ timeoutS: '60' }, 400, /'timeoutS'/],
    [{ enabled: 'yes' }, 400, /'enabled'/],
    [{ aliases: ['has space'] }, 400, /'aliases'/],
    [{ provider: 'anthropic' }, 400, /'provider'/],
    [{ id: 'openai/other' }, 400, /'id'/],
    [{ channels: [] }, 400, /Unrecognized field 'channels'/],
    [{ aliases: ['gpt-4.1-mini'] }, 409, /'aliases'.*openai\/gpt-4.1-mini/],
    [{ markup: '1.0000001' }, 400, /'markup'/],
    [{ markup: '-1' }, 400, /'markup'/],
    [{ markup: '101' }, 400, /'markup'/],
    [{ markup: 1.05 }, 400, /'markup'/],
    [{ upstream: { inputUsdPerMTok: '-1' } }, 400, /'upstream\.inputUsdPerMTok'/],
    [{ upstream: { outputUsdPerMTok: '1.1234567' } }, 400, /'upstream\.outputUsdPerMTok'/],
    [{ upstream: { inputUsdPerMTok: null } }, 400, /'upstream\.inputUsdPerMTok'/],
    [{ upstream: { surprise: '1' } }, 400, /Unrecognized field 'upstream\.surprise'/],
    [{ upstream: 'cheap' }, 400, /'upstream'/],
    [{ cacheWriteUsdPerMTok: 'x' }, 400, /'cacheWriteUsdPerMTok'/],
    [{ inputUsdPerMTok: '5', upstream: { inputUsdPerMTok: '1' } }, 400, /'inputUsdPerMTok': send either/],
    [{ rpmPerAccount: -1 }, 400, /'rpmPerAccount'/],
    [{ rpmPerAccount: 1.5 }, 400, /'rpmPerAccount'/],
  ])('%j -> %i naming the field', async (body, status, message) => {
    const model = await createModel();
    expectError(await api.put(path(model.id), body), status, 'invalid_request_error', message);
  });

  it('two concurrent PUTs giving one new alias to two models: one wins, the other is a 409, the alias names one model', async () => {
    for (let round = 0; round < 5; round += 1) {
      const [first, second] = [await createModel(), await createModel()];
      const alias = `${first.alias}-contested`;
      const answers = await Promise.all([first, second].map((model) => api.put(path(model.id), { aliases: [alias] })));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      expectError(answers.find((answer) => answer.status === 409)!, 409, 'invalid_request_error', /'aliases'/);
      const claimed = (await allModels()).filter((model) => model.aliases.includes(alias));
      expect(claimed).toHaveLength(1);
    }
  });

  it('404 for an unknown model id', async () => {
    expectError(await api.put(path('openai/no-such-model'), { enabled: false }), 404, 'not_found');
    expectError(await api.get(path('openai/no-such-model')), 404, 'not_found');
  });
});
