import { sha256Hex } from '../../libs/common/src';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { createUsageRecord } from '../factories/usage-record.factory';
import { AdminApi, AdminResponse, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { closeTestDb, testDb } from '../support/test-db';
import { TEST_ADMIN_TOKEN } from '../support/test-env';

type Role = 'admin' | 'support' | 'finance';
const ROLES: Role[] = ['admin', 'support', 'finance'];

interface Fixtures {
  accountId: string;
  keyId: string;
  staffId: string;
  modelId: string;
  channelId: string;
  generationId: string;
  reconciliationId: string;
}

interface RouteCase {
  route: string;
  /** Roles besides admin that may call it (the README's matrix). */
  allowed: Role[];
  success: number;
  call: (api: AdminApi, f: Fixtures) => Promise<AdminResponse>;
}

const unique = () => `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** Every route of spec/admin-api.md (and our additions), each called as each role. */
const ROUTES: RouteCase[] = [
  {
    route: 'POST /staff',
    allowed: [],
    success: 201,
    call: (api) => api.post('/admin/v1/staff', { email: `s-${unique()}@example.com`, role: 'support' }),
  },
  { route: 'GET /staff', allowed: [], success: 200, call: (api) => api.get('/admin/v1/staff') },
  { route: 'GET /staff/me', allowed: ['support', 'finance'], success: 200, call: (api) => api.get('/admin/v1/staff/me') },
  {
    route: 'PATCH /staff/:id',
    allowed: [],
    success: 200,
    call: (api, f) => api.patch(`/admin/v1/staff/${f.staffId}`, { status: 'active' }),
  },
  {
    route: 'POST /accounts',
    allowed: [],
    success: 201,
    call: (api) => api.post('/admin/v1/accounts', { name: `acct ${unique()}` }),
  },
  {
    route: 'GET /accounts',
    allowed: ['support', 'finance'],
    success: 200,
    call: (api) => api.get('/admin/v1/accounts'),
  },
  {
    route: 'GET /accounts/:id',
    allowed: ['support', 'finance'],
    success: 200,
    call: (api, f) => api.get(`/admin/v1/accounts/${f.accountId}`),
  },
  {
    route: 'POST /accounts/:id/top-ups',
    allowed: ['finance'],
    success: 201,
    call: (api, f) => api.post(`/admin/v1/accounts/${f.accountId}/top-ups`, { amountUsd: '1.00' }),
  },
  {
    route: 'GET /accounts/:id/ledger',
    allowed: ['finance'],
    success: 200,
    call: (api, f) => api.get(`/admin/v1/accounts/${f.accountId}/ledger`),
  },
  {
    route: 'PUT /accounts/:id/rpm-limit',
    allowed: ['support'],
    success: 200,
    call: (api, f) => api.put(`/admin/v1/accounts/${f.accountId}/rpm-limit`, { rpm: 100 }),
  },
  {
    route: 'PUT /accounts/:id/alerts',
    allowed: ['finance'],
    success: 200,
    call: (api, f) =>
      api.put(`/admin/v1/accounts/${f.accountId}/alerts`, { thresholdsUsd: [], webhookUrl: 'https://hooks.example.com/x', secret: 's' }),
  },
  {
    route: 'GET /accounts/:id/alerts',
    allowed: ['finance'],
    success: 200,
    call: (api, f) => api.get(`/admin/v1/accounts/${f.accountId}/alerts`),
  },
  {
    route: 'GET /accounts/:id/alerts/deliveries',
    allowed: ['finance'],
    success: 200,
    call: (api, f) => api.get(`/admin/v1/accounts/${f.accountId}/alerts/deliveries`),
  },
  {
    route: 'POST /keys',
    allowed: ['support'],
    success: 201,
    call: (api, f) => api.post('/admin/v1/keys', { accountId: f.accountId, name: 'k' }),
  },
  {
    route: 'GET /keys',
    allowed: ['support'],
    success: 200,
    call: (api, f) => api.get(`/admin/v1/keys?accountId=${f.accountId}`),
  },
  {
    route: 'GET /keys/:id',
    allowed: ['support'],
    success: 200,
    call: (api, f) => api.get(`/admin/v1/keys/${f.keyId}`),
  },
  {
    route: 'PATCH /keys/:id (status)',
    allowed: ['support'],
    success: 200,
    call: (api, f) => api.patch(`/admin/v1/keys/${f.keyId}`, { status: 'active' }),
  },
  {
    route: 'PATCH /keys/:id (policy)',
    allowed: ['support'],
    success: 200,
    call: (api, f) => api.patch(`/admin/v1/keys/${f.keyId}`, { ipAllowlist: ['10.0.0.0/8'], dailyLimitUsd: '5', tpmLimit: 100 }),
  },
  {
    route: 'PATCH /keys/:id (other fields)',
    allowed: [],
    success: 200,
    call: (api, f) => api.patch(`/admin/v1/keys/${f.keyId}`, { name: `n ${unique()}`, allowedModels: [] }),
  },
  {
    route: 'PUT /keys/:id/rpm-limit',
    allowed: ['support'],
    success: 200,
    call: (api, f) => api.put(`/admin/v1/keys/${f.keyId}/rpm-limit`, { rpm: 100 }),
  },
  {
    route: 'DELETE /keys/:id',
    allowed: [],
    success: 204,
    call: async (api, f) => api.delete(`/admin/v1/keys/${(await createApiKey(f.accountId)).id}`),
  },
  { route: 'GET /models', allowed: [], success: 200, call: (api) => api.get('/admin/v1/models') },
  {
    route: 'PUT /models/:id',
    allowed: [],
    success: 200,
    call: (api, f) => api.put(`/admin/v1/models/${encodeURIComponent(f.modelId)}`, { enabled: true }),
  },
  {
    route: 'GET /models/:id/channels',
    allowed: [],
    success: 200,
    call: (api, f) => api.get(`/admin/v1/models/${encodeURIComponent(f.modelId)}/channels`),
  },
  {
    route: 'PUT /models/:id/channels',
    allowed: [],
    success: 200,
    call: (api, f) =>
      api.put(`/admin/v1/models/${encodeURIComponent(f.modelId)}/channels`, { channels: [{ channelId: f.channelId }] }),
  },
  { route: 'GET /channels', allowed: [], success: 200, call: (api) => api.get('/admin/v1/channels') },
  {
    route: 'POST /channels',
    allowed: [],
    success: 201,
    call: (api) =>
      api.post('/admin/v1/channels', {
        name: `c-${unique()}`,
        provider: 'openai',
        baseUrl: 'http://127.0.0.1:9',
        apiKey: 'sk-roles-test',
      }),
  },
  {
    route: 'GET /channels/:id',
    allowed: [],
    success: 200,
    call: (api, f) => api.get(`/admin/v1/channels/${f.channelId}`),
  },
  {
    route: 'PATCH /channels/:id',
    allowed: [],
    success: 200,
    call: (api, f) => api.patch(`/admin/v1/channels/${f.channelId}`, { enabled: true }),
  },
  {
    route: 'GET /usage',
    allowed: ['finance'],
    success: 200,
    call: (api, f) => api.get(`/admin/v1/usage?accountId=${f.accountId}`),
  },
  {
    route: 'GET /generations/:id',
    allowed: ['support', 'finance'],
    success: 200,
    call: (api, f) => api.get(`/admin/v1/generations/${f.generationId}`),
  },
  {
    route: 'POST /reconciliations',
    allowed: ['finance'],
    success: 202,
    call: (api) => api.post('/admin/v1/reconciliations', {}),
  },
  {
    route: 'GET /reconciliations',
    allowed: ['finance'],
    success: 200,
    call: (api) => api.get('/admin/v1/reconciliations'),
  },
  {
    route: 'GET /reconciliations/:id',
    allowed: ['finance'],
    success: 200,
    call: (api, f) => api.get(`/admin/v1/reconciliations/${f.reconciliationId}`),
  },
  { route: 'GET /audit-log', allowed: [], success: 200, call: (api) => api.get('/admin/v1/audit-log') },
];

describe('admin API: staff authentication and the role matrix', () => {
  let admin: AppProcess;
  let api: AdminApi;
  const tokens = {} as Record<Role, string>;
  let f: Fixtures;

  beforeAll(async () => {
    admin = await AppProcess.start('admin');
    api = new AdminApi(admin.url);
    for (const role of ROLES) tokens[role] = (await api.createStaff(role)).token;
    const account = await api.createAccount({ balanceUsd: '10.00' });
    const key = await createApiKey(account.id);
    const spare = await api.createStaff('support');
    // A channel of its own (nothing listens there: no request is sent), so that channel writes touch nothing shared.
    const model = await createModel({ upstreamUrl: 'http://127.0.0.1:9' });
    const usage = await createUsageRecord(account.id, key.id);
    const run = await api.post('/admin/v1/reconciliations', {});
    f = {
      accountId: account.id,
      keyId: key.id,
      staffId: spare.id,
      modelId: model.id,
      channelId: model.channelIds[0],
      generationId: usage.generationId,
      reconciliationId: run.body.id,
    };
  });

  afterAll(async () => {
    await admin?.stop();
    await closeTestDb();
  });

  describe.each(ROUTES.map((route) => [route.route, route] as const))('%s', (_name, route) => {
    it.each(ROLES)('as %s', async (role) => {
      const response = await route.call(api.as(tokens[role]), f);
      if (role === 'admin' || route.allowed.includes(role)) {
        // The body is shown only when the status is wrong, to say why.
        expect([response.status, response.status === route.success ? null : response.body]).toEqual([
          route.success,
          null,
        ]);
      } else {
        expectError(response, 403, 'permission_error', new RegExp(`${role} role`));
      }
    });

    it('without a token: 401', async () => {
      expectError(await route.call(api.as(null), f), 401, 'authentication_error');
    });
  });

  it('refuses a denied write without moving anything', async () => {
    const before = await api.get(`/admin/v1/accounts/${f.accountId}`);
    expectError(
      await api.as(tokens.support).post(`/admin/v1/accounts/${f.accountId}/top-ups`, { amountUsd: '5.00' }),
      403,
      'permission_error',
    );
    const key = await createApiKey(f.accountId);
    expectError(await api.as(tokens.support).delete(`/admin/v1/keys/${key.id}`), 403, 'permission_error');
    expect((await api.get(`/admin/v1/accounts/${f.accountId}`)).body.balanceUsd).toBe(before.body.balanceUsd);
    expect((await api.get(`/admin/v1/keys/${key.id}`)).body.status).toBe('active');
  });

  it.each([
    ['no Authorization header', null],
    ['an unknown token', 'cs-0000000000000000000000000000000000000000'],
    ['the admin token with a suffix', `${TEST_ADMIN_TOKEN}x`],
    ['an empty bearer', ''],
  ])('401 authentication_error for %s', async (_name, token) => {
    const response = await api.as(token).get('/admin/v1/accounts');
    expectError(response, 401, 'authentication_error');
  });

  it('401 for a scheme other than Bearer', async () => {
    const response = await fetch(`${admin.url}/admin/v1/accounts`, {
      headers: { authorization: `Basic ${TEST_ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(401);
  });

  it('creates staff with a token shown once and stored only as its SHA-256', async () => {
    const email = `new-${unique()}@Example.com`;
    const created = await api.post('/admin/v1/staff', { email, role: 'finance' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      email: email.toLowerCase(),
      role: 'finance',
      status: 'active',
      tokenPrefix: expect.stringMatching(/^cs-/),
      token: expect.stringMatching(/^cs-[A-Za-z0-9]{40}$/),
      createdAt: expect.any(String),
    });
    const db = await testDb();
    const row = await db.staff.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row.tokenHash).toBe(sha256Hex(created.body.token));
    expect(JSON.stringify(row)).not.toContain(created.body.token);

    const list = await api.listAll('/admin/v1/staff');
    const listed = list.find((s: { id: string }) => s.id === created.body.id);
    expect(listed).toBeDefined();
    expect(listed.token).toBeUndefined();
    expect(JSON.stringify(list)).not.toContain(row.tokenHash);

    expectError(
      await api.post('/admin/v1/staff', { email, role: 'support' }),
      409,
      'invalid_request_error',
      /already exists/,
    );
  });

  it.each([
    [{ email: 'x@example.com', role: 'owner' }, /'role'/],
    [{ email: 'not-an-email', role: 'admin' }, /'email'/],
    [{ role: 'admin' }, /Missing required field 'email'/],
    [{ email: 'y@example.com', role: 'admin', extra: 1 }, /Unrecognized field 'extra'/],
  ])('POST /staff 400 naming the field for %j', async (body, message) => {
    expectError(await api.post('/admin/v1/staff', body), 400, 'invalid_request_error', message);
  });

  it('a disabled staff member gets 401 at once, and works again when re-enabled', async () => {
    const member = await api.createStaff('finance');
    const asMember = api.as(member.token);
    expect((await asMember.get('/admin/v1/accounts')).status).toBe(200);
    expect((await api.patch(`/admin/v1/staff/${member.id}`, { status: 'disabled' })).body.status).toBe('disabled');
    expectError(await asMember.get('/admin/v1/accounts'), 401, 'authentication_error');
    expect((await api.patch(`/admin/v1/staff/${member.id}`, { status: 'active' })).body.status).toBe('active');
    expect((await asMember.get('/admin/v1/accounts')).status).toBe(200);
  });

  it('keeps the bootstrap admin as a staff row: its writes are audited under its id; it cannot be disabled', async () => {
    const db = await testDb();
    const bootstrap = await db.staff.findUniqueOrThrow({ where: { email: 'bootstrap-admin' } });
    expect(bootstrap).toMatchObject({ role: 'admin', status: 'active', tokenHash: sha256Hex(TEST_ADMIN_TOKEN) });
    const account = await api.createAccount();
    expect(await api.auditOf(`account:${account.id}`)).toEqual([
      expect.objectContaining({ staffId: bootstrap.id, action: 'account.create' }),
    ]);
    expectError(
      await api.patch(`/admin/v1/staff/${bootstrap.id}`, { status: 'disabled' }),
      409,
      'invalid_request_error',
    );
  });

  it('echoes X-Request-Id and keeps it in the audit entry', async () => {
    const response = await api.request('POST', '/admin/v1/accounts', {
      body: { name: 'rid' },
      headers: { 'x-request-id': 'e2e-req-42' },
    });
    expect(response.headers.get('x-request-id')).toBe('e2e-req-42');
    const [entry] = await api.auditOf(`account:${response.body.id}`);
    expect(entry.requestId).toBe('e2e-req-42');
  });

  it('serves /healthz and /readyz without a token', async () => {
    const live = await api.as(null).get('/healthz');
    expect(live).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await api.as(null).get('/readyz');
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', postgres: true, redis: true } });
  });

  it('answers unknown routes with 404 not_found in the error format', async () => {
    expectError(await api.get('/admin/v1/nothing-here'), 404, 'not_found');
  });

  it('refuses to start without ADMIN_TOKEN, saying why', async () => {
    await expect(AppProcess.start('admin', { ADMIN_TOKEN: '' })).rejects.toThrow(/exited with 1[\s\S]*ADMIN_TOKEN/);
  });
});
