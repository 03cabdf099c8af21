import { AddressInfo, createServer, connect, Server, Socket } from 'node:net';
import Redis from 'ioredis';
import { generateApiKey } from '../../libs/common/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { AppProcess } from '../support/app-process';
import { callGateway, GatewayCall } from '../support/gateway-call';
import { closeTestDb, testDb } from '../support/test-db';
import { suiteRedisPrefix, TEST_REDIS_URL } from '../support/test-env';
import { waitFor } from '../support/wait-for';

/** Answers well within this, or the test fails: fail closed must not mean hang. */
const PROMPT_MS = 5_000;

/** A TCP relay to the test Redis that the test can cut and restore, as a network failure would. */
class RedisLink {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async open(): Promise<void> {
    const target = new URL(TEST_REDIS_URL);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/** The admin app's PUT /admin/v1/keys/:id/rpm-limit in two steps: the row, then the invalidation every proxy hears. */
async function setRpmLimitAsTheAdminDoes(keyId: string, rpm: number): Promise<void> {
  await (await testDb()).apiKey.update({ where: { id: keyId }, data: { rpmLimit: rpm } });
  const redis = new Redis(TEST_REDIS_URL);
  try {
    // The channel of the proxies this suite starts (their key prefix: the suite's own on the wallet).
    await redis.publish(`${suiteRedisPrefix()}invalidate`, JSON.stringify({ topic: 'api-key', id: keyId }));
  } finally {
    await redis.quit();
  }
}

function expectUnavailable(call: GatewayCall, protocol: 'openai' | 'anthropic' = 'openai'): void {
  expect(call.status).toBe(503);
  expect(call.receivedAt - call.sentAt).toBeLessThan(PROMPT_MS);
  expect(call.body).toEqual(
    protocol === 'openai'
      ? { error: { message: 'Rate limiter unavailable', type: 'service_unavailable', code: '503' } }
      : { type: 'error', error: { type: 'service_unavailable', message: 'Rate limiter unavailable' } },
  );
}

describe('Redis unreachable: the proxy fails closed with 503, never meters per process, and recovers', () => {
  afterAll(async () => {
    await closeTestDb();
  });

  const get = (proxy: AppProcess, apiKey: string, path = '/v1/models') =>
    callGateway(`${proxy.url}${path}`, { apiKey, method: 'GET', timeoutMs: PROMPT_MS });

  it('answers 503 in the protocol format while Redis is cut, and serves again once it is back', async () => {
    const link = new RedisLink();
    await link.open();
    const proxy = await AppProcess.start('proxy', { REDIS_URL: `redis://127.0.0.1:${link.port}` });
    try {
      const account = await createAccount();
      const { key } = await createApiKey(account.id);
      const before = await get(proxy, key);
      expect([before.status, before.limit]).toEqual([200, 60]);

      await link.cut();
      expectUnavailable(await get(proxy, key)); // cached key: the RPM guard's script fails
      expectUnavailable(await get(proxy, key, '/anthropic/v1/models'), 'anthropic');
      expectUnavailable(await get(proxy, generateApiKey())); // a failure that cannot be counted is not answered
      expect((await fetch(`${proxy.url}/readyz`)).status).toBe(503);

      await link.open();
      const after = await waitFor(async () => {
        const call = await get(proxy, key);
        return call.status === 200 ? call : null;
      });
      expect(after.remaining).toBe(58); // the same Redis window as before the cut: nothing was counted elsewhere
    } finally {
      await proxy.stop();
      await link.cut();
    }
  });

  it('starts without Redis, answers 503 at once rather than hanging, and once Redis is up takes overrides again', async () => {
    const link = new RedisLink();
    await link.open();
    await link.cut(); // a port where nothing listens
    const proxy = await AppProcess.start('proxy', { REDIS_URL: `redis://127.0.0.1:${link.port}` });
    try {
      const account = await createAccount();
      const { id, key } = await createApiKey(account.id);
      expectUnavailable(await get(proxy, key));
      expectUnavailable(await get(proxy, key));
      expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${proxy.url}/readyz`)).status).toBe(503);

      await link.open();
      await waitFor(async () => (await get(proxy, key)).status === 200);
      expect((await fetch(`${proxy.url}/readyz`)).status).toBe(200);
      // The invalidation channel, whose first SUBSCRIBE failed at boot, is subscribed now: an override arrives.
      await setRpmLimitAsTheAdminDoes(id, 7);
      const changedAt = Date.now();
      await waitFor(async () => (await get(proxy, key)).limit === 7, 1_000);
      expect(Date.now() - changedAt).toBeLessThanOrEqual(1_000);
    } finally {
      await proxy.stop();
      await link.cut();
    }
  });
});
