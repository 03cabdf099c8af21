import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { AppProcess } from '../support/app-process';
import { billingViolations } from '../support/billing-invariants';
import { callGateway, GatewayCall } from '../support/gateway-call';
import { closeTestDb } from '../support/test-db';
import { TcpRelay } from '../support/tcp-relay';
import { TEST_BILLING_STORE, TEST_DATABASE_URL } from '../support/test-env';
import { waitFor } from '../support/wait-for';

/** Answers well within this, or the test fails: unavailable must not mean hang. */
const PROMPT_MS = 5_000;

const chat = { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hello mock:output_tokens=3' }] };
const message = { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hello mock:output_tokens=3' }] };

function expectUnavailable(call: GatewayCall, protocol: 'openai' | 'anthropic'): void {
  expect(call.status).toBe(503);
  expect(call.receivedAt - call.sentAt).toBeLessThan(PROMPT_MS);
  if (protocol === 'openai') {
    expect(call.body).toEqual({ error: { message: expect.any(String), type: 'service_unavailable', code: '503' } });
  } else {
    expect(call.body).toEqual({ type: 'error', error: { type: 'service_unavailable', message: expect.any(String) } });
  }
}

async function readiness(proxy: AppProcess): Promise<{ status: number; body: any; ms: number }> {
  const sentAt = Date.now();
  const response = await fetch(`${proxy.url}/readyz`, { signal: AbortSignal.timeout(PROMPT_MS) });
  return { status: response.status, body: await response.json(), ms: Date.now() - sentAt };
}

describe('PostgreSQL unreachable: the proxy is not ready, answers a prompt 503 in the protocol format, and recovers', () => {
  afterAll(async () => {
    await closeTestDb();
  });

  it('while its connection to PostgreSQL is cut, and again once it is back', async () => {
    const relay = TcpRelay.to(TEST_DATABASE_URL, 5432);
    await relay.open();
    const proxy = await AppProcess.start('proxy', { DATABASE_URL: relay.through(TEST_DATABASE_URL), DEFAULT_RPM: '100000' });
    try {
      const account = await createAccount({ balanceUsd: '1.00' });
      const { key } = await createApiKey(account.id);
      const post = (path: string, body: unknown, apiKey = key) =>
        callGateway(`${proxy.url}${path}`, { apiKey, body, timeoutMs: PROMPT_MS * 2 });
      expect((await post('/v1/chat/completions', chat)).status).toBe(200);
      expect((await post('/anthropic/v1/messages', message)).status).toBe(200);
      expect(await readiness(proxy)).toMatchObject({ status: 200, body: { status: 'ready', postgres: true, redis: true } });

      await relay.cut();
      const notReady = await readiness(proxy);
      expect(notReady).toMatchObject({ status: 503, body: { status: 'unavailable', postgres: false, redis: true } });
      expect(notReady.ms).toBeLessThan(PROMPT_MS);
      // A cached key on an account already in use: on PostgreSQL the reservation is the call that fails; on the wallet
      // PostgreSQL is off the request path (hold and settlement in Redis, the record written by the ledger writer
      // later), so the request is served.
      if (TEST_BILLING_STORE === 'wallet') {
        expect((await post('/v1/chat/completions', chat)).status).toBe(200);
        expect(await post('/v1/chat/completions', { ...chat, stream: true })).toMatchObject({ status: 200, body: expect.stringMatching(/data: \[DONE\]\n\n$/) });
        expect((await post('/anthropic/v1/messages', message)).status).toBe(200);
      } else {
        expectUnavailable(await post('/v1/chat/completions', chat), 'openai');
        expectUnavailable(await post('/v1/chat/completions', { ...chat, stream: true }), 'openai');
        expectUnavailable(await post('/anthropic/v1/messages', message), 'anthropic');
      }
      const { key: uncached } = await createApiKey(account.id); // its lookup needs the database
      expectUnavailable(await post('/v1/chat/completions', chat, uncached), 'openai');
      expectUnavailable(await post('/anthropic/v1/messages', message, uncached), 'anthropic');
      expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200); // alive: do not restart it

      await relay.open();
      await waitFor(async () => (await readiness(proxy)).status === 200, 15_000);
      expect((await post('/v1/chat/completions', chat)).status).toBe(200);
      expect((await post('/v1/chat/completions', chat, uncached)).status).toBe(200);
      expect(await billingViolations(account.id)).toEqual([]);
    } finally {
      await proxy.stop();
      await relay.cut();
    }
  }, 90_000);
});
