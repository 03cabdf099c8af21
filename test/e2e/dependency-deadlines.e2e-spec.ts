import { StaleReservationSweeper } from '../../libs/billing/src';
import { loadConfig } from '../../libs/config/src';
import { HoldLivenessRepository } from '../../libs/db/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { AppProcess } from '../support/app-process';
import { billingViolations } from '../support/billing-invariants';
import { nothingInFlight } from '../support/books';
import { callGateway, GatewayCall } from '../support/gateway-call';
import { closeTestDb, testDb } from '../support/test-db';
import { TcpRelay } from '../support/tcp-relay';
import { TEST_BILLING_STORE, TEST_DATABASE_URL, TEST_REDIS_URL, testEnv } from '../support/test-env';
import { waitFor } from '../support/wait-for';

/**
 * The deadlines under test, shorter than their defaults so that the margin below means something: a hung Redis used to
 * cost a fixed 2 s or more whatever was configured, a hung PostgreSQL the client's own timeout.
 */
const DB_DEADLINE_MS = 1_000;
const REDIS_DEADLINE_MS = 500;
/** What a loaded machine may add to a deadline; a call that waits on a hung link instead misses it by far. */
const MARGIN_MS = 1_200;

const chat = { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hello mock:output_tokens=3' }] };
const message = { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hello mock:output_tokens=3' }] };

function expectPrompt503(call: GatewayCall, deadlineMs: number, protocol: 'openai' | 'anthropic', message?: string): void {
  expect(call.status).toBe(503);
  expect(call.receivedAt - call.sentAt).toBeLessThan(deadlineMs + MARGIN_MS);
  const text = message ?? expect.any(String);
  expect(call.body).toEqual(
    protocol === 'openai'
      ? { error: { message: text, type: 'service_unavailable', code: '503' } }
      : { type: 'error', error: { type: 'service_unavailable', message: text } },
  );
}

async function timed(url: string): Promise<{ status: number; ms: number }> {
  const sentAt = Date.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  return { status: response.status, ms: Date.now() - sentAt };
}

describe('a hung dependency (a partition without reset) costs a request its deadline, then a 503; the proxy recovers', () => {
  const relays: TcpRelay[] = [];
  const proxies: AppProcess[] = [];

  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.stop('SIGKILL')));
    await Promise.all(relays.map((relay) => relay.cut()));
    await closeTestDb();
  });

  async function proxyBehind(relay: TcpRelay, variable: 'DATABASE_URL' | 'REDIS_URL', target: string) {
    await relay.open();
    relays.push(relay);
    const proxy = await AppProcess.start('proxy', {
      [variable]: relay.through(target),
      DEFAULT_RPM: '100000',
      DB_QUERY_TIMEOUT_MS: String(DB_DEADLINE_MS),
      REDIS_COMMAND_TIMEOUT_MS: String(REDIS_DEADLINE_MS),
    });
    proxies.push(proxy);
    return proxy;
  }

  it('PostgreSQL hangs: every request on it answers 503 within DB_QUERY_TIMEOUT_MS, in its protocol format', async () => {
    const relay = TcpRelay.to(TEST_DATABASE_URL, 5432);
    const proxy = await proxyBehind(relay, 'DATABASE_URL', TEST_DATABASE_URL);
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key } = await createApiKey(account.id);
    const post = (path: string, body: unknown, apiKey = key) => callGateway(`${proxy.url}${path}`, { apiKey, body, timeoutMs: 30_000 });
    expect((await post('/v1/chat/completions', chat)).status).toBe(200);
    expect((await post('/anthropic/v1/messages', message)).status).toBe(200);

    relay.hang();
    if (TEST_BILLING_STORE === 'wallet') {
      // A cached key on an account the wallet has loaded: nothing on the request path waits on PostgreSQL (hold and
      // settlement in Redis, the record written later by the ledger writer): served (a call waiting on the hung link
      // would have ended in the 503 below).
      expect((await post('/v1/chat/completions', chat)).status).toBe(200);
      expect(await post('/v1/chat/completions', { ...chat, stream: true })).toMatchObject({ status: 200, body: expect.stringMatching(/data: \[DONE\]\n\n$/) });
      expect((await post('/anthropic/v1/messages', message)).status).toBe(200);
    } else {
      // A cached key: the reservation is the call that hangs.
      expectPrompt503(await post('/v1/chat/completions', chat), DB_DEADLINE_MS, 'openai', 'Billing is temporarily unavailable');
      expectPrompt503(await post('/v1/chat/completions', { ...chat, stream: true }), DB_DEADLINE_MS, 'openai');
      expectPrompt503(await post('/anthropic/v1/messages', message), DB_DEADLINE_MS, 'anthropic', 'Billing is temporarily unavailable');
    }
    // A key not in memory: its lookup is the call that hangs.
    const { key: uncached } = await createApiKey(account.id);
    expectPrompt503(await post('/v1/chat/completions', chat, uncached), DB_DEADLINE_MS, 'openai');
    expectPrompt503(await post('/anthropic/v1/messages', message, uncached), DB_DEADLINE_MS, 'anthropic');
    const notReady = await timed(`${proxy.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.ms).toBeLessThan(DB_DEADLINE_MS + MARGIN_MS);
    expect((await timed(`${proxy.url}/healthz`)).status).toBe(200);

    await relay.open(); // the link comes back (what it held back is delivered)
    await waitFor(async () => (await timed(`${proxy.url}/readyz`)).status === 200, 20_000);
    await waitFor(async () => (await post('/v1/chat/completions', chat)).status === 200, 20_000);
    expect((await post('/v1/chat/completions', chat, uncached)).status).toBe(200);

    if (TEST_BILLING_STORE === 'postgres') {
      // A hold whose answer came too late may have committed once the link came back: it never beats, so the sweep
      // closes it. Made stale at once here (its heartbeat two hours old, a one-hour window) so as not to wait for it.
      const db = await testDb();
      await db.pool.query(
        `UPDATE reservations SET heartbeat_at = heartbeat_at - interval '2 hours' WHERE account_id = $1 AND status = 'open'`,
        [account.id],
      );
      await new StaleReservationSweeper(new HoldLivenessRepository(db), loadConfig(testEnv({ RESERVATION_STALE_AFTER_S: '3600' }))).sweep();
    }
    await waitFor(() => nothingInFlight(account.id));
    expect(await billingViolations(account.id)).toEqual([]);
  }, 120_000);

  it('Redis hangs: every request answers 503 within REDIS_COMMAND_TIMEOUT_MS (whatever it is set to), in its protocol format', async () => {
    const relay = TcpRelay.to(TEST_REDIS_URL, 6379);
    const proxy = await proxyBehind(relay, 'REDIS_URL', TEST_REDIS_URL);
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key } = await createApiKey(account.id);
    const post = (path: string, body: unknown) => callGateway(`${proxy.url}${path}`, { apiKey: key, body, timeoutMs: 30_000 });
    expect((await post('/v1/chat/completions', chat)).status).toBe(200);

    relay.hang();
    expectPrompt503(await post('/v1/chat/completions', chat), REDIS_DEADLINE_MS, 'openai', 'Rate limiter unavailable');
    expectPrompt503(await post('/anthropic/v1/messages', message), REDIS_DEADLINE_MS, 'anthropic', 'Rate limiter unavailable');
    const models = await callGateway(`${proxy.url}/v1/models`, { apiKey: key, method: 'GET', timeoutMs: 30_000 });
    expectPrompt503(models, REDIS_DEADLINE_MS, 'openai', 'Rate limiter unavailable');
    const notReady = await timed(`${proxy.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.ms).toBeLessThan(REDIS_DEADLINE_MS + MARGIN_MS);
    expect((await timed(`${proxy.url}/healthz`)).status).toBe(200);

    await relay.open();
    await waitFor(async () => (await post('/v1/chat/completions', chat)).status === 200, 20_000);
    expect((await timed(`${proxy.url}/readyz`)).status).toBe(200);
    await waitFor(() => nothingInFlight(account.id));
    expect(await billingViolations(account.id)).toEqual([]);
  }, 120_000);
});
