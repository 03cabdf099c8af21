import { execFileSync } from 'node:child_process';
import Redis from 'ioredis';
import { announceCatalogChange, createModel } from '../factories/model.factory';
import { AdminApi } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { BROADCAST_ONLY_ENV, PROPAGATION_WAIT_MS } from '../support/propagation';
import { closeTestDb, testDb } from '../support/test-db';
import { TEST_REDIS_URL } from '../support/test-env';
import { waitFor } from '../support/wait-for';

/**
 * Pub/sub drops the messages of a subscriber that is disconnected. A change whose broadcast one proxy missed must still
 * reach it: once its subscriber connection is back, it drops its key records and reloads its catalog. The change is
 * written to the database without a broadcast (a lost message, deterministically), the proxies' caches would keep the
 * old state for 30 minutes (BROADCAST_ONLY_ENV), and only one proxy's subscriber is cut (CLIENT KILL ID): that one
 * follows, the other keeps its cache.
 */
describe('a change whose broadcast a proxy missed reaches it once its subscriber reconnects', () => {
  let admin: AppProcess;
  let proxies: AppProcess[];
  let api: AdminApi;
  let redis: Redis;

  beforeAll(async () => {
    [admin, ...proxies] = await AppProcess.together([
      AppProcess.start('admin'),
      AppProcess.start('proxy', BROADCAST_ONLY_ENV),
      AppProcess.start('proxy', BROADCAST_ONLY_ENV),
    ]);
    api = new AdminApi(admin.url);
    redis = new Redis(TEST_REDIS_URL);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([admin, ...proxies].map((app) => app?.stop()));
    await redis?.quit();
    await closeTestDb();
  });

  /** The Redis client id of the process's subscriber connection: its one connection in pub/sub mode. */
  async function subscriberId(app: AppProcess): Promise<string> {
    const sockets = execFileSync('ss', ['-tnpH', 'state', 'established'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(`pid=${app.pid},`))
      .map((line) => line.trim().split(/\s+/)[2]); // the local address, as Redis sees the client
    const clients = ((await redis.client('LIST')) as string).split('\n').map((line) => new Map(line.split(' ').map((pair) => pair.split('=', 2) as [string, string])));
    const subscribers = clients.filter((client) => sockets.includes(client.get('addr')!) && Number(client.get('sub')) > 0);
    expect(subscribers).toHaveLength(1);
    return subscribers[0].get('id')!;
  }

  async function cutSubscriber(app: AppProcess): Promise<void> {
    const id = await subscriberId(app);
    expect(await redis.client('KILL', 'ID', id)).toBe(1);
  }

  async function chatStatus(proxy: AppProcess, key: string, model = 'gpt-4.1-mini'): Promise<number> {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi mock:output_tokens=2' }] }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  async function inputPrice(proxy: AppProcess, key: string, model: string): Promise<string> {
    const response = await fetch(`${proxy.url}/v1/models/${model}`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { inputUsdPerMTok: string }).inputUsdPerMTok;
  }

  /** The cost of one request (5 input tokens, 40 output) as its usage record shows it. */
  async function chargedCost(proxy: AppProcess, key: string, model: string): Promise<string> {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, max_tokens: 100, messages: [{ role: 'user', content: 'one two three four mock:output_tokens=40' }] }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const generationId = response.headers.get('x-chuizi-generation-id')!;
    return waitFor(async () => {
      const record = await api.get(`/admin/v1/generations/${generationId}`);
      return record.status === 200 ? (record.body as { costUsd: string }).costUsd : null;
    });
  }

  async function newKey(): Promise<{ id: string; key: string }> {
    const account = await api.createAccount({ balanceUsd: '5.00' });
    const created = await api.post('/admin/v1/keys', { accountId: account.id, name: 'resync' });
    expect(created.status).toBe(201);
    return created.body as { id: string; key: string };
  }

  it('a key revoked meanwhile: 401 on the reconnected proxy', async () => {
    const { id, key } = await newKey();
    for (const proxy of proxies) expect(await chatStatus(proxy, key)).toBe(200); // both hold the key record

    await (await testDb()).apiKey.update({ where: { id }, data: { status: 'revoked', revokedAt: new Date() } });
    for (const proxy of proxies) expect(await chatStatus(proxy, key)).toBe(200); // the message was lost

    await cutSubscriber(proxies[0]);
    await waitFor(async () => (await chatStatus(proxies[0], key)) === 401, PROPAGATION_WAIT_MS);
    expect(await chatStatus(proxies[1], key)).toBe(200); // still its 30-minute record: the resync was the reconnect's
  });

  it('a change the admin could not broadcast (Redis refused its PUBLISH): sent again once Redis takes it, not left to the cache lifetime', async () => {
    // An admin whose Redis user may do everything but PUBLISH (its other calls, the staff failure gate, keep working),
    // then may publish again: a refusal between the commit and the broadcast, deterministically.
    const user = `gwtest-nopublish-${process.pid}-${Date.now()}`;
    await redis.call('ACL', 'SETUSER', user, 'on', 'nopass', '~*', '&*', '+@all', '-publish');
    const url = new URL(TEST_REDIS_URL);
    url.username = user;
    url.password = 'any';
    const refused = await AppProcess.start('admin', { REDIS_URL: url.toString() });
    try {
      const { id, key } = await newKey();
      for (const proxy of proxies) expect(await chatStatus(proxy, key)).toBe(200);

      const revoked = await new AdminApi(refused.url).delete(`/admin/v1/keys/${id}`);
      expect(revoked.status).toBe(204); // the change stands in PostgreSQL; its broadcast was refused
      for (const proxy of proxies) expect(await chatStatus(proxy, key)).toBe(200); // nothing told them yet

      await redis.call('ACL', 'SETUSER', user, '+publish');
      for (const proxy of proxies) await waitFor(async () => (await chatStatus(proxy, key)) === 401, PROPAGATION_WAIT_MS);
    } finally {
      await refused.stop();
      await redis.call('ACL', 'DELUSER', user);
    }
  });

  it('a price changed meanwhile: listed and charged by the reconnected proxy, which then hears broadcasts again', async () => {
    const { key } = await newKey();
    const model = await createModel({ inputUsdPerMTok: '1.00', outputUsdPerMTok: '2.00' });
    await announceCatalogChange();
    for (const proxy of proxies) await waitFor(async () => (await inputPrice(proxy, key, model.id).catch(() => null)) === '1.000000', PROPAGATION_WAIT_MS);

    await (await testDb()).model.update({ where: { id: model.id }, data: { inputMicrosPerMTok: 7_000_000n } });
    await cutSubscriber(proxies[0]);
    await waitFor(async () => (await inputPrice(proxies[0], key, model.id)) === '7.000000', PROPAGATION_WAIT_MS);
    expect(await chargedCost(proxies[0], key, model.id)).toBe('0.000115'); // 5 x 7 + 40 x 2 micro-dollars
    expect(await inputPrice(proxies[1], key, model.id)).toBe('1.000000');
    expect(await chargedCost(proxies[1], key, model.id)).toBe('0.000085'); // 5 x 1 + 40 x 2

    // The reconnected proxy is subscribed again: the next broadcast reaches it as it reaches the other.
    expect((await api.put(`/admin/v1/models/${encodeURIComponent(model.id)}`, { inputUsdPerMTok: '3.00' })).status).toBe(200);
    for (const proxy of proxies) await waitFor(async () => (await inputPrice(proxy, key, model.id)) === '3.000000', PROPAGATION_WAIT_MS);
  });
});
