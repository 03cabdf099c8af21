import { randomBytes } from 'node:crypto';
import { Capabilities, capabilitiesOf } from '../../apps/console/src/access/capabilities';
import { createApiKey } from '../factories/api-key.factory';
import { AdminApi, AdminResponse, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { closeTestDb, testDb } from '../support/test-db';

type Role = 'admin' | 'support' | 'finance';
const ROLES: Role[] = ['admin', 'support', 'finance'];
const unique = () => randomBytes(5).toString('hex');

/** What the console needs from the admin API beyond the contract, and the console's page itself. */
describe('admin API for the console', () => {
  let admin: AppProcess;
  let api: AdminApi;
  const staff = {} as Record<Role, { id: string; token: string }>;

  beforeAll(async () => {
    admin = await AppProcess.start('admin', { DEFAULT_RPM: '75' });
    api = new AdminApi(admin.url);
    for (const role of ROLES) staff[role] = await api.createStaff(role);
  });

  afterAll(async () => {
    await admin?.stop();
    await closeTestDb();
  });

  describe('GET /staff/me', () => {
    it.each(ROLES)('tells a %s who they are, and nothing about their token', async (role) => {
      const me = await api.as(staff[role].token).get('/admin/v1/staff/me');
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ id: staff[role].id, email: expect.stringMatching(new RegExp(`^${role}-.*@example\\.com$`)), role });
    });

    it('answers for ADMIN_TOKEN with the bootstrap admin, whose id signs its audit entries', async () => {
      const me = await api.get('/admin/v1/staff/me');
      expect(me.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: 'bootstrap-admin', role: 'admin' });
      const created = await api.createAccount({ name: `me ${unique()}` });
      const audit = await api.get('/admin/v1/audit-log?limit=500');
      const entry = audit.body.data.find((e: { target: string }) => e.target === `account:${created.id}`);
      expect(entry.staffId).toBe(me.body.id);
    });

    it('refuses a missing, wrong or disabled token with 401', async () => {
      expectError(await api.as(null).get('/admin/v1/staff/me'), 401, 'authentication_error');
      expectError(await api.as('cs-wrong').get('/admin/v1/staff/me'), 401, 'authentication_error');
      const gone = await api.createStaff('finance');
      await api.patch(`/admin/v1/staff/${gone.id}`, { status: 'disabled' });
      expectError(await api.as(gone.token).get('/admin/v1/staff/me'), 401, 'authentication_error');
    });
  });

  describe('GET /accounts?search=', () => {
    const tag = unique();
    let acme: { id: string };
    let globex: { id: string };
    let literal: { id: string };

    beforeAll(async () => {
      acme = (await api.post('/admin/v1/accounts', { name: `Acme ${tag} Corp`, email: `billing-${tag}@acme.example` })).body;
      globex = (await api.post('/admin/v1/accounts', { name: `Globex ${tag}`, email: `OPS-${tag}@Globex.example` })).body;
      literal = (await api.post('/admin/v1/accounts', { name: `100%_${tag}\\done` })).body;
    });

    const ids = (response: AdminResponse) => response.body.data.map((account: { id: string }) => account.id);

    it('finds accounts by a case-insensitive part of the name or the email, newest first', async () => {
      expect(ids(await api.get(`/admin/v1/accounts?search=ACME%20${tag}`))).toEqual([acme.id]);
      expect(ids(await api.get(`/admin/v1/accounts?search=ops-${tag}@globex`))).toEqual([globex.id]);
      expect(ids(await api.get(`/admin/v1/accounts?search=${tag}`))).toEqual([literal.id, globex.id, acme.id]);
      expect(ids(await api.get(`/admin/v1/accounts?search=%20%20${tag.toUpperCase()}%20`))).toEqual([literal.id, globex.id, acme.id]);
      expect(ids(await api.get(`/admin/v1/accounts?search=nothing-${tag}`))).toEqual([]);
    });

    it('matches %, _ and \\ literally', async () => {
      expect(ids(await api.get(`/admin/v1/accounts?search=${encodeURIComponent(`%_${tag}\\`)}`))).toEqual([literal.id]);
      expect(ids(await api.get(`/admin/v1/accounts?search=${encodeURIComponent(`Acme_${tag}`)}`))).toEqual([]);
      expect(ids(await api.get(`/admin/v1/accounts?search=${encodeURIComponent(`Acme%${tag}`)}`))).toEqual([]);
    });

    it('pages the matches with the usual cursor', async () => {
      const first = await api.get(`/admin/v1/accounts?search=${tag}&limit=2`);
      expect(ids(first)).toEqual([literal.id, globex.id]);
      const second = await api.get(`/admin/v1/accounts?search=${tag}&limit=2&cursor=${first.body.nextCursor}`);
      expect(ids(second)).toEqual([acme.id]);
      expect(second.body.nextCursor).toBeNull();
    });

    it('lists every account with an empty search, and is open to every role that reads accounts', async () => {
      // Empty or blank: no filter (other suites' accounts too; ours are among the newest 500).
      for (const blank of ['', '%20%20']) {
        expect(ids(await api.get(`/admin/v1/accounts?search=${blank}&limit=500`))).toEqual(
          expect.arrayContaining([acme.id, globex.id, literal.id]),
        );
      }
      for (const role of ROLES) {
        expect(ids(await api.as(staff[role].token).get(`/admin/v1/accounts?search=globex%20${tag}`))).toEqual([globex.id]);
      }
    });

    it.each([
      ['too long', `search=${'x'.repeat(201)}`, /'search'/],
      ['a NUL character', 'search=a%00b', /'search': must not contain NUL/],
      ['given twice', 'search=a&search=b', /'search'/],
      ['an unknown parameter', 'q=acme', /Unrecognized field 'q'/],
    ])('refuses a search %s with 400', async (_case, query, message) => {
      expectError(await api.get(`/admin/v1/accounts?${query}`), 400, 'invalid_request_error', message);
    });
  });

  describe('GET /reconciliations', () => {
    it('lists runs newest first, without reports, with whether each was clean; finance and admin only', async () => {
      const db = await testDb();
      const older = await db.reconciliationRun.create({ data: { status: 'failed', trigger: 'scheduled', error: 'x' } });
      const finished = await db.reconciliationRun.create({
        data: { status: 'completed', trigger: 'manual', report: { clean: false, drift: [] }, finishedAt: new Date() },
      });
      const newest = await db.reconciliationRun.create({ data: { status: 'queued', trigger: 'manual' } });
      // Walk the list one run a page from the newest: other suites may add runs meanwhile, newer than ours.
      const seen: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      do {
        const page: AdminResponse = await api.as(staff.finance.token).get(`/admin/v1/reconciliations?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        seen.push(...page.body.data);
        cursor = page.body.nextCursor;
      } while (cursor && !seen.some((run) => run.id === older.id) && seen.length < 100);
      const ours = seen.filter((run) => [newest.id, finished.id, older.id].includes(run.id as string));
      expect(ours.map((run) => run.id)).toEqual([newest.id, finished.id, older.id]);
      expect(ours[1]).toEqual({
        id: finished.id,
        status: 'completed',
        trigger: 'manual',
        from: null,
        to: null,
        clean: false,
        createdAt: finished.createdAt.toISOString(),
        startedAt: null,
        finishedAt: finished.finishedAt!.toISOString(),
      });
      expect(ours[0]).toMatchObject({ status: 'queued', clean: null });
      expect(ours[2]).toMatchObject({ status: 'failed', error: 'x', clean: null });
      expectError(await api.as(staff.support.token).get('/admin/v1/reconciliations'), 403, 'permission_error');
      expectError(await api.get('/admin/v1/reconciliations?cursor=nonsense'), 400, 'invalid_request_error', /'cursor'/);
    });
  });

  describe('the console page at /console', () => {
    it('is served from the build, with the default RPM for the page and a strict content security policy', async () => {
      for (const path of ['/console', '/console/', '/console/accounts/00000000-0000-4000-8000-000000000000']) {
        const response = await fetch(`${admin.url}${path}`);
        expect([path, response.status]).toEqual([path, 200]);
        expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(response.headers.get('cache-control')).toBe('no-cache');
        expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
        expect(response.headers.get('x-frame-options')).toBe('DENY');
        const html = await response.text();
        expect(html).toContain('<meta name="chuizi-default-rpm" content="75">');
        expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
      }
    });

    it('serves the hashed assets for a year, and 404 for what is not there', async () => {
      const html = await (await fetch(`${admin.url}/console`)).text();
      const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((match) => match[1]);
      expect(assets.some((asset) => asset.endsWith('.js'))).toBe(true);
      for (const asset of assets) {
        const response = await fetch(`${admin.url}${asset}`);
        expect([asset, response.status]).toEqual([asset, 200]);
        expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      }
      for (const missing of ['/console/assets/nope-123.js', '/console/favicon.ico']) {
        const response = await fetch(`${admin.url}${missing}`);
        expect([missing, response.status]).toEqual([missing, 404]);
        expect(((await response.json()) as { error: { type: string } }).error.type).toBe('not_found');
      }
    });
  });

  describe("the console's role capabilities", () => {
    let accountId: string;
    let generationId = 'gen-unknown';

    beforeAll(async () => {
      accountId = (await api.createAccount({ balanceUsd: '5.00' })).id;
    });

    /** One call per capability: the console shows a thing exactly when its call is not refused with 403. */
    const PROBES: Record<keyof Capabilities, (as: AdminApi) => Promise<AdminResponse>> = {
      readAccounts: (as) => as.get('/admin/v1/accounts?limit=1'),
      createAccounts: (as) => as.post('/admin/v1/accounts', { name: `probe ${unique()}` }),
      topUp: (as) => as.post(`/admin/v1/accounts/${accountId}/top-ups`, { amountUsd: '0.01' }),
      readLedger: (as) => as.get(`/admin/v1/accounts/${accountId}/ledger`),
      readKeys: (as) => as.get(`/admin/v1/keys?accountId=${accountId}`),
      createKeys: (as) => as.post('/admin/v1/keys', { accountId, name: 'probe' }),
      setKeyStatus: async (as) => as.patch(`/admin/v1/keys/${(await createApiKey(accountId)).id}`, { status: 'disabled' }),
      setKeyRpm: async (as) => as.put(`/admin/v1/keys/${(await createApiKey(accountId)).id}/rpm-limit`, { rpm: 10 }),
      editKeyModels: async (as) => as.patch(`/admin/v1/keys/${(await createApiKey(accountId)).id}`, { allowedModels: [] }),
      editKeyPolicy: async (as) => as.patch(`/admin/v1/keys/${(await createApiKey(accountId)).id}`, { tpmLimit: 1_000 }),
      setAccountRpm: (as) => as.put(`/admin/v1/accounts/${accountId}/rpm-limit`, { rpm: 10 }),
      manageAlerts: (as) => as.get(`/admin/v1/accounts/${accountId}/alerts`),
      revokeKeys: async (as) => as.delete(`/admin/v1/keys/${(await createApiKey(accountId)).id}`),
      readModels: (as) => as.get('/admin/v1/models?limit=1'),
      readDailyUsage: (as) => as.get(`/admin/v1/usage/daily?accountId=${accountId}`),
      lookUpGenerations: (as) => as.get(`/admin/v1/generations/${generationId}`),
      reconcile: (as) => as.get('/admin/v1/reconciliations?limit=1'),
      readAuditLog: (as) => as.get('/admin/v1/audit-log?limit=1'),
      readStaff: (as) => as.get('/admin/v1/staff?limit=1'),
    };

    it.each(ROLES)('agree with what the API lets a %s do', async (role) => {
      const can = capabilitiesOf(role);
      const as = api.as(staff[role].token);
      const verdicts = {} as Record<string, string>;
      const expected = {} as Record<string, string>;
      for (const [capability, probe] of Object.entries(PROBES)) {
        const response = await probe(as);
        verdicts[capability] = response.status === 403 ? 'refused' : response.status < 300 || response.status === 404 ? 'allowed' : `${response.status}`;
        expected[capability] = can[capability as keyof Capabilities] ? 'allowed' : 'refused';
      }
      expect(verdicts).toEqual(expected);
    });
  });
});
