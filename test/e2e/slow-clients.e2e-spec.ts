import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { callGateway } from '../support/gateway-call';
import { sampleValue, scrape } from '../support/prometheus-text';
import { SlowClient } from '../support/slow-client';
import { closeTestDb } from '../support/test-db';
import { sharedMockUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

/** Far more never-ending bodies than the instance admits at once (opened within a test's few seconds). */
const SLOW_BODIES = 1_000;
const MAX_INFLIGHT = 16;
const HEADERS_TIMEOUT_MS = 2_000;
const BODY_TIMEOUT_MS = 8_000;

const head = (headers: string[]) =>
  ['POST /v1/chat/completions HTTP/1.1', 'host: gateway', 'content-type: application/json', ...headers, '', ''].join(
    '\r\n',
  );
/** A chunked body that starts and never ends: one more 1-byte chunk at every drip. */
const chunkedHead = (headers: string[]) => head([...headers, 'transfer-encoding: chunked']) + '1\r\n{\r\n';
const ONE_MORE_CHUNK = '1\r\n \r\n';

describe('slow clients: headers and body deadlines, admission after authentication', () => {
  let proxy: AppProcess;
  let port: number;
  let key: string;
  let model: string;
  const slow: SlowClient[] = [];

  beforeAll(async () => {
    model = (await createModel({ upstreamUrl: sharedMockUrl() })).id;
    key = (await createApiKey((await createAccount({ balanceUsd: '10.00' })).id)).key;
    proxy = await AppProcess.start('proxy', {
      MAX_INFLIGHT_REQUESTS: String(MAX_INFLIGHT),
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
      DEFAULT_RPM: '100000',
    });
    port = Number(new URL(proxy.url).port);
  });

  afterAll(async () => {
    for (const client of slow) client.close();
    await proxy?.stop();
    await closeTestDb();
  });

  const metric = async (name: string) => sampleValue(await scrape(proxy.url), name) ?? 0;

  it('never-ending bodies hold no admission slot, are cut at the body deadline, and starve nobody', async () => {
    for (let i = 0; i < SLOW_BODIES; i++) {
      slow.push(await SlowClient.open(port, chunkedHead([`authorization: Bearer ${key}`]), ONE_MORE_CHUNK, 500));
    }
    // Every one of them is in the door (headers read, body awaited), none of them admitted.
    await waitFor(async () => (await metric('gw_requests_in_flight')) >= SLOW_BODIES, 20_000);
    expect(await metric('gw_requests_admitted')).toBe(0);

    const legitimate = await callGateway(`${proxy.url}/v1/chat/completions`, {
      apiKey: key,
      body: { model, messages: [{ role: 'user', content: 'still served?' }] },
    });
    expect(legitimate.status).toBe(200);
    // The slow bodies were still open while it was served: they did not simply time out first.
    expect(slow.filter((client) => client.isClosed)).toHaveLength(0);

    // Then each is cut with a 408 in the caller's format, not before the deadline (and well before Node's default 300 s).
    await Promise.all(slow.map((client) => client.closed));
    for (const client of slow) {
      expect(client.closedAt! - client.openedAt).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS + BODY_TIMEOUT_MS);
    }
    const statuses = slow.map((client) => client.statuses.join(','));
    expect(statuses.filter((status) => status !== '408')).toEqual([]);
    expect(slow[0].received).toContain('"The request was not received in time"');
    expect(await metric('gw_client_timeouts_total')).toBeGreaterThanOrEqual(SLOW_BODIES);
    // Nothing left of them (the scrape itself is the one request in flight).
    await waitFor(async () => (await metric('gw_requests_in_flight')) === 1);
  }, 120_000);

  it('refuses a body without a well-formed key at once (401, before the body), and only once', async () => {
    const credentials = [[], ['authorization: Bearer not-a-key'], ['x-api-key: ck-short']];
    const clients = await Promise.all(
      credentials.map((credential) => SlowClient.open(port, chunkedHead(credential), ONE_MORE_CHUNK, 200)),
    );
    slow.push(...clients);
    for (const client of clients) {
      await waitFor(() => client.statuses.length > 0, 5_000);
      expect(client.statuses).toEqual([401]);
      expect(client.received).toContain('"type":"authentication_error"');
      expect(client.isClosed).toBe(false);
    }
    // The bodies never end: the deadline closes the connections without a second answer.
    await Promise.all(clients.map((client) => client.closed));
    expect(clients.map((client) => client.statuses)).toEqual([[401], [401], [401]]);
  }, 60_000);

  it('cuts a client that never finishes its headers with a 408 at the headers deadline', async () => {
    const client = await SlowClient.open(port, 'POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\n', 'x-a: b\r\n', 200);
    slow.push(client);
    await client.closed;
    expect(client.statuses).toEqual([408]);
    expect(client.closedAt! - client.openedAt).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS);
    expect(client.closedAt! - client.openedAt).toBeLessThan(HEADERS_TIMEOUT_MS + BODY_TIMEOUT_MS);
  }, 30_000);
});
