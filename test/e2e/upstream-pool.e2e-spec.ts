import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { generationEntries } from '../support/billing-invariants';
import { sampleValue, scrape } from '../support/prometheus-text';
import { settledBooks, usageOf } from '../support/settlement';
import { closeTestDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';

const POOL_SIZE = 2;
const QUEUE_TIMEOUT_MS = 1_500;
const SLOW = 'mock:delay_ms=4000';

interface Answer {
  status: number;
  generationId: string;
  retryAfter: string | null;
  body: any;
}

describe('upstream pools: sized by configuration, bounded wait, shed or fail over when saturated', () => {
  let a: MockUpstream;
  let b: MockUpstream;
  let proxy: AppProcess;
  let key: string;
  let accountId: string;
  let single: string;
  let withBackup: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([startMockUpstream({ port: 0 }), startMockUpstream({ port: 0 })]);
    single = (await createModel({ channels: [{ upstreamUrl: a.url }] })).id;
    withBackup = (await createModel({ channels: [{ upstreamUrl: a.url }, { upstreamUrl: b.url, priority: 1 }] })).id;
    proxy = await AppProcess.start('proxy', {
      UPSTREAM_POOL_CONNECTIONS: String(POOL_SIZE),
      UPSTREAM_POOL_QUEUE_TIMEOUT_MS: String(QUEUE_TIMEOUT_MS),
      DEFAULT_RPM: '100000',
    });
    accountId = (await createAccount({ balanceUsd: '10.00' })).id;
    key = (await createApiKey(accountId)).key;
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([a?.close(), b?.close()]);
    await closeTestDb();
  });

  beforeEach(() => {
    a.reset();
    b.reset();
  });

  async function chat(model: string, text: string): Promise<Answer> {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: text }] }),
    });
    return {
      status: response.status,
      generationId: response.headers.get('x-chuizi-generation-id')!,
      retryAfter: response.headers.get('retry-after'),
      body: await response.json(),
    };
  }

  const origin = () => new URL(a.url).origin;
  const poolMetric = async (name: string) => sampleValue(await scrape(proxy.url), name, { origin: origin() });

  it('sheds with 503 and Retry-After once the wait for a connection exceeds its bound; nothing is charged', async () => {
    const slow = [chat(single, `first ${SLOW}`), chat(single, `second ${SLOW}`)];
    await waitFor(() => a.stats().inflight === POOL_SIZE);

    const third = chat(single, 'no connection left');
    // While it waits, the pool's saturation is on /metrics.
    await waitFor(async () => (await poolMetric('gw_upstream_pool_queued')) === 1, QUEUE_TIMEOUT_MS);
    expect(await poolMetric('gw_upstream_pool_in_use')).toBe(POOL_SIZE);
    expect(await poolMetric('gw_upstream_pool_size')).toBe(POOL_SIZE);

    const shed = await third;
    expect(shed).toMatchObject({
      status: 503,
      retryAfter: '1',
      body: { error: { type: 'service_unavailable', message: 'Every connection to the upstream provider is busy; retry later' } },
    });
    // It never reached the provider, and its hold was released in full.
    expect(a.stats().requests).toBe(POOL_SIZE);
    expect(await usageOf(shed.generationId)).toMatchObject({ status: 503, costMicros: 0n });
    const entries = await generationEntries(shed.generationId);
    expect(entries.reduce((sum, [, amount]) => sum + amount, 0n)).toBe(0n);

    expect((await Promise.all(slow)).map((answer) => answer.status)).toEqual([200, 200]);
    const samples = await scrape(proxy.url);
    expect(sampleValue(samples, 'gw_upstream_pool_wait_timeouts_total', { origin: origin() })).toBe(1);
    expect(sampleValue(samples, 'gw_shed_requests_total', { reason: 'upstream_pool' })).toBe(1);
    expect(sampleValue(samples, 'gw_upstream_pool_in_use', { origin: origin() })).toBe(0);
    // A connection is free again: served at once.
    expect((await chat(single, 'room again')).status).toBe(200);
    await settledBooks(accountId);
  });

  it('a request that waits out its bound on a saturated origin fails over to the next channel', async () => {
    const slow = [chat(withBackup, `first ${SLOW}`), chat(withBackup, `second ${SLOW}`)];
    await waitFor(() => a.stats().inflight === POOL_SIZE);
    const served = await chat(withBackup, 'to the backup');
    expect(served.status).toBe(200);
    expect(b.stats().requests).toBe(1);
    expect(a.stats().requests).toBe(POOL_SIZE);
    expect(await usageOf(served.generationId)).toMatchObject({ status: 200, attempts: 1 });
    expect((await Promise.all(slow)).map((answer) => answer.status)).toEqual([200, 200]);
  });

  it('a request waiting in line leaves it when its client goes away', async () => {
    const slow = [chat(single, `first ${SLOW}`), chat(single, `second ${SLOW}`)];
    await waitFor(() => a.stats().inflight === POOL_SIZE);
    const controller = new AbortController();
    const gone = fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: single, messages: [{ role: 'user', content: 'leaving' }] }),
      signal: controller.signal,
    }).catch(() => null);
    await waitFor(async () => (await poolMetric('gw_upstream_pool_queued')) === 1, QUEUE_TIMEOUT_MS);
    controller.abort();
    await gone;
    await waitFor(async () => (await poolMetric('gw_upstream_pool_queued')) === 0);
    expect((await Promise.all(slow)).map((answer) => answer.status)).toEqual([200, 200]);
    expect(a.stats().requests).toBe(POOL_SIZE);
    await settledBooks(accountId);
  });
});
