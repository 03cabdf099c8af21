import { randomInt } from 'node:crypto';
import { generateApiKey } from '../../libs/common/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { AppProcess } from '../support/app-process';
import { callGateway, GatewayCall } from '../support/gateway-call';
import { closeTestDb } from '../support/test-db';
import { TEST_REDIS_PREFIX } from '../support/test-env';

const LIMIT = 5;
/**
 * A fresh address of TEST-NET-3 (203.0.113.0/24 is never routed) for each test, so each has a counter of its own
 * (only this suite uses that network, and the run's Redis prefix starts empty).
 */
let lastHost = randomInt(1, 100);
const testNetAddress = () => `203.0.113.${++lastHost}`;

function expectBlocked(call: GatewayCall, protocol: 'openai' | 'anthropic' = 'openai'): void {
  expect(call.status).toBe(429);
  const seconds = call.retryAfter!;
  // The block lasts until the minute opened by the address's first failure is over.
  expect(seconds).toBeGreaterThanOrEqual(45);
  expect(seconds).toBeLessThanOrEqual(60);
  const message = `Rate limit exceeded. Retry after ${seconds} seconds.`;
  expect(call.body).toEqual(
    protocol === 'openai'
      ? { error: { message, type: 'rate_limit_error', code: '429' } }
      : { type: 'error', error: { type: 'rate_limit_error', message } },
  );
}

describe('Failed-authentication limit per client address (AUTH_FAILURE_LIMIT=5)', () => {
  afterAll(async () => {
    await closeTestDb();
  });

  describe('behind a trusted load balancer (TRUST_PROXY=127.0.0.1: the address is the X-Forwarded-For one)', () => {
    let proxy: AppProcess;

    beforeAll(async () => {
      proxy = await AppProcess.start('proxy', { AUTH_FAILURE_LIMIT: String(LIMIT), TRUST_PROXY: '127.0.0.1' });
    });

    afterAll(async () => {
      await proxy?.stop();
    });

    const from = (address: string, apiKey: string, path = '/v1/models') =>
      callGateway(`${proxy.url}${path}`, { apiKey, method: 'GET', headers: { 'x-forwarded-for': address } });

    it('answers 401 to 5 wrong keys, then 429 to anything from that address, valid keys included; others are unaffected', async () => {
      const address = testNetAddress();
      const account = await createAccount();
      const known = await createApiKey(account.id);
      const unseen = await createApiKey(account.id);
      expect((await from(address, known.key)).status).toBe(200); // cached from now on: the fast path

      for (let attempt = 1; attempt <= LIMIT; attempt++) {
        const call = await from(address, generateApiKey());
        expect(call.status).toBe(401);
        expect(call.body.error).toEqual({ message: 'Invalid API key', type: 'authentication_error', code: '401' });
      }

      const sixth = await from(address, generateApiKey());
      expectBlocked(sixth);
      expect(sixth.limit).toBeNull(); // not authenticated: no key, no key limit to report
      expectBlocked(await from(address, known.key));
      expectBlocked(await from(address, unseen.key));
      expectBlocked(await from(address, 'not-even-a-key', '/anthropic/v1/models'), 'anthropic');

      const elsewhere = await from(`198.51.100.${randomInt(1, 255)}`, unseen.key);
      expect(elsewhere.status).toBe(200);
    });

    // Every 401 counted: a client sending no key, someone else's provider key or a revoked one in a loop locked every
    // other client behind the same address out.
    it('counts only guesses (well-formed keys that exist nowhere): no key, a malformed one or a revoked, disabled or expired one never blocks', async () => {
      const address = testNetAddress();
      const account = await createAccount();
      const valid = await createApiKey(account.id);
      const realButUnusable = await Promise.all([
        createApiKey(account.id, { status: 'revoked' }),
        createApiKey(account.id, { status: 'disabled' }),
        createApiKey(account.id, { expiresAt: new Date(Date.now() - 60_000) }),
      ]);
      const notGuesses = ['', 'sk-proj-not-ours', `ck-${'x'.repeat(31)}`, ...realButUnusable.map((k) => k.key)];
      for (let round = 0; round < 2; round++) {
        for (const apiKey of notGuesses) {
          const call = await from(address, apiKey, round === 0 ? '/v1/models' : '/anthropic/v1/models');
          expect(call.status).toBe(401);
        }
      }
      expect(notGuesses.length * 2).toBeGreaterThan(LIMIT);
      expect((await from(address, valid.key)).status).toBe(200);

      // Guesses do count, and a blocked address gets 429 for a keyless request too.
      for (let attempt = 1; attempt <= LIMIT; attempt++) expect((await from(address, generateApiKey())).status).toBe(401);
      expectBlocked(await from(address, ''));
      expectBlocked(await from(address, valid.key));
    });

    it('counts concurrent guesses exactly: 20 at once from one address get 5 x 401 and 15 x 429', async () => {
      const address = testNetAddress();
      const calls = await Promise.all(Array.from({ length: 20 }, () => from(address, generateApiKey())));
      expect(calls.filter((c) => c.status === 401)).toHaveLength(LIMIT);
      const blocked = calls.filter((c) => c.status === 429);
      expect(blocked).toHaveLength(20 - LIMIT);
      for (const call of blocked) expectBlocked(call);
    });

    it('counts an IPv6 client per /64, since one host usually holds the whole prefix', async () => {
      const prefix = `2001:db8:${randomInt(1, 0xffff).toString(16)}:${randomInt(1, 0xffff).toString(16)}`;
      for (let host = 1; host <= LIMIT; host++) {
        expect((await from(`${prefix}::${host}`, generateApiKey())).status).toBe(401);
      }
      expectBlocked(await from(`${prefix}:abcd:ef01:2345:6789`, generateApiKey()));
    });
  });

  describe('not behind a trusted proxy (TRUST_PROXY unset: false)', () => {
    let proxy: AppProcess;

    beforeAll(async () => {
      // Every test client is 127.0.0.1: a Redis key space of its own keeps other suites' failures out of its count.
      proxy = await AppProcess.start('proxy', {
        AUTH_FAILURE_LIMIT: String(LIMIT),
        REDIS_KEY_PREFIX: `${TEST_REDIS_PREFIX}noxff:`,
      });
    });

    afterAll(async () => {
      await proxy?.stop();
    });

    it('ignores X-Forwarded-For, so that rotating it does not escape the limit', async () => {
      const guess = () =>
        callGateway(`${proxy.url}/v1/models`, {
          apiKey: generateApiKey(),
          method: 'GET',
          headers: { 'x-forwarded-for': testNetAddress() },
        });
      for (let attempt = 1; attempt <= LIMIT; attempt++) expect((await guess()).status).toBe(401);
      expectBlocked(await guess());
    });
  });
});
