import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { generateApiKey, newGenerationId } from '../../libs/common/src';
import { BillingLedgerRepository } from '../../libs/db/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AdminApi } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { callGateway } from '../support/gateway-call';
import { Sample, scrape, sampleValue } from '../support/prometheus-text';
import { usageOf } from '../support/settlement';
import { closeTestDb, testDb } from '../support/test-db';
import { TEST_BILLING_STORE, TEST_REDIS_PREFIX } from '../support/test-env';
import { waitFor } from '../support/wait-for';

describe('GET /metrics (Prometheus) on every app', () => {
  let mock: MockUpstream;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
    await mock?.close();
    await closeTestDb();
  });

  it('proxy: requests by protocol, model and status, latency split into upstream and overhead, upstream attempts per channel, throttling, settlements', async () => {
    const model = await createModel({ provider: 'openai', upstreamUrl: mock.url });
    const channel = (await (await testDb()).channel.findUniqueOrThrow({ where: { id: model.channelIds[0] } })).name;
    // Failed authentications count per client address across the whole test run: this test's come from an address of
    // its own (a documentation prefix, through X-Forwarded-For), so that only its own failures count.
    const proxy = await AppProcess.start('proxy', { AUTH_FAILURE_LIMIT: '2', TRUST_PROXY: 'true' });
    const clientAddress = { 'x-forwarded-for': `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::1` };
    apps.push(proxy);
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key } = await createApiKey(account.id, { rpmLimit: 3 });
    // Every request of this test comes from its own address: 127.0.0.1 may already be over the limit of 2.
    const openai = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0, defaultHeaders: clientAddress });
    const messages = [{ role: 'user' as const, content: 'hi mock:output_tokens=4' }];

    const { response } = await openai.chat.completions.create({ model: model.id, messages }).withResponse();
    const stream = await openai.chat.completions.create({ model: model.id, messages, stream: true });
    for await (const _chunk of stream) void _chunk;
    const failed = await callGateway(`${proxy.url}/v1/chat/completions`, {
      apiKey: key,
      body: { model: model.id, messages: [{ role: 'user', content: 'mock:status=500' }] },
      headers: clientAddress,
    });
    expect(failed.status).toBe(502);
    const throttled = await callGateway(`${proxy.url}/v1/chat/completions`, {
      apiKey: key,
      body: { model: model.id, messages },
      headers: clientAddress,
    });
    expect(throttled.status).toBe(429);
    const unknownModel = `unknown-${randomBytes(4).toString('hex')}`;
    const { key: other } = await createApiKey(account.id);
    const notFound = await callGateway(`${proxy.url}/v1/chat/completions`, {
      apiKey: other,
      body: { model: unknownModel, messages },
      headers: clientAddress,
    });
    expect(notFound.status).toBe(404);
    // Two bad keys reach the address's failure limit; the third attempt is refused with 429 (auth_failure).
    const badKey = () => callGateway(`${proxy.url}/v1/models`, { apiKey: generateApiKey(), method: 'GET', headers: clientAddress });
    for (let i = 0; i < 2; i++) expect((await badKey()).status).toBe(401);
    expect((await badKey()).status).toBe(429);
    await usageOf(response.headers.get('x-chuizi-generation-id')!);

    // The money metrics of the store the proxy runs on: the PostgreSQL store counts reservations and settlements
    // (a release: a settlement of nothing), the wallet its holds and settlements in Redis (a release: a settlement of 0).
    const money =
      TEST_BILLING_STORE === 'wallet'
        ? {
            closed: (scraped: Sample[]) =>
              sampleValue(scraped, 'gw_wallet_settlements_total', { outcome: 'settled' }) ?? 0,
            expected: [
              ['gw_wallet_holds_total', { result: 'held' }, 3],
              ['gw_wallet_settlements_total', { outcome: 'settled' }, 3],
              ['gw_wallet_open_holds', {}, 0],
              ['gw_wallet_pending_settlements', {}, 0],
            ] as const,
          }
        : {
            closed: (scraped: Sample[]) =>
              (sampleValue(scraped, 'gw_settlements_total', { outcome: 'settled' }) ?? 0) +
              (sampleValue(scraped, 'gw_settlements_total', { outcome: 'released' }) ?? 0),
            expected: [
              ['gw_reservations_total', { result: 'accepted' }, 3],
              ['gw_settlements_total', { outcome: 'settled' }, 2],
              ['gw_settlements_total', { outcome: 'released' }, 1],
              ['gw_billing_in_flight_holds', {}, 0],
            ] as const,
          };
    // Settlements are written just after the responses: wait until the three are counted.
    const samples = await waitFor(async () => {
      const scraped = await scrape(proxy.url);
      return money.closed(scraped) >= 3 ? scraped : null;
    });
    const requests = (labels: Record<string, string>) => sampleValue(samples, 'gw_requests_total', { app: 'proxy', ...labels });
    expect(requests({ protocol: 'openai', endpoint: 'chat.completions', model: model.id, status: '200' })).toBe(2);
    expect(requests({ protocol: 'openai', endpoint: 'chat.completions', model: model.id, status: '502' })).toBe(1);
    expect(requests({ protocol: 'openai', endpoint: 'chat.completions', model: 'none', status: '404' })).toBe(1);
    expect(requests({ protocol: 'openai', endpoint: 'models', model: 'none', status: '401' })).toBe(2);
    // The model label only ever holds catalog ids: what a client made up is not a label value.
    expect(samples.some((sample) => Object.values(sample.labels).includes(unknownModel))).toBe(false);

    const count = (name: string, labels: Record<string, string>) => sampleValue(samples, `${name}_count`, labels);
    expect(count('gw_request_duration_seconds', { endpoint: 'chat.completions', stream: 'false' })).toBe(4);
    expect(count('gw_request_upstream_seconds', { endpoint: 'chat.completions', stream: 'false' })).toBe(2);
    expect(count('gw_request_overhead_seconds', { endpoint: 'chat.completions', stream: 'false' })).toBe(2);
    expect(count('gw_request_overhead_seconds', { endpoint: 'chat.completions', stream: 'true' })).toBe(1);
    expect(count('gw_stream_first_byte_seconds', { endpoint: 'chat.completions' })).toBe(1);
    expect(count('gw_stream_first_byte_overhead_seconds', { endpoint: 'chat.completions' })).toBe(1);
    // Overhead is a part of the total.
    const sum = (name: string) => sampleValue(samples, `${name}_sum`, { endpoint: 'chat.completions', stream: 'false' })!;
    expect(sum('gw_request_overhead_seconds')).toBeLessThan(sum('gw_request_duration_seconds'));

    expect(sampleValue(samples, 'gw_upstream_attempts_total', { channel })).toBe(3);
    expect(sampleValue(samples, 'gw_upstream_failures_total', { channel, reason: 'http_500' })).toBe(1);
    expect(sampleValue(samples, 'gw_throttled_requests_total', { protocol: 'openai', reason: 'rpm' })).toBe(1);
    expect(sampleValue(samples, 'gw_throttled_requests_total', { protocol: 'openai', reason: 'auth_failure' })).toBe(1);
    for (const [name, labels, value] of money.expected) expect([name, labels, sampleValue(samples, name, labels)]).toEqual([name, labels, value]);
    expect(sampleValue(samples, 'gw_draining')).toBe(0);
    expect(sampleValue(samples, 'process_cpu_user_seconds_total', { app: 'proxy' })).toBeGreaterThan(0);
    // Nothing secret is ever a label.
    expect(JSON.stringify(samples)).not.toContain(key);
  }, 60_000);

  it('worker: queue depths and deployment-wide open reservations read on scrape, job outcomes', async () => {
    // An open hold ten minutes old whose request still runs as far as any sweep of the run can tell (its heartbeat is
    // ahead): the gauges must see it.
    const db = await testDb();
    const account = await createAccount({ balanceUsd: '1.00' });
    const { id: keyId } = await createApiKey(account.id);
    const generationId = newGenerationId();
    const ledger = new BillingLedgerRepository(db);
    await ledger.reserve(account.id, [{ generationId, keyId, modelId: 'openai/gpt-4.1-mini', amountMicros: 50_000n }], 'e2e');
    await db.pool.query(
      `UPDATE reservations SET created_at = now() - interval '10 minutes', heartbeat_at = now() + interval '10 minutes'
        WHERE generation_id = $1`,
      [generationId],
    );

    // Its own queue: it must not run jobs other suites enqueue (nor they its).
    const worker = await AppProcess.start('worker', { RESERVATION_SWEEP_EVERY_S: '1', REDIS_KEY_PREFIX: `${TEST_REDIS_PREFIX}mt:` });
    apps.push(worker);
    const samples = await waitFor(async () => {
      const scraped = await scrape(worker.url);
      return (sampleValue(scraped, 'gw_jobs_total', { name: 'sweep-stale-reservations', outcome: 'completed' }) ?? 0) > 0
        ? scraped
        : null;
    }, 20_000);
    expect(sampleValue(samples, 'gw_open_reservations')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'gw_open_reservations_usd')).toBeGreaterThanOrEqual(0.05);
    expect(sampleValue(samples, 'gw_open_reservation_oldest_age_seconds')).toBeGreaterThanOrEqual(590);
    for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) {
      expect(sampleValue(samples, 'gw_queue_jobs', { state })).toBeGreaterThanOrEqual(0);
    }
    expect(sampleValue(samples, 'gw_job_duration_seconds_count', { name: 'sweep-stale-reservations' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'gw_scrape_errors_total', { source: 'reservations' })).toBeUndefined();

    await ledger.close(account.id, [{ generationId, costMicros: 0n, closedBy: 'release', usage: null }]);
  }, 60_000);

  it('admin: requests by route template; METRICS_TOKEN, when set, is required', async () => {
    const token = `metrics-${randomBytes(12).toString('hex')}`;
    const admin = await AppProcess.start('admin', { METRICS_TOKEN: token });
    apps.push(admin);
    const api = new AdminApi(admin.url);
    const account = await api.createAccount({ name: 'metrics' });
    expect((await api.get(`/admin/v1/accounts/${account.id}`)).status).toBe(200);

    expect((await fetch(`${admin.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${admin.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
    const samples = await scrape(admin.url, token);
    expect(sampleValue(samples, 'gw_http_requests_total', { route: '/admin/v1/accounts/:id', method: 'GET', status: '200' })).toBe(1);
    expect(sampleValue(samples, 'gw_http_requests_total', { route: '/admin/v1/accounts', method: 'POST', status: '201' })).toBe(1);
    expect(samples.some((sample) => Object.values(sample.labels).includes(account.id))).toBe(false);
  }, 60_000);
});
