import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { announceCatalogChange, createModel } from '../factories/model.factory';
import { AdminApi, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { BROADCAST_ONLY_ENV, PROPAGATION_WAIT_MS } from '../support/propagation';
import { usageOf } from '../support/settlement';
import { closeTestDb, testDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';

/** Mock A accepts only this credential, so a request it answers proves the proxy sent the channel's own key. */
const SECRET_A = `sk-secret-a-${randomBytes(8).toString('hex')}`;
const SECRET_B = `sk-secret-b-${randomBytes(8).toString('hex')}`;
const DEFAULT_TIMEOUT_S = 45;

describe('admin API: upstream channels', () => {
  let a: MockUpstream;
  let b: MockUpstream;
  let admin: AppProcess;
  let proxy: AppProcess;
  let api: AdminApi;
  /** This suite acts as an admin of its own, so that it can read back everything it wrote (?staffId=). */
  let staffId: string;
  let openai: OpenAI;

  beforeAll(async () => {
    [a, b] = await Promise.all([startMockUpstream({ port: 0, apiKey: SECRET_A }), startMockUpstream({ port: 0 })]);
    // Both share the run's CHANNEL_CREDENTIALS_KEY (test-env.ts): what the admin seals, the proxy opens.
    const env = {
      ...BROADCAST_ONLY_ENV,
      UPSTREAM_TIMEOUT_S: String(DEFAULT_TIMEOUT_S),
      DEFAULT_RPM: '100000',
    };
    [admin, proxy] = await AppProcess.together([AppProcess.start('admin', env), AppProcess.start('proxy', env)]);
    const own = await new AdminApi(admin.url).createStaff('admin');
    api = new AdminApi(admin.url, own.token);
    staffId = own.id;
    const key = await createApiKey((await createAccount({ balanceUsd: '10.00' })).id);
    openai = new OpenAI({ apiKey: key.key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await Promise.all([admin?.stop(), proxy?.stop()]);
    await Promise.all([a?.close(), b?.close()]);
    await closeTestDb();
  });

  const unique = () => `ch-${randomBytes(4).toString('hex')}`;
  const modelPath = (id: string) => `/admin/v1/models/${encodeURIComponent(id)}`;

  async function createChannel(body: Record<string, unknown>) {
    const created = await api.post('/admin/v1/channels', { name: unique(), provider: 'openai', ...body });
    expect(created.status).toBe(201);
    return created.body;
  }

  /** The channel that served one request through the proxy. */
  async function servedBy(model: string): Promise<string | null> {
    const { response } = await openai.chat.completions
      .create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'which channel' }] })
      .withResponse();
    return (await usageOf(response.headers.get('x-chuizi-generation-id')!)).channelId;
  }

  it('creates a channel whose credential is sealed at rest and never shown', async () => {
    const name = unique();
    const created = await api.post('/admin/v1/channels', { name, provider: 'openai', baseUrl: `${a.url}/`, apiKey: SECRET_A });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name,
      provider: 'openai',
      baseUrl: a.url,
      enabled: true,
      hasApiKey: true,
      apiKeyHint: `…${SECRET_A.slice(-4)}`,
      apiKeyStorage: 'encrypted',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const row = await (await testDb()).channel.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row.apiKey).toMatch(/^enc:v1:/);
    expect(row.apiKey).not.toContain(SECRET_A.slice(-12));

    expect((await api.get(`/admin/v1/channels/${created.body.id}`)).body).toEqual(created.body);
    const list = await api.listAll('/admin/v1/channels');
    expect(list.find((c: { id: string }) => c.id === created.body.id)).toEqual(created.body);
    expect(JSON.stringify(list)).not.toContain(SECRET_A);
  });

  it('manages google channels (the Gemini API: its origin and an API key) and links them to google models only', async () => {
    const apiKey = `AIza${randomBytes(16).toString('hex')}`;
    const name = unique();
    const created = await api.post('/admin/v1/channels', {
      name,
      provider: 'google',
      baseUrl: 'https://generativelanguage.googleapis.com/',
      apiKey,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name,
      provider: 'google',
      baseUrl: 'https://generativelanguage.googleapis.com',
      enabled: true,
      apiKeyHint: `…${apiKey.slice(-4)}`,
      apiKeyStorage: 'encrypted',
    });
    const google = created.body;
    expect((await api.get(`/admin/v1/channels/${google.id}`)).body).toEqual(google);
    const row = await (await testDb()).channel.findUniqueOrThrow({ where: { id: google.id } });
    expect(row).toMatchObject({ provider: 'google', apiKey: expect.stringMatching(/^enc:v1:/) });
    expect(row.apiKey).not.toContain(apiKey.slice(-12));

    // Sent back unchanged, the provider is accepted; another one is not.
    expect((await api.patch(`/admin/v1/channels/${google.id}`, { provider: 'google', enabled: false })).body).toMatchObject({
      provider: 'google',
      enabled: false,
    });
    expectError(await api.patch(`/admin/v1/channels/${google.id}`, { provider: 'openai' }), 400, 'invalid_request_error', /'provider'/);
    const mock = await createChannel({ provider: 'google', baseUrl: b.url, apiKey: SECRET_B });

    const model = await createModel({ provider: 'google' });
    const linked = await api.put(`${modelPath(model.id)}/channels`, {
      channels: [{ channelId: google.id, priority: 1 }, { channelId: mock.id }],
    });
    expect(linked.status).toBe(200);
    expect(linked.body).toEqual({
      modelId: model.id,
      channels: [
        { channelId: mock.id, name: mock.name, provider: 'google', baseUrl: b.url, enabled: true, priority: 0, weight: 1, upstreamModel: null },
        {
          channelId: google.id,
          name,
          provider: 'google',
          baseUrl: 'https://generativelanguage.googleapis.com',
          enabled: false,
          priority: 1,
          weight: 1,
          upstreamModel: null,
        },
      ],
    });
    const links = await api.auditOf(`model:${model.id}`);
    expect(links[0]).toMatchObject({ action: 'model.channels', after: { channels: [{ provider: 'google' }, { provider: 'google' }] } });

    // Another provider's channel only with the model's name there: the explicit consent to cross-provider failover.
    const openaiChannel = await createChannel({ baseUrl: b.url, apiKey: SECRET_B });
    expectError(
      await api.put(`${modelPath(model.id)}/channels`, { channels: [{ channelId: mock.id }, { channelId: openaiChannel.id }] }),
      400,
      'invalid_request_error',
      /'channels.1.upstreamModel'.*is of provider openai, the model of google/,
    );
    const openaiModel = await createModel();
    expectError(
      await api.put(`${modelPath(openaiModel.id)}/channels`, { channels: [{ channelId: google.id, upstreamModel: null }] }),
      400,
      'invalid_request_error',
      /'channels.0.upstreamModel'.*is of provider google, the model of openai/,
    );
    expectError(
      await api.put(`${modelPath(openaiModel.id)}/channels`, { channels: [{ channelId: google.id, upstreamModel: ' ' }] }),
      400,
      'invalid_request_error',
      /upstreamModel/,
    );
    expect((await api.get(`${modelPath(model.id)}/channels`)).body).toEqual(linked.body);
    const crossed = await api.put(`${modelPath(openaiModel.id)}/channels`, {
      channels: [{ channelId: google.id, priority: 1, upstreamModel: 'gemini-2.5-flash' }],
    });
    expect(crossed.status).toBe(200);
    expect(crossed.body.channels).toEqual([expect.objectContaining({ channelId: google.id, provider: 'google', upstreamModel: 'gemini-2.5-flash' })]);
    expect(JSON.stringify(await api.listAll('/admin/v1/channels'))).not.toContain(apiKey);
  });

  it('links channels to a model with priorities; the proxies follow each change (by broadcast)', async () => {
    const model = await createModel();
    const channelA = await createChannel({ baseUrl: a.url, apiKey: SECRET_A });
    const channelB = await createChannel({ baseUrl: b.url, apiKey: SECRET_B });
    const linked = await api.put(`${modelPath(model.id)}/channels`, {
      channels: [
        { channelId: channelB.id, priority: 1 },
        { channelId: channelA.id, priority: 0, weight: 5 },
      ],
    });
    expect(linked.status).toBe(200);
    expect(linked.body).toEqual({
      modelId: model.id,
      channels: [
        { channelId: channelA.id, name: channelA.name, provider: 'openai', baseUrl: a.url, enabled: true, priority: 0, weight: 5, upstreamModel: null },
        { channelId: channelB.id, name: channelB.name, provider: 'openai', baseUrl: b.url, enabled: true, priority: 1, weight: 1, upstreamModel: null },
      ],
    });
    expect((await api.get(`${modelPath(model.id)}/channels`)).body).toEqual(linked.body);

    // Mock A answers only its own credential: the proxy opened the sealed one and sent it.
    await waitFor(async () => (await servedBy(model.id)) === channelA.id, PROPAGATION_WAIT_MS);
    expect(a.stats().completed).toBeGreaterThan(0);

    expect((await api.patch(`/admin/v1/channels/${channelA.id}`, { enabled: false })).body.enabled).toBe(false);
    await waitFor(async () => (await servedBy(model.id)) === channelB.id, PROPAGATION_WAIT_MS);
    await api.patch(`/admin/v1/channels/${channelA.id}`, { enabled: true });
    await waitFor(async () => (await servedBy(model.id)) === channelA.id, PROPAGATION_WAIT_MS);

    await api.put(`${modelPath(model.id)}/channels`, { channels: [{ channelId: channelB.id }] });
    await waitFor(async () => (await servedBy(model.id)) === channelB.id, PROPAGATION_WAIT_MS);
  });

  it('moves a channel to a new base URL with its credential re-sealed for it, and replaces credentials', async () => {
    const model = await createModel();
    const channel = await createChannel({ baseUrl: b.url, apiKey: SECRET_A });
    await api.put(`${modelPath(model.id)}/channels`, { channels: [{ channelId: channel.id }] });
    await waitFor(async () => (await servedBy(model.id)) === channel.id, PROPAGATION_WAIT_MS);

    const moved = await api.patch(`/admin/v1/channels/${channel.id}`, { baseUrl: a.url });
    expect(moved.body).toMatchObject({ baseUrl: a.url, apiKeyStorage: 'encrypted', apiKeyHint: `…${SECRET_A.slice(-4)}` });
    a.reset();
    await waitFor(async () => (await servedBy(model.id)) === channel.id && a.stats().completed > 0, PROPAGATION_WAIT_MS);

    const rekeyed = await api.patch(`/admin/v1/channels/${channel.id}`, { apiKey: SECRET_B, baseUrl: b.url });
    expect(rekeyed.body).toMatchObject({ baseUrl: b.url, apiKeyHint: `…${SECRET_B.slice(-4)}` });

    const entries = await api.auditOf(`channel:${channel.id}`);
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['channel.update', 'channel.update', 'channel.create']);
    expect(entries[0]).toMatchObject({
      before: { baseUrl: a.url, apiKeyHint: `…${SECRET_A.slice(-4)}` },
      after: { baseUrl: b.url, apiKeyHint: `…${SECRET_B.slice(-4)}`, apiKeyReplaced: true },
    });
    const links = await api.auditOf(`model:${model.id}`);
    expect(links[0]).toMatchObject({ action: 'model.channels', after: { channels: [{ channelId: channel.id }] } });
  });

  it('leaves out a channel whose base URL was changed behind the API: its sealed credential no longer opens', async () => {
    const model = await createModel();
    const first = await createChannel({ baseUrl: b.url, apiKey: SECRET_B });
    const second = await createChannel({ baseUrl: b.url, apiKey: SECRET_B });
    await api.put(`${modelPath(model.id)}/channels`, {
      channels: [
        { channelId: first.id, priority: 0 },
        { channelId: second.id, priority: 1 },
      ],
    });
    await waitFor(async () => (await servedBy(model.id)) === first.id, PROPAGATION_WAIT_MS);

    const db = await testDb();
    await db.channel.update({ where: { id: first.id }, data: { baseUrl: 'http://attacker.invalid' } });
    await announceCatalogChange();
    await waitFor(async () => (await servedBy(model.id)) === second.id, PROPAGATION_WAIT_MS);
    expect((await api.get(`/admin/v1/channels/${first.id}`)).body).toMatchObject({
      apiKeyStorage: 'unreadable',
      apiKeyHint: null,
    });
    expectError(
      await api.patch(`/admin/v1/channels/${first.id}`, { baseUrl: b.url }),
      409,
      'invalid_request_error',
      /send apiKey/,
    );
    expect((await api.patch(`/admin/v1/channels/${first.id}`, { baseUrl: b.url, apiKey: SECRET_B })).status).toBe(200);
    await waitFor(async () => (await servedBy(model.id)) === first.id, PROPAGATION_WAIT_MS);
  });

  it.each([
    [{ baseUrl: 'https://user:hunter2@api.example.com' }, /'baseUrl'/],
    [{ baseUrl: 'https://api.example.com/?key=hunter2' }, /'baseUrl'/],
    [{ baseUrl: 'ftp://api.example.com' }, /'baseUrl'/],
    [{ apiKey: 'sk-live\r\nx-injected: 1' }, /'apiKey'/],
    [{ apiKey: '' }, /'apiKey'/],
    [{ provider: 'gemini' }, /'provider'/],
    [{ name: 'has space' }, /'name'/],
    [{ apiKeyHint: 'x' }, /Unrecognized field 'apiKeyHint'/],
  ])('POST %j -> 400 naming the field, without echoing it', async (override, message) => {
    const body = { name: unique(), provider: 'openai', baseUrl: 'https://api.example.com', apiKey: 'sk-0123456789', ...override };
    const response = await api.post('/admin/v1/channels', body);
    expectError(response, 400, 'invalid_request_error', message);
    expect(response.body.error.message).not.toMatch(/hunter2|injected/);
  });

  it('409 for a name already used; 400 for a provider change; 404 for an unknown channel', async () => {
    const channel = await createChannel({ baseUrl: b.url, apiKey: SECRET_B });
    expectError(
      await api.post('/admin/v1/channels', { name: channel.name, provider: 'openai', baseUrl: b.url, apiKey: 'k' }),
      409,
      'invalid_request_error',
      /'name'/,
    );
    expectError(await api.patch(`/admin/v1/channels/${channel.id}`, { provider: 'anthropic' }), 400, 'invalid_request_error', /'provider'/);
    expectError(await api.get('/admin/v1/channels/00000000-0000-4000-8000-000000000000'), 404, 'not_found');
    expectError(await api.patch('/admin/v1/channels/not-a-uuid', { enabled: false }), 404, 'not_found');
  });

  it("refuses links to unknown channels, to another provider's channels without the model's name there, or twice to one channel", async () => {
    const model = await createModel();
    const openaiChannel = await createChannel({ baseUrl: b.url, apiKey: SECRET_B });
    const anthropicChannel = await createChannel({ provider: 'anthropic', baseUrl: b.url, apiKey: SECRET_B });
    const path = `${modelPath(model.id)}/channels`;
    expectError(
      await api.put(path, { channels: [{ channelId: '00000000-0000-4000-8000-000000000000' }] }),
      400,
      'invalid_request_error',
      /'channels.0.channelId': no channel/,
    );
    expectError(
      await api.put(path, { channels: [{ channelId: openaiChannel.id }, { channelId: anthropicChannel.id }] }),
      400,
      'invalid_request_error',
      /'channels.1.upstreamModel'.*anthropic/,
    );
    expectError(
      await api.put(path, { channels: [{ channelId: openaiChannel.id }, { channelId: openaiChannel.id }] }),
      400,
      'invalid_request_error',
      /listed twice/,
    );
    expectError(await api.put(path, { channels: [{ channelId: openaiChannel.id, weight: 0 }] }), 400, 'invalid_request_error', /weight/);
    expectError(await api.put(path, { channels: [{ channelId: openaiChannel.id, priority: -1 }] }), 400, 'invalid_request_error', /priority/);
    expectError(await api.put(`${modelPath('openai/no-such-model')}/channels`, { channels: [] }), 404, 'not_found');
    // Nothing changed: the model still has its one demo channel.
    expect((await api.get(path)).body.channels).toEqual([expect.objectContaining({ channelId: model.channelIds[0] })]);
  });

  it('is for admins only', async () => {
    const support = await api.createStaff('support');
    expectError(await api.as(support.token).get('/admin/v1/channels'), 403, 'permission_error');
    expectError(
      await api.as(support.token).post('/admin/v1/channels', { name: unique(), provider: 'openai', baseUrl: b.url, apiKey: 'k' }),
      403,
      'permission_error',
    );
  });

  it('shows the default timeout for a model without its own; null in PUT restores the default', async () => {
    const model = await createModel();
    const shown = async () =>
      (await api.listAll('/admin/v1/models')).find((m: { id: string }) => m.id === model.id).timeoutS;
    expect(await shown()).toBe(DEFAULT_TIMEOUT_S);
    expect((await api.put(modelPath(model.id), { timeoutS: 30 })).body.timeoutS).toBe(30);
    expect((await api.put(modelPath(model.id), { timeoutS: null })).body.timeoutS).toBe(DEFAULT_TIMEOUT_S);
    // The default sent back as it is shown keeps the model on the default.
    await api.put(modelPath(model.id), { timeoutS: DEFAULT_TIMEOUT_S });
    const db = await testDb();
    expect((await db.model.findUniqueOrThrow({ where: { id: model.id } })).timeoutS).toBeNull();
  });

  it('never logs or records a credential', async () => {
    const audit = await api.listAll(`/admin/v1/audit-log?staffId=${staffId}`);
    expect(audit.filter((e: { action: string }) => e.action === 'channel.update').length).toBeGreaterThan(0);
    const everything = JSON.stringify(audit) + admin.logs + proxy.logs;
    expect(everything).not.toContain(SECRET_A);
    expect(everything).not.toContain(SECRET_B);
    expect(everything).not.toContain('hunter2');
  });
});
