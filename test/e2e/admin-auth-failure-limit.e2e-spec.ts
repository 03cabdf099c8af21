import { randomInt } from 'node:crypto';
import { AdminApi, AdminResponse, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { closeTestDb } from '../support/test-db';
import { TEST_ADMIN_TOKEN, TEST_REDIS_PREFIX } from '../support/test-env';

const LIMIT = 5;
/**
 * A fresh address of the benchmarking network (198.18.0.0/15, never routed) for each test, so that each has a counter
 * of its own (the apps of this suite count in Redis key spaces of their own, too).
 */
const freshAddress = () => `198.18.${randomInt(0, 256)}.${randomInt(1, 255)}`;
const wrongToken = () => `cs-${'x'.repeat(30)}${randomInt(1e9)}`;

function expectBlocked(response: { status: number; headers: Headers; body: unknown }): void {
  expect(response.status).toBe(429);
  const seconds = Number(response.headers.get('retry-after'));
  // The block lasts until the minute opened by the address's first failure is over.
  expect(seconds).toBeGreaterThanOrEqual(45);
  expect(seconds).toBeLessThanOrEqual(60);
  expect(response.body).toEqual({
    error: { message: `Rate limit exceeded. Retry after ${seconds} seconds.`, type: 'rate_limit_error', code: '429' },
  });
}

describe('admin API: failed staff authentications are limited per client address (AUTH_FAILURE_LIMIT=5)', () => {
  afterAll(async () => {
    await closeTestDb();
  });

  describe('behind a trusted load balancer (TRUST_PROXY=127.0.0.1), docs for staff only', () => {
    let admin: AppProcess;
    let staffToken: string;

    beforeAll(async () => {
      // A Redis key space of its own: requests without X-Forwarded-For (the staff member created below) count as
      // 127.0.0.1, the address every other suite's wrong tokens count against too.
      admin = await AppProcess.start('admin', {
        AUTH_FAILURE_LIMIT: String(LIMIT),
        TRUST_PROXY: '127.0.0.1',
        ADMIN_DOCS_ACCESS: 'staff',
        REDIS_KEY_PREFIX: `${TEST_REDIS_PREFIX}staffxff:`,
      });
      staffToken = (await new AdminApi(admin.url).createStaff('support')).token;
    });

    afterAll(async () => {
      await admin?.stop();
    });

    /** The API as seen from `address`, with `token` (null: no Authorization header). */
    const from = (address: string, token: string | null) => ({
      get: (path: string): Promise<AdminResponse> =>
        new AdminApi(admin.url, token).request('GET', path, { headers: { 'x-forwarded-for': address } }),
    });

    it('answers 401 to 5 wrong tokens, then 429 to anything from that address, valid tokens included', async () => {
      const address = freshAddress();
      for (let attempt = 1; attempt <= LIMIT; attempt++) {
        expectError(await from(address, wrongToken()).get('/admin/v1/accounts'), 401, 'authentication_error');
      }
      const sixth = await from(address, wrongToken()).get('/admin/v1/accounts');
      expectBlocked(sixth);
      // A blocked guesser learns nothing: the right token gets the same answer as a wrong one.
      expectBlocked(await from(address, TEST_ADMIN_TOKEN).get('/admin/v1/accounts'));
      expectBlocked(await from(address, staffToken).get('/admin/v1/keys'));
      expectBlocked(await from(address, null).get('/admin/v1/accounts'));

      expect((await from(freshAddress(), TEST_ADMIN_TOKEN).get('/admin/v1/accounts')).status).toBe(200);
      // Health probes carry no credential and are never refused.
      expect((await from(address, null).get('/healthz')).status).toBe(200);
    });

    it('counts concurrent guesses exactly: 20 at once from one address get 5 x 401 and 15 x 429', async () => {
      const address = freshAddress();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => from(address, wrongToken()).get('/admin/v1/accounts')),
      );
      expect(answers.filter((a) => a.status === 401)).toHaveLength(LIMIT);
      const blocked = answers.filter((a) => a.status === 429);
      expect(blocked).toHaveLength(20 - LIMIT);
      for (const answer of blocked) expectBlocked(answer);
    });

    it('counts an IPv6 client per /64, since one host usually holds the whole prefix', async () => {
      const prefix = `2001:db8:${randomInt(1, 0xffff).toString(16)}:${randomInt(1, 0xffff).toString(16)}`;
      for (let host = 1; host <= LIMIT; host++) {
        expect((await from(`${prefix}::${host}`, wrongToken()).get('/admin/v1/accounts')).status).toBe(401);
      }
      expectBlocked(await from(`${prefix}:abcd:ef01:2345:6789`, TEST_ADMIN_TOKEN).get('/admin/v1/accounts'));
    });

    it('does not count requests that present no credential at all: they guess nothing', async () => {
      const address = freshAddress();
      for (let attempt = 1; attempt <= LIMIT * 2; attempt++) {
        expectError(await from(address, null).get('/admin/v1/accounts'), 401, 'authentication_error');
      }
      expect((await from(address, TEST_ADMIN_TOKEN).get('/admin/v1/accounts')).status).toBe(200);
    });

    it('counts wrong tokens posted to the queue dashboard sign-in form, and then refuses the right one too', async () => {
      const address = freshAddress();
      const signIn = (token: string) =>
        fetch(`${admin.url}/admin/queues/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address },
          body: new URLSearchParams({ token }).toString(),
          redirect: 'manual',
        });
      for (let attempt = 1; attempt <= LIMIT; attempt++) expect((await signIn(wrongToken())).status).toBe(401);
      const refused = await signIn(TEST_ADMIN_TOKEN);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('set-cookie')).toBeNull();
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(45);
      expect(await refused.text()).toMatch(/Too many failed sign-ins from your address/);
      // And the dashboard itself, with a bearer token.
      const board = await fetch(`${admin.url}/admin/queues/api/queues`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'x-forwarded-for': address },
      });
      expect(board.status).toBe(429);
    });

    it('counts wrong bearer tokens on the queue dashboard like on the API', async () => {
      const address = freshAddress();
      const board = (token: string) =>
        fetch(`${admin.url}/admin/queues/api/queues`, {
          headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': address },
        });
      for (let attempt = 1; attempt <= LIMIT; attempt++) expect((await board(wrongToken())).status).toBe(401);
      expect((await board(TEST_ADMIN_TOKEN)).status).toBe(429);
    });

    describe('ADMIN_DOCS_ACCESS=staff', () => {
      const docs = (address: string, authorization?: string, path = '/admin/docs-json') =>
        fetch(`${admin.url}${path}`, {
          headers: { 'x-forwarded-for': address, ...(authorization ? { authorization } : {}) },
        });
      const basic = (password: string) => `Basic ${Buffer.from(`anyone:${password}`).toString('base64')}`;

      it('asks for a staff token (a browser prompts for it), and serves the document to any staff role', async () => {
        const address = freshAddress();
        for (const path of ['/admin/docs-json', '/admin/docs', '/admin/%64ocs-json']) {
          const refused = await docs(address, undefined, path);
          expect(refused.status).toBe(401);
          expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm="Chuizi Gateway admin API"/);
          expect(await refused.json()).toEqual({
            error: { message: 'Invalid or missing staff token', type: 'authentication_error', code: '401' },
          });
        }
        const byBasic = await docs(address, basic(staffToken));
        expect(byBasic.status).toBe(200);
        expect(((await byBasic.json()) as { openapi: string }).openapi).toMatch(/^3\./);
        expect((await docs(address, `Bearer ${TEST_ADMIN_TOKEN}`)).status).toBe(200);
        const ui = await docs(address, basic(TEST_ADMIN_TOKEN), '/admin/docs');
        expect(ui.status).toBe(200);
        expect(ui.headers.get('content-type')).toMatch(/text\/html/);
      });

      it('counts wrong passwords against the address', async () => {
        const address = freshAddress();
        for (let attempt = 1; attempt <= LIMIT; attempt++) expect((await docs(address, basic(wrongToken()))).status).toBe(401);
        expect((await docs(address, basic(staffToken))).status).toBe(429);
      });
    });
  });

  describe('not behind a trusted proxy (TRUST_PROXY unset: false)', () => {
    let admin: AppProcess;

    beforeAll(async () => {
      // Every test client is 127.0.0.1: a Redis key space of its own keeps other suites' failures out of its count.
      admin = await AppProcess.start('admin', {
        AUTH_FAILURE_LIMIT: String(LIMIT),
        REDIS_KEY_PREFIX: `${TEST_REDIS_PREFIX}staffnoxff:`,
      });
    });

    afterAll(async () => {
      await admin?.stop();
    });

    it('ignores X-Forwarded-For, so that rotating it does not escape the limit; docs stay public by default', async () => {
      const guess = () =>
        new AdminApi(admin.url, wrongToken()).request('GET', '/admin/v1/accounts', {
          headers: { 'x-forwarded-for': freshAddress() },
        });
      for (let attempt = 1; attempt <= LIMIT; attempt++) expect((await guess()).status).toBe(401);
      expectBlocked(await guess());
      expect((await fetch(`${admin.url}/admin/docs-json`)).status).toBe(200);
    });
  });
});
