import { AdminApi } from '../support/admin-api';
import { AppProcess } from '../support/app-process';

/** Every route of spec/admin-api.md, as "METHOD /path" with OpenAPI's {param} syntax. */
const SPEC_ROUTES = [
  'POST /admin/v1/staff',
  'POST /admin/v1/accounts',
  'GET /admin/v1/accounts',
  'GET /admin/v1/accounts/{id}',
  'POST /admin/v1/accounts/{id}/top-ups',
  'GET /admin/v1/accounts/{id}/ledger',
  'POST /admin/v1/keys',
  'GET /admin/v1/keys',
  'GET /admin/v1/keys/{id}',
  'PATCH /admin/v1/keys/{id}',
  'PUT /admin/v1/keys/{id}/rpm-limit',
  'DELETE /admin/v1/keys/{id}',
  'GET /admin/v1/models',
  'GET /admin/v1/models/{id}',
  'PUT /admin/v1/models/{id}',
  'GET /admin/v1/usage',
  'GET /admin/v1/generations/{generationId}',
  'POST /admin/v1/reconciliations',
  'GET /admin/v1/reconciliations/{id}',
  'GET /admin/v1/audit-log',
  'GET /healthz',
  'GET /readyz',
  // spec/policy.md, "Admin API additions" and "Balance alerts"
  'PUT /admin/v1/accounts/{id}/rpm-limit',
  'PUT /admin/v1/accounts/{id}/alerts',
  'GET /admin/v1/accounts/{id}/alerts',
  'GET /admin/v1/accounts/{id}/alerts/deliveries',
];

/** Our additions to the contract (staff listing and disabling; adjustments and daily usage, docs/worker.md; upstream
 * channels, docs/upstreams.md; who am I and the list of reconciliation runs, for the console). */
const EXTRA_ROUTES = [
  'GET /admin/v1/staff',
  'GET /admin/v1/staff/me',
  'GET /admin/v1/reconciliations',
  'PATCH /admin/v1/staff/{id}',
  'POST /admin/v1/accounts/{id}/adjustments',
  'GET /admin/v1/usage/daily',
  'GET /admin/v1/channels',
  'POST /admin/v1/channels',
  'GET /admin/v1/channels/{id}',
  'PATCH /admin/v1/channels/{id}',
  'GET /admin/v1/models/{id}/channels',
  'PUT /admin/v1/models/{id}/channels',
];

describe('admin API: OpenAPI document', () => {
  let admin: AppProcess;
  let document: {
    openapi: string;
    paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
    security?: unknown[];
    components: { schemas: Record<string, unknown> };
  };

  beforeAll(async () => {
    admin = await AppProcess.start('admin');
    const response = await fetch(`${admin.url}/admin/docs-json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as typeof document;
  });

  afterAll(async () => {
    await admin?.stop();
  });

  it('lists every route of the spec, and no route the app does not serve', () => {
    const routes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(document.openapi).toMatch(/^3\./);
    expect(routes.sort()).toEqual([...SPEC_ROUTES, ...EXTRA_ROUTES].sort());
  });

  it('documents bearer authentication, request bodies and money as strings', () => {
    expect(document.security).toEqual([{ bearer: [] }]);
    const topUp = document.components.schemas.TopUpDto as { properties: Record<string, { type: string }> };
    expect(topUp.properties.amountUsd.type).toBe('string');
    const account = document.components.schemas.AccountView as { properties: Record<string, { type: string }> };
    expect(account.properties.balanceUsd.type).toBe('string');
    expect(document.paths['/admin/v1/reconciliations'].post.responses).toHaveProperty('202');
    expect(document.paths['/admin/v1/keys/{id}'].delete.responses).toHaveProperty('204');
  });

  it('documents the hardening: input rules, the audit-log filters and the negative-balance opt-in', () => {
    const description = (document as unknown as { info: { description: string } }).info.description;
    expect(description).toMatch(/429/);
    expect(description).toMatch(/64 levels deep/);
    expect(description).toMatch(/NUL/);
    const adjustment = document.components.schemas.AdjustmentDto as {
      properties: Record<string, { type: string; description: string }>;
    };
    expect(adjustment.properties.allowNegativeBalance).toMatchObject({ type: 'boolean' });
    expect(adjustment.properties.allowNegativeBalance.description).toMatch(/below zero/);
    const auditParameters = (
      document.paths['/admin/v1/audit-log'].get as unknown as { parameters: { name: string }[] }
    ).parameters.map((p) => p.name);
    expect(auditParameters).toEqual(expect.arrayContaining(['staffId', 'target', 'action', 'limit', 'cursor']));
  });

  it('documents every provider and every protocol where staff meet them', () => {
    const schema = (name: string) =>
      (document.components.schemas[name] as { properties: Record<string, { enum?: string[] }> }).properties;
    for (const name of ['CreateChannelDto', 'UpdateChannelDto', 'ChannelView', 'ModelChannelView', 'ModelView', 'UpdateModelDto']) {
      expect([name, schema(name).provider.enum]).toEqual([name, ['openai', 'anthropic', 'google']]);
    }
    expect(schema('UsageRecordView').protocol.enum).toEqual(['openai', 'anthropic', 'gemini']);
    const usageParameters = (
      document.paths['/admin/v1/usage'].get as unknown as { parameters: { name: string; schema: { enum?: string[] } }[] }
    ).parameters;
    expect(usageParameters.find((p) => p.name === 'protocol')?.schema.enum).toEqual(['openai', 'anthropic', 'gemini']);
  });

  it('documents the policy fields: key policy, account limits, model prices and markup, alerts without a readable secret', () => {
    type Schema = { properties: Record<string, { type?: string; nullable?: boolean; writeOnly?: boolean; $ref?: string; allOf?: unknown[] }> };
    const schema = (name: string) => document.components.schemas[name] as Schema;
    for (const name of ['CreateApiKeyDto', 'UpdateApiKeyDto', 'ApiKeyView']) {
      expect(schema(name).properties).toMatchObject({
        ipAllowlist: { type: 'array' },
        dailyLimitUsd: { type: 'string', nullable: true },
        tpmLimit: { type: 'number', nullable: true },
      });
    }
    expect(schema('AccountView').properties).toMatchObject({ rpmLimit: { nullable: true }, accountRpmLimit: { nullable: true } });
    expect(schema('AccountRpmLimitsDto').properties).toMatchObject({ rpm: { nullable: true }, accountRpm: { nullable: true } });
    expect(schema('ModelView').properties).toMatchObject({
      markup: { type: 'string' },
      cacheWriteUsdPerMTok: { type: 'string' },
      rpmPerAccount: { type: 'number' },
    });
    expect(JSON.stringify(schema('ModelView').properties.upstream)).toContain('PriceTableView');
    expect(JSON.stringify(schema('UpdateModelDto').properties.upstream)).toContain('UpstreamPricesDto');
    expect(schema('BalanceAlertSettingsDto').properties.secret).toMatchObject({ type: 'string', writeOnly: true });
    expect(schema('BalanceAlertSettingsView').properties).not.toHaveProperty('secret');
    expect(schema('AlertDeliveryView').properties).toMatchObject({ status: { type: 'string' }, lastStatusCode: { nullable: true } });
    // Support may set the key policy with a PATCH (spec/policy.md), not only the status: the summary says what it may send.
    const patchKey = (document.paths['/admin/v1/keys/{id}'].patch as unknown as { summary: string }).summary;
    for (const field of ['status', 'ipAllowlist', 'dailyLimitUsd', 'tpmLimit']) expect(patchKey).toContain(`\`${field}\``);
    expect(patchKey).not.toMatch(/`status` only/);
  });

  it('documents the error answers in the error format: 400/401/403/429/503 everywhere, 404 on ids, 422 on idempotent writes', () => {
    const schemas = document.components.schemas as Record<string, { properties: Record<string, { properties?: object }> }>;
    expect(schemas.ErrorResponse.properties.error.properties).toMatchObject({
      message: { type: 'string' },
      type: { type: 'string' },
      code: { type: 'string' },
    });
    const ref = { content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } };
    for (const [path, operations] of Object.entries(document.paths)) {
      if (!path.startsWith('/admin/v1/')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        for (const status of ['400', '401', '403', '429', '503']) {
          expect([method, path, status, operation.responses[status]]).toEqual([method, path, status, expect.objectContaining(ref)]);
        }
        if (path.includes('{')) expect([method, path, operation.responses['404']]).toEqual([method, path, expect.objectContaining(ref)]);
      }
    }
    expect(document.paths['/admin/v1/accounts/{id}/top-ups'].post.responses['422']).toMatchObject(ref);
    expect(document.paths['/admin/v1/accounts/{id}/adjustments'].post.responses['422']).toMatchObject(ref);
    const schemes = (document.components as { securitySchemes?: Record<string, { bearerFormat?: string }> }).securitySchemes;
    expect(schemes?.bearer.bearerFormat).not.toBe('JWT');
  });

  it('every documented route exists on the running app (no 404 from the router)', async () => {
    const api = new AdminApi(admin.url);
    for (const route of [...SPEC_ROUTES, ...EXTRA_ROUTES]) {
      const [method, template] = route.split(' ');
      const path = template.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const response = await api.request(method, path, method === 'GET' || method === 'DELETE' ? {} : { body: {} });
      // Unknown routes answer "Not found"; known ones answer for the (missing) resource or the (empty) body.
      expect([route, response.body?.error?.message]).not.toEqual([route, 'Not found']);
    }
  });

  it('serves the UI at /admin/docs from the app itself (no CDN)', async () => {
    const page = await fetch(`${admin.url}/admin/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toMatch(/swagger-ui/);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const response = await fetch(new URL(asset, `${admin.url}/admin/docs`));
      expect([asset, response.status]).toEqual([asset, 200]);
    }
  });
});
