import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createModel } from '../factories/model.factory';
import { AdminApi, AdminResponse, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { requestBytes, sendRaw } from '../support/raw-http';
import { closeTestDb } from '../support/test-db';

/**
 * Malformed input of every class the admin API was found answering 500 to (NUL bytes the database refuses, crafted
 * cursors, out-of-range dates and integers, deep nesting, invalid UTF-8, `null` or missing bodies, an oversized
 * request line): each must be a 400 in the admin error format naming what is wrong, and the app must go on serving.
 * Every route that takes input is swept, not only the examples that were reported.
 */

interface Fixture {
  accountId: string;
  keyId: string;
  modelId: string;
  channelId: string;
  staffId: string;
}

interface BodyRoute {
  name: string;
  method: 'POST' | 'PATCH' | 'PUT';
  path: (f: Fixture) => string;
  /** A body the route accepts (its text fields are the ones swept). */
  body: (f: Fixture) => Record<string, unknown>;
}

const unique = () => randomBytes(4).toString('hex');
const NUL = 'a\u0000b';

const BODY_ROUTES: BodyRoute[] = [
  {
    name: 'create staff',
    method: 'POST',
    path: () => '/admin/v1/staff',
    body: () => ({ email: `s-${unique()}@example.com`, role: 'support' }),
  },
  { name: 'update staff', method: 'PATCH', path: (f) => `/admin/v1/staff/${f.staffId}`, body: () => ({ status: 'active' }) },
  {
    name: 'create account',
    method: 'POST',
    path: () => '/admin/v1/accounts',
    body: () => ({ name: 'n', email: 'a@example.com' }),
  },
  {
    name: 'top up',
    method: 'POST',
    path: (f) => `/admin/v1/accounts/${f.accountId}/top-ups`,
    body: () => ({ amountUsd: '1.00', reference: 'invoice 1' }),
  },
  {
    name: 'adjust',
    method: 'POST',
    path: (f) => `/admin/v1/accounts/${f.accountId}/adjustments`,
    body: () => ({ amountUsd: '1.00', reason: 'why', reconciliationId: '00000000-0000-4000-8000-000000000000' }),
  },
  {
    name: 'create key',
    method: 'POST',
    path: () => '/admin/v1/keys',
    body: (f) => ({ accountId: f.accountId, name: 'k', allowedModels: [f.modelId], expiresAt: '2999-01-01T00:00:00Z' }),
  },
  {
    name: 'update key',
    method: 'PATCH',
    path: (f) => `/admin/v1/keys/${f.keyId}`,
    body: (f) => ({ name: 'k', status: 'active', allowedModels: [f.modelId], expiresAt: '2999-01-01T00:00:00Z' }),
  },
  { name: 'key rpm', method: 'PUT', path: (f) => `/admin/v1/keys/${f.keyId}/rpm-limit`, body: () => ({ rpm: 10 }) },
  {
    name: 'update model',
    method: 'PUT',
    path: (f) => `/admin/v1/models/${encodeURIComponent(f.modelId)}`,
    body: (f) => ({
      id: f.modelId,
      aliases: [`alias-${unique()}`],
      provider: 'openai',
      inputUsdPerMTok: '1',
      outputUsdPerMTok: '1',
      cachedInputUsdPerMTok: '1',
    }),
  },
  {
    name: 'create channel',
    method: 'POST',
    path: () => '/admin/v1/channels',
    body: () => ({ name: `c-${unique()}`, provider: 'openai', baseUrl: 'http://127.0.0.1:9', apiKey: 'sk-x' }),
  },
  {
    name: 'update channel',
    method: 'PATCH',
    path: (f) => `/admin/v1/channels/${f.channelId}`,
    body: (f) => ({
      id: f.channelId,
      name: `c-${unique()}`,
      provider: 'openai',
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'sk-x',
    }),
  },
  {
    name: 'model channels',
    method: 'PUT',
    path: (f) => `/admin/v1/models/${encodeURIComponent(f.modelId)}/channels`,
    body: (f) => ({ channels: [{ channelId: f.channelId, priority: 0, weight: 1, upstreamModel: 'gpt-4.1-mini' }] }),
  },
  {
    name: 'reconciliation',
    method: 'POST',
    path: () => '/admin/v1/reconciliations',
    body: () => ({ from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' }),
  },
];

/** Every path to a text value in `value` ("allowedModels.0", "channels.0.channelId"). */
function textPaths(value: unknown, path: string[] = []): string[][] {
  if (typeof value === 'string') return [path];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => textPaths(item, [...path, key]));
}

function withValueAt(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  let node: any = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]] = value;
  return copy;
}

const cursor = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');
const UUID = '00000000-0000-4000-8000-000000000000';
/** Enough of a fixture to list a route's text fields before the real one exists (the table is built at load). */
const PLACEHOLDERS: Fixture = { accountId: UUID, keyId: UUID, modelId: 'm', channelId: UUID, staffId: UUID };
const TIME = '2026-01-01T00:00:00.000Z';

describe('admin API: malformed input is a 400 naming the problem, never a 500', () => {
  let admin: AppProcess;
  let api: AdminApi;
  let f: Fixture;

  beforeAll(async () => {
    admin = await AppProcess.start('admin');
    api = new AdminApi(admin.url);
    const account = await api.createAccount({ balanceUsd: '5.00' });
    const model = await createModel();
    const key = await api.post('/admin/v1/keys', { accountId: account.id, name: 'bad input' });
    const channel = await api.post('/admin/v1/channels', {
      name: `bad-input-${unique()}`,
      provider: 'openai',
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'sk-bad-input',
    });
    const staff = await api.createStaff('support');
    f = { accountId: account.id, keyId: key.body.id, modelId: model.id, channelId: channel.body.id, staffId: staff.id };
  });

  afterAll(async () => {
    // Whatever was sent, nothing reached the catch-all 500.
    expect(admin?.logs ?? '').not.toMatch(/-> 500/);
    await admin?.stop();
    await closeTestDb();
  });

  const send = (route: BodyRoute, body: unknown) => api.request(route.method, route.path(f), { body });

  describe('text the database cannot store, in every text field of every body', () => {
    const cases = BODY_ROUTES.flatMap((route) =>
      textPaths(route.body(PLACEHOLDERS)).map(
        (path) => [route.name, path.join('.'), route, path] as const,
      ),
    );

    it.each(cases)('%s: NUL in %s', async (_name, field, route, path) => {
      const response = await send(route, withValueAt(route.body(f), path, NUL));
      const named = new RegExp(`'${field.replace(/\./g, '\\.')}': must not contain NUL`);
      expectError(response, 400, 'invalid_request_error', named);
    });

    const withText = BODY_ROUTES.filter((route) => textPaths(route.body(PLACEHOLDERS)).length > 0);
    it.each(withText.map((route) => [route.name, route] as const))(
      '%s: an unpaired surrogate, a NUL in a field name',
      async (_name, route) => {
        const [path] = textPaths(route.body(f));
        const surrogate = await api.raw(
          route.method,
          route.path(f),
          JSON.stringify(withValueAt(route.body(f), path, 'x')).replace('"x"', '"\\ud800"'),
          { 'content-type': 'application/json' },
        );
        expectError(surrogate, 400, 'invalid_request_error', /unpaired surrogate/);
        const name = await send(route, { ...route.body(f), [NUL]: 1 });
        expectError(name, 400, 'invalid_request_error', /Invalid field name: must not contain NUL/);
      },
    );

    it.each([
      ['GET', '/admin/v1/usage?model=a%00b', /'model'/],
      ['GET', '/admin/v1/usage/daily?model=a%00b', /'model'/],
      ['GET', '/admin/v1/audit-log?target=a%00b', /'target'/],
      ['GET', '/admin/v1/audit-log?action=a%00b', /'action'/],
      ['GET', '/admin/v1/generations/gen-%00', /'generationId'/],
      ['GET', '/admin/v1/models/a%00b/channels', /'id'/],
      ['GET', '/admin/v1/keys/a%00b', /'id'/],
      ['GET', '/admin/v1/accounts?a%00=1', /Invalid field name/],
    ])('%s %s: NUL in a query or path parameter', async (method, path, message) => {
      expectError(await api.request(method, path), 400, 'invalid_request_error', message);
    });

    it('PUT a model whose id in the path holds a NUL', async () => {
      const response = await api.put('/admin/v1/models/a%00b', { enabled: true });
      expectError(response, 400, 'invalid_request_error', /'id': must not contain NUL/);
    });
  });

  describe('bodies that are not JSON objects', () => {
    it.each(BODY_ROUTES.map((route) => [route.name, route] as const))('%s: null is refused', async (_name, route) => {
      expectError(await send(route, null), 400, 'invalid_request_error', /^Request body must be a JSON object$/);
    });

    it.each(BODY_ROUTES.filter((route) => route.name !== 'reconciliation').map((route) => [route.name, route] as const))(
      '%s: no body at all is refused',
      async (_name, route) => {
        expectError(await api.request(route.method, route.path(f)), 400, 'invalid_request_error', /^Request body is required/);
      },
    );

    it('takes a reconciliation request without a body: a run over everything', async () => {
      expect(await api.post('/admin/v1/reconciliations')).toMatchObject({ status: 202, body: { status: 'queued' } });
    });

    it.each([
      ['an array', '[{"name":"x"}]', /must be a JSON object/],
      ['a string', '"x"', /must be a JSON object/],
      ['a number', '42', /must be a JSON object/],
      ['empty', '', /empty/],
      ['not JSON', '{"name":', /not valid JSON/],
      ['a __proto__ key (valid JSON: it was called invalid)', '{"__proto__":{"a":1},"name":"x"}', /^Invalid field name: '__proto__'/],
    ])('POST /accounts with %s', async (_name, body, message) => {
      const response = await api.raw('POST', '/admin/v1/accounts', body, { 'content-type': 'application/json' });
      expectError(response, 400, 'invalid_request_error', message);
    });

    it('refuses a body that is not UTF-8 instead of storing U+FFFD', async () => {
      const bytes = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
      const response = await api.raw('POST', '/admin/v1/accounts', bytes, { 'content-type': 'application/json' });
      expectError(response, 400, 'invalid_request_error', /not valid UTF-8/);
      const overlong = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
      expectError(
        await api.raw('POST', '/admin/v1/accounts', overlong, { 'content-type': 'application/json' }),
        400,
        'invalid_request_error',
        /not valid UTF-8/,
      );
      const fine = await api.raw('POST', '/admin/v1/accounts', Buffer.from('{"name":"café 東京 😀"}'), {
        'content-type': 'application/json; charset=utf-8',
      });
      expect(fine).toMatchObject({ status: 201, body: { name: 'café 東京 😀' } });
    });

    it('refuses a compressed body, or one in another charset, saying so (it was "not valid UTF-8")', async () => {
      const gzipped = await api.raw('POST', '/admin/v1/accounts', gzipSync('{"name":"x"}'), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      expectError(gzipped, 400, 'invalid_request_error', /^Unsupported Content-Encoding: send the body uncompressed$/);
      const latin1 = await api.raw('POST', '/admin/v1/accounts', Buffer.from('{"name":"caf\xe9"}', 'latin1'), {
        'content-type': 'application/json; charset=iso-8859-1',
      });
      expectError(latin1, 400, 'invalid_request_error', /^Unsupported charset: send JSON in UTF-8$/);
    });

    it('refuses another content type with a 400', async () => {
      const response = await api.raw('POST', '/admin/v1/accounts', 'name=x', { 'content-type': 'text/plain' });
      expectError(response, 400, 'invalid_request_error', /media type|content type/i);
    });
  });

  describe('deep nesting', () => {
    const deep = (levels: number) => `{"name":${'['.repeat(levels)}${']'.repeat(levels)}}`;

    it.each(BODY_ROUTES.map((route) => [route.name, route] as const))(
      '%s: 1,500 levels in 3 KB get a 400 at parsing, and the app serves on',
      async (_name, route) => {
        const body = deep(1_500);
        expect(Buffer.byteLength(body)).toBeLessThan(3_100);
        const response = await api.raw(route.method, route.path(f), body, { 'content-type': 'application/json' });
        expectError(response, 400, 'invalid_request_error', /nested too deeply: at most 64 levels/);
        expect((await api.get('/healthz')).status).toBe(200);
      },
    );

    it('takes 64 levels to validation (which names the field) and refuses 65 at parsing', async () => {
      const post = (arrays: number) =>
        api.raw('POST', '/admin/v1/accounts', `{"name":${'['.repeat(arrays)}${']'.repeat(arrays)}}`, {
          'content-type': 'application/json',
        });
      expectError(await post(63), 400, 'invalid_request_error', /'name'/);
      expectError(await post(64), 400, 'invalid_request_error', /nested too deeply/);
    });

    it('is not fooled by brackets inside strings', async () => {
      const created = await api.post('/admin/v1/accounts', { name: '['.repeat(150) });
      expect(created).toMatchObject({ status: 201, body: { name: '['.repeat(150) } });
    });
  });

  describe('pagination cursors are checked like any other input', () => {
    const MALFORMED: [string, string][] = [
      ['not base64 JSON', 'garbage!'],
      ['an array', cursor([1, 2])],
      ['a number instead of an object', cursor(5)],
    ];
    const TIME_CURSORS: [string, string][] = [
      ['a date past year 9999', cursor({ t: '+275760-09-13T00:00:00.000Z', i: UUID })],
      ['year 0', cursor({ t: '0000-01-01T00:00:00.000Z', i: UUID })],
      ['a date that is not one', cursor({ t: '2026-02-30T00:00:00.000Z', i: UUID })],
      ['a date in another form', cursor({ t: '2026-01-01', i: UUID })],
      ['no date', cursor({ i: UUID })],
    ];
    /** [list, path, cursors of the list's own kind that are not ones the API wrote] */
    const LISTS: [string, (fx: Fixture) => string, [string, string][]][] = [
      ...['staff', 'accounts', 'keys', 'channels'].map((list): [string, (fx: Fixture) => string, [string, string][]] => [
        list,
        () => `/admin/v1/${list}`,
        [
          ...TIME_CURSORS,
          ['a non-UUID id', cursor({ t: TIME, i: 'x' })],
          ['an id with a NUL', cursor({ t: TIME, i: `${UUID.slice(0, 35)}\u0000` })],
        ],
      ]),
      [
        'usage',
        () => '/admin/v1/usage',
        [
          ...TIME_CURSORS,
          ['a generation id with a NUL', cursor({ t: TIME, i: 'gen-\u0000' })],
          ['a generation id of 65 characters', cursor({ t: TIME, i: 'g'.repeat(65) })],
          ['a generation id with a space', cursor({ t: TIME, i: 'gen 1' })],
        ],
      ],
      ...[
        ['ledger', (fx: Fixture) => `/admin/v1/accounts/${fx.accountId}/ledger`],
        ['audit log', () => '/admin/v1/audit-log'],
      ].map(([list, path]): [string, (fx: Fixture) => string, [string, string][]] => [
        list as string,
        path as (fx: Fixture) => string,
        [
          ['an id past BIGINT', cursor({ i: '9223372036854775808' })],
          ['an id of 20 digits', cursor({ i: '99999999999999999999' })],
          ['a negative id', cursor({ i: '-1' })],
          ['a number instead of a string', cursor({ i: 5 })],
          ['an id with a NUL', cursor({ i: '1\u0000' })],
        ],
      ]),
      [
        'models',
        () => '/admin/v1/models',
        [
          ['an id with a NUL', cursor({ i: NUL })],
          ['an id with an unpaired surrogate', cursor({ i: 'a\ud800' })],
          ['an empty id', cursor({ i: '' })],
          ['an id of 300 characters', cursor({ i: 'm'.repeat(300) })],
          ['a number instead of a string', cursor({ i: 5 })],
        ],
      ],
      [
        'daily usage',
        () => '/admin/v1/usage/daily',
        [
          ['a day past year 9999', cursor({ d: '10000-01-01', a: UUID, k: UUID, m: 'x' })],
          ['a day that is not one', cursor({ d: '2026-02-30', a: UUID, k: UUID, m: 'x' })],
          ['a non-UUID account', cursor({ d: '2026-01-01', a: 'x', k: UUID, m: 'x' })],
          ['a model with a NUL', cursor({ d: '2026-01-01', a: UUID, k: UUID, m: NUL })],
        ],
      ],
    ];
    const cases = LISTS.flatMap(([list, path, crafted]) =>
      [...MALFORMED, ...crafted].map(([name, value]) => [list, name, path, value] as const),
    );

    it.each(cases)('%s: %s', async (_list, _name, path, value) => {
      const response = await api.get(`${path(f)}?cursor=${encodeURIComponent(value)}`);
      expectError(response, 400, 'invalid_request_error', /'cursor'/);
    });

    it('still pages with the cursors the API wrote, up to the oldest and newest dates the database holds', async () => {
      const first = await api.get('/admin/v1/accounts?limit=1');
      expect(first.status).toBe(200);
      expect((await api.get(`/admin/v1/accounts?limit=1&cursor=${first.body.nextCursor}`)).status).toBe(200);
      for (const t of ['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
        expect((await api.get(`/admin/v1/accounts?cursor=${cursor({ t, i: UUID })}`)).status).toBe(200);
        const usage = cursor({ t, i: 'gen-00000000000000000000000000' });
        expect((await api.get(`/admin/v1/usage?cursor=${usage}`)).status).toBe(200);
      }
      expect((await api.get(`/admin/v1/audit-log?cursor=${cursor({ i: '9223372036854775807' })}`)).status).toBe(200);
    });
  });

  describe('dates and integers out of range', () => {
    const BAD_TIMESTAMPS = [
      '0000-01-01T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      '9999-12-31T23:59:59-23:00',
      '2021-W01-1',
      '20210101T000000Z',
      '2021-02-30T00:00:00Z',
      '2021-01-01T10:00:00',
    ];

    it.each(BAD_TIMESTAMPS)('usage, reconciliations and keys refuse %s', async (value) => {
      const q = encodeURIComponent(value);
      expectError(await api.get(`/admin/v1/usage?from=${q}`), 400, 'invalid_request_error', /'from'/);
      expectError(await api.get(`/admin/v1/usage?to=${q}`), 400, 'invalid_request_error', /'to'/);
      expectError(await api.post('/admin/v1/reconciliations', { from: value }), 400, 'invalid_request_error', /'from'/);
      expectError(await api.post('/admin/v1/reconciliations', { to: value }), 400, 'invalid_request_error', /'to'/);
      expectError(
        await api.post('/admin/v1/keys', { accountId: f.accountId, name: 'k', expiresAt: value }),
        400,
        'invalid_request_error',
        /'expiresAt'/,
      );
      const patched = await api.patch(`/admin/v1/keys/${f.keyId}`, { expiresAt: value });
      expectError(patched, 400, 'invalid_request_error', /'expiresAt'/);
    });

    it.each(['0000-01-01', '10000-01-01', '2021-02-29', '2021-1-1'])('daily usage refuses the day %s', async (value) => {
      expectError(await api.get(`/admin/v1/usage/daily?from=${value}`), 400, 'invalid_request_error', /'from'/);
    });

    it('accepts the extremes the database holds', async () => {
      const range = 'from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59.999Z';
      const usage = await api.get(`/admin/v1/usage?accountId=${f.accountId}&${range}`);
      expect(usage).toMatchObject({ status: 200, body: { data: [] } });
      const run = await api.post('/admin/v1/reconciliations', { from: '0001-01-01', to: '9999-12-31T23:59:59.999Z' });
      expect(run.status).toBe(202);
      const far = '9999-12-31T23:59:59.999Z';
      const created = await api.post('/admin/v1/keys', { accountId: f.accountId, name: 'far', expiresAt: far });
      expect(created).toMatchObject({ status: 201, body: { expiresAt: '9999-12-31T23:59:59.999Z' } });
    });

    it.each([
      ['limit=0', /'limit'/],
      ['limit=-1', /'limit'/],
      ['limit=501', /'limit'/],
      ['limit=1e3', /'limit'/],
      ['limit=99999999999999999999', /'limit'/],
      ['limit=1&limit=2', /'limit'/],
    ])('lists refuse ?%s', async (query, message) => {
      expectError(await api.get(`/admin/v1/accounts?${query}`), 400, 'invalid_request_error', message);
    });

    it.each([
      ['rpm', '1e400'],
      ['rpm', '100001'],
      ['rpm', '1.5'],
      ['rpm', '-1'],
    ])('the RPM override refuses %s=%s', async (field, value) => {
      const response = await api.raw('PUT', `/admin/v1/keys/${f.keyId}/rpm-limit`, `{"${field}":${value}}`, {
        'content-type': 'application/json',
      });
      expectError(response, 400, 'invalid_request_error', new RegExp(`'${field}'`));
    });

    it.each([
      [{ maxOutputTokens: 1e20 }, /'maxOutputTokens'/],
      [{ timeoutS: 2 ** 53 }, /'timeoutS'/],
      [{ inputUsdPerMTok: '1e3' }, /'inputUsdPerMTok'/],
    ])('a model refuses %j', async (body, message) => {
      const updated = await api.put(`/admin/v1/models/${encodeURIComponent(f.modelId)}`, body);
      expectError(updated, 400, 'invalid_request_error', message);
    });

    it('model channel links refuse an out-of-range priority or weight', async () => {
      const path = `/admin/v1/models/${encodeURIComponent(f.modelId)}/channels`;
      const link = (settings: object) => api.put(path, { channels: [{ channelId: f.channelId, ...settings }] });
      expectError(await link({ priority: 2 ** 31 }), 400, 'invalid_request_error', /'channels\.0\.priority'/);
      expectError(await link({ weight: 0 }), 400, 'invalid_request_error', /'channels\.0\.weight'/);
    });

    it('model channel links refuse an entry that is an array (it was validated as a list of links: a 500)', async () => {
      const path = `/admin/v1/models/${encodeURIComponent(f.modelId)}/channels`;
      for (const channels of [[[]], [[{ channelId: f.channelId }]]]) {
        const response = await api.put(path, { channels });
        expectError(response, 400, 'invalid_request_error', /^Invalid value for 'channels': entry 0 must be a JSON object$/);
      }
    });
  });

  describe('requests the HTTP layer refuses', () => {
    function expectJsonError(response: AdminResponse, message: RegExp) {
      expectError(response, 400, 'invalid_request_error', message);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('x-request-id')).toMatch(/^req-/);
    }

    it('a 100 KB query string gets a JSON 400 saying the request line is too large', async () => {
      expectJsonError(await api.get(`/admin/v1/accounts?name=${'a'.repeat(100_000)}`), /Request line or headers are too large/);
      expect((await api.get('/healthz')).status).toBe(200);
    });

    it('so do 100 KB of headers', async () => {
      const response = await api.raw('GET', '/admin/v1/accounts', undefined, { 'x-padding': 'a'.repeat(100_000) });
      expectJsonError(response, /Request line or headers are too large/);
    });

    it("the queue dashboard's sign-in form answers a body it cannot take in the error format (was Fastify's own)", async () => {
      const signIn = (body: string, contentType: string) =>
        api.as(null).raw('POST', '/admin/queues/login', body, { 'content-type': contentType });
      expectJsonError(await signIn('token=x', 'text/plain'), /Unsupported content type: post the sign-in form/);
      expectJsonError(await signIn('{"token":', 'application/json'), /not valid JSON/);
      const large = await signIn(`token=${'x'.repeat(5_000)}`, 'application/x-www-form-urlencoded');
      expectError(large, 413, 'invalid_request_error', /too large/);
    });

    // Node answered a bare 417, with no body and no request id.
    it('an Expect header other than 100-continue gets a JSON 400 naming it', async () => {
      const bytes = requestBytes({
        path: '/admin/v1/accounts',
        headers: [['host', '127.0.0.1'], ['expect', '200-ok'], ['content-type', 'application/json'], ['content-length', '2']],
        body: '{}',
      });
      const response = await sendRaw(Number(new URL(admin.url).port), bytes, 5_000);
      expect(response.status).toBe(400);
      expect(response.headers['x-request-id']).toMatch(/^req-/);
      expect(JSON.parse(response.body)).toEqual({
        error: { message: "Unsupported Expect header: only '100-continue' is supported", type: 'invalid_request_error', code: '400' },
      });
    });

    it('a URL the router cannot decode, and a path parameter over its length limit', async () => {
      expectJsonError(await api.get('/admin/v1/generations/gen-%FF'), /Malformed URL/);
      expectJsonError(await api.get(`/admin/v1/generations/${'a'.repeat(200)}`), /path parameter is too long/);
    });
  });
});
