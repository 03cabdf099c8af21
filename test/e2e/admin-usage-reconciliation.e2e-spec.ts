import { Queue } from 'bullmq';
import OpenAI from 'openai';
import { formatMicrosAsUsd } from '../../libs/common/src';
import { createApiKey } from '../factories/api-key.factory';
import type { UsageProtocol } from '../../libs/db/src';
import { createUsageRecord } from '../factories/usage-record.factory';
import { AdminApi, AdminResponse, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { closeTestDb, testDb } from '../support/test-db';
import { suiteRedisPrefix, TEST_REDIS_URL } from '../support/test-env';
import { waitFor } from '../support/wait-for';

describe('admin API: usage, generations, reconciliations and the audit log', () => {
  let admin: AppProcess;
  let proxy: AppProcess;
  let api: AdminApi;

  beforeAll(async () => {
    [admin, proxy] = await AppProcess.together([AppProcess.start('admin'), AppProcess.start('proxy')]);
    api = new AdminApi(admin.url);
  });

  afterAll(async () => {
    await Promise.all([admin?.stop(), proxy?.stop()]);
    await closeTestDb();
  });

  async function newKey(accountId: string): Promise<{ id: string; key: string }> {
    return (await api.post('/admin/v1/keys', { accountId, name: 'usage e2e' })).body;
  }

  async function complete(key: string, options: { model?: string; stream?: boolean; outputTokens?: number } = {}) {
    const client = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const content = `alpha beta gamma mock:output_tokens=${options.outputTokens ?? 4}`;
    const model = options.model ?? 'gpt-4.1-mini';
    if (options.stream) {
      const { data, response } = await client.chat.completions
        .create({ model, stream: true, messages: [{ role: 'user', content }] })
        .withResponse();
      for await (const _chunk of data) {
        // drain
      }
      return response.headers.get('x-chuizi-generation-id')!;
    }
    const { response } = await client.chat.completions
      .create({ model, messages: [{ role: 'user', content }] })
      .withResponse();
    return response.headers.get('x-chuizi-generation-id')!;
  }

  async function usageOf(query: string) {
    const response = await api.get(`/admin/v1/usage?${query}`);
    expect(response.status).toBe(200);
    return response.body as { data: Record<string, unknown>[]; nextCursor: string | null };
  }

  describe('usage and generations', () => {
    it("lists the proxy's usage records with the spec's fields, filtered by account, key and model", async () => {
      const account = await api.createAccount({ balanceUsd: '10.00' });
      const other = await api.createAccount({ balanceUsd: '10.00' });
      const [keyA, keyB, keyOther] = [await newKey(account.id), await newKey(account.id), await newKey(other.id)];
      const first = await complete(keyA.key);
      const streamed = await complete(keyA.key, { stream: true, outputTokens: 6 });
      const onMini = await complete(keyB.key, { model: 'gpt-4o-mini' });
      await complete(keyOther.key);
      const db = await testDb();
      await waitFor(async () => (await db.usageRecord.count({ where: { accountId: account.id } })) === 3);

      const byAccount = await usageOf(`accountId=${account.id}`);
      expect(byAccount.data.map((r) => r.generationId)).toEqual([onMini, streamed, first]);
      expect(byAccount.nextCursor).toBeNull();
      const record = byAccount.data[2];
      const row = await db.usageRecord.findUniqueOrThrow({ where: { generationId: first } });
      expect(record).toEqual({
        generationId: first,
        requestId: row.requestId,
        accountId: account.id,
        keyId: keyA.id,
        model: 'openai/gpt-4.1-mini',
        requestedModel: 'gpt-4.1-mini',
        protocol: 'openai',
        endpoint: row.endpoint,
        stream: false,
        status: 200,
        outcome: 'completed',
        errorType: null,
        // The mock counts words, its marker included.
        inputTokens: 4,
        outputTokens: 4,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        // What the proxy recorded of the provider, reasoning, upstream cost and stop reason, as stored.
        provider: row.provider,
        reasoningTokens: row.reasoningTokens ?? 0,
        upstreamCostUsd: row.upstreamCostMicros === null ? null : formatMicrosAsUsd(row.upstreamCostMicros),
        finishReason: row.finishReason,
        usageEstimated: false,
        reservedUsd: expect.stringMatching(/^\d+\.\d{6}$/),
        // 4 x 0.42 + 4 x 1.68 USD per million tokens (upstream x 1.05) = 8.4 micro-dollars, rounded up.
        costUsd: '0.000009',
        overrunUsd: '0.000000',
        upstreamStatus: 200,
        latencyMs: expect.any(Number),
        createdAt: row.createdAt.toISOString(),
      });
      expect(byAccount.data[1]).toMatchObject({ generationId: streamed, stream: true, outputTokens: 6 });

      expect((await usageOf(`keyId=${keyB.id}`)).data.map((r) => r.generationId)).toEqual([onMini]);
      expect(
        (await usageOf(`accountId=${account.id}&model=openai/gpt-4.1-mini`)).data.map((r) => r.generationId),
      ).toEqual([streamed, first]);
      expect((await usageOf(`accountId=${account.id}&keyId=${keyB.id}&model=openai/gpt-4.1-mini`)).data).toEqual([]);
    });

    it('model= takes an alias as clients send it (the records of its model), an id, or an unknown name as written', async () => {
      const account = await api.createAccount();
      const key = await createApiKey(account.id);
      const mini = (await createUsageRecord(account.id, key.id, { model: 'openai/gpt-4.1-mini' })).generationId;
      const other = (await createUsageRecord(account.id, key.id, { model: 'openai/gpt-4o-mini' })).generationId;
      // A request for a model the catalog does not know is recorded under the name the client sent.
      const unknown = (await createUsageRecord(account.id, key.id, { model: 'no-such-model' })).generationId;
      const ids = async (model: string) =>
        (await usageOf(`accountId=${account.id}&model=${encodeURIComponent(model)}`)).data.map((r) => r.generationId);

      expect(await ids('openai/gpt-4.1-mini')).toEqual([mini]);
      expect(await ids('gpt-4.1-mini')).toEqual([mini]);
      expect(await ids('gpt-4o-mini')).toEqual([other]);
      expect(await ids('no-such-model')).toEqual([unknown]);
      expect(await ids('never-used')).toEqual([]);

      const daily = await api.get(`/admin/v1/usage/daily?accountId=${account.id}&model=gpt-4.1-mini`);
      expect(daily.status).toBe(200);
      expect(daily.body.data.every((row: { model: string }) => row.model === 'openai/gpt-4.1-mini')).toBe(true);
    });

    it('filters by time (from inclusive, to exclusive) and pages newest first', async () => {
      const account = await api.createAccount();
      const key = await createApiKey(account.id);
      const at = (iso: string) => new Date(iso);
      const rows = [];
      for (const day of ['2021-03-01', '2021-03-02', '2021-03-03', '2021-03-04']) {
        rows.push(
          (await createUsageRecord(account.id, key.id, { createdAt: at(`${day}T12:00:00.000Z`) })).generationId,
        );
      }
      const ranged = await usageOf(`accountId=${account.id}&from=2021-03-02T12:00:00.000Z&to=2021-03-04T12:00:00.000Z`);
      expect(ranged.data.map((r) => r.generationId)).toEqual([rows[2], rows[1]]);

      const pageOne = await usageOf(`accountId=${account.id}&limit=3`);
      expect(pageOne.data.map((r) => r.generationId)).toEqual([rows[3], rows[2], rows[1]]);
      const pageTwo = await usageOf(`accountId=${account.id}&limit=3&cursor=${pageOne.nextCursor}`);
      expect(pageTwo).toEqual({ data: [expect.objectContaining({ generationId: rows[0] })], nextCursor: null });
    });

    it('filters by the protocol the client spoke (openai, anthropic, gemini)', async () => {
      const account = await api.createAccount();
      const key = await createApiKey(account.id);
      // One minute apart, so that newest first is one order.
      const record = async (minute: number, protocol: UsageProtocol, model: string, endpoint: string) => {
        const createdAt = new Date(Date.UTC(2021, 4, 1, 12, minute));
        return (await createUsageRecord(account.id, key.id, { protocol, model, endpoint, createdAt })).generationId;
      };
      const chat = await record(1, 'openai', 'openai/gpt-4.1-mini', 'chat.completions');
      const messages = await record(2, 'anthropic', 'anthropic/claude-haiku-4-5', 'messages');
      const generate = await record(3, 'gemini', 'google/gemini-2.5-flash', 'generateContent');
      const stream = await record(4, 'gemini', 'google/gemini-2.5-pro', 'streamGenerateContent');
      const ids = async (query: string) =>
        (await usageOf(`accountId=${account.id}${query}`)).data.map((r) => r.generationId);

      expect(await ids('&protocol=gemini')).toEqual([stream, generate]);
      expect(await ids('&protocol=anthropic')).toEqual([messages]);
      expect(await ids('&protocol=openai')).toEqual([chat]);
      expect(await ids('&protocol=gemini&model=google/gemini-2.5-flash')).toEqual([generate]);
      expect(await ids('&protocol=')).toEqual([stream, generate, messages, chat]);
      expect((await usageOf(`accountId=${account.id}&protocol=gemini`)).data[1]).toMatchObject({
        generationId: generate,
        model: 'google/gemini-2.5-flash',
        protocol: 'gemini',
        endpoint: 'generateContent',
      });
      expect((await api.get(`/admin/v1/generations/${generate}`)).body).toMatchObject({ protocol: 'gemini' });
    });

    it.each([
      ['protocol=google', /'protocol'/],
      ['protocol=GEMINI', /'protocol'/],
      ['accountId=abc', /'accountId'/],
      ['keyId=1', /'keyId'/],
      ['from=yesterday', /'from'/],
      ['to=2021-13-01', /'to'/],
      ['from=2021-03-02T00:00:00Z&to=2021-03-01T00:00:00Z', /'to'/],
      ['limit=501', /'limit'/],
      ['cursor=garbage', /'cursor'/],
      ['account=1', /'account'/],
    ])('400 for ?%s', async (query, message) => {
      expectError(await api.get(`/admin/v1/usage?${query}`), 400, 'invalid_request_error', message);
    });

    it('finds one request by the x-chuizi-generation-id the client saw', async () => {
      const account = await api.createAccount({ balanceUsd: '10.00' });
      const key = await newKey(account.id);
      const generationId = await complete(key.key, { outputTokens: 9 });
      const found = await waitFor(async () => {
        const response = await api.get(`/admin/v1/generations/${generationId}`);
        return response.status === 200 ? response.body : null;
      });
      expect(found).toMatchObject({ generationId, accountId: account.id, keyId: key.id, outputTokens: 9, status: 200 });
      expectError(await api.get('/admin/v1/generations/gen-00000000000000000000000000'), 404, 'not_found');
    });
  });

  describe('reconciliations', () => {
    let queue: Queue;

    beforeAll(() => {
      queue = new Queue('gateway', { connection: { url: TEST_REDIS_URL }, prefix: `${suiteRedisPrefix()}bull` });
    });

    afterAll(async () => {
      await queue?.close();
    });

    it('POST answers 202 queued, records the run and hands it to the worker queue', async () => {
      const response = await api.post('/admin/v1/reconciliations', {
        from: '2026-01-01T00:00:00.000Z',
        to: '2026-02-01T00:00:00.000Z',
      });
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'queued' });
      const db = await testDb();
      const run = await db.reconciliationRun.findUniqueOrThrow({ where: { id: response.body.id } });
      const bootstrap = await db.staff.findUniqueOrThrow({ where: { email: 'bootstrap-admin' } });
      expect(run).toMatchObject({
        trigger: 'manual',
        requestedBy: bootstrap.id,
        rangeFrom: new Date('2026-01-01T00:00:00.000Z'),
        rangeTo: new Date('2026-02-01T00:00:00.000Z'),
      });
      const job = await queue.getJob(`reconcile-${response.body.id}`);
      expect(job).toBeDefined();
      expect(job!.name).toBe('reconcile');
      expect(job!.data).toEqual({ runId: response.body.id });
    });

    it('POST without a body or range is a full run', async () => {
      const response = await api.post('/admin/v1/reconciliations');
      expect(response).toMatchObject({ status: 202, body: { status: 'queued' } });
      const view = await api.get(`/admin/v1/reconciliations/${response.body.id}`);
      expect(view.body).toMatchObject({ id: response.body.id, from: null, to: null });
    });

    it('GET shows the status, and the report once the worker wrote it', async () => {
      const queued = await api.post('/admin/v1/reconciliations', {});
      const id = queued.body.id;
      const before = await api.get(`/admin/v1/reconciliations/${id}`);
      expect(before.status).toBe(200);
      expect(['queued', 'running', 'completed', 'failed']).toContain(before.body.status);
      expect(before.body).toMatchObject({ id, trigger: 'manual', createdAt: expect.any(String) });

      // What the worker writes when it finishes (its own suite checks the report's content).
      const report = {
        recordsChecked: 12,
        accountsChecked: 3,
        staleReservations: { count: 1, usd: '0.010000' },
        drift: [],
      };
      const db = await testDb();
      await db.reconciliationRun.update({
        where: { id },
        data: { status: 'completed', report, startedAt: new Date(), finishedAt: new Date() },
      });
      const after = await api.get(`/admin/v1/reconciliations/${id}`);
      expect(after.body).toMatchObject({ id, status: 'completed', report, finishedAt: expect.any(String) });
    });

    it.each([
      [{ from: 'last week' }, /'from'/],
      [{ to: 5 }, /'to'/],
      [{ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, /'to'/],
      // An empty range: the worker could only fail the run ("the range is empty"), so it is refused at once.
      [{ from: '2025-03-01T00:00:00Z', to: '2025-03-01T00:00:00Z' }, /'to': must be after 'from'/],
      [{ from: '2025-03-02T00:00:00.000Z', to: '2025-03-02' }, /'to': must be after 'from'/],
      // Without 'to' the range ends at the request: a 'from' after it is empty too.
      [{ from: '9999-01-01T00:00:00Z' }, /'from': must be before the moment of the request/],
      [{ accountId: 'x' }, /Unrecognized field 'accountId'/],
    ])('POST 400 for %j', async (body, message) => {
      expectError(await api.post('/admin/v1/reconciliations', body), 400, 'invalid_request_error', message);
      // Refused, so no run is left behind (each of these ranges starts at a time no other request uses).
      if ('from' in body && typeof body.from === 'string' && !/last/.test(body.from)) {
        const db = await testDb();
        expect(await db.reconciliationRun.count({ where: { rangeFrom: new Date(body.from) } })).toBe(0);
      }
    });

    it('GET 404 for an unknown or malformed id', async () => {
      expectError(await api.get('/admin/v1/reconciliations/00000000-0000-4000-8000-000000000000'), 404, 'not_found');
      expectError(await api.get('/admin/v1/reconciliations/latest'), 404, 'not_found');
    });
  });

  describe('audit log', () => {
    // Other suites write the audit log in parallel: this one acts through staff of its own and reads back only their
    // entries (?staffId=, ?target=), never "the newest rows".
    it('records writes with staff id, before and after, newest first, page by page, without secrets', async () => {
      const owner = await api.createStaff('admin');
      const asOwner = api.as(owner.token);
      const staff = await asOwner.createStaff('support');
      const asSupport = api.as(staff.token);
      const account = await asOwner.createAccount();
      const created = await asSupport.post('/admin/v1/keys', { accountId: account.id, name: 'audited' });
      await asSupport.patch(`/admin/v1/keys/${created.body.id}`, { status: 'disabled' });
      const topUp = await asOwner.post(
        `/admin/v1/accounts/${account.id}/top-ups`,
        { amountUsd: '2.50' },
        { 'idempotency-key': `audit-${Date.now()}` },
      );
      const run = await asOwner.post('/admin/v1/reconciliations', {});

      const firstPage = await api.get(`/admin/v1/audit-log?staffId=${owner.id}&limit=2`);
      expect(firstPage.status).toBe(200);
      const secondPage = await api.get(`/admin/v1/audit-log?staffId=${owner.id}&limit=2&cursor=${firstPage.body.nextCursor}`);
      expect(secondPage.status).toBe(200);
      expect(secondPage.body.nextCursor).toBeNull();
      const [reconciliation, credit, accountCreate, staffCreate] = [...firstPage.body.data, ...secondPage.body.data];
      const [disable, keyCreate] = await api.listAll(`/admin/v1/audit-log?staffId=${staff.id}`);
      for (const entry of [reconciliation, credit, accountCreate, staffCreate, disable, keyCreate]) {
        expect(Object.keys(entry).sort()).toEqual([
          'action',
          'after',
          'before',
          'createdAt',
          'id',
          'requestId',
          'staffId',
          'target',
        ]);
      }
      expect(reconciliation).toMatchObject({
        action: 'reconciliation.request',
        target: `reconciliation:${run.body.id}`,
        staffId: owner.id,
      });
      expect(credit).toMatchObject({
        action: 'account.top_up',
        target: `account:${account.id}`,
        staffId: owner.id,
        before: { balanceUsd: '0.000000' },
        after: { id: topUp.body.id, amountUsd: '2.500000', balanceUsd: '2.500000' },
      });
      expect(accountCreate).toMatchObject({ action: 'account.create', after: { id: account.id } });
      expect(staffCreate).toMatchObject({
        action: 'staff.create',
        target: `staff:${staff.id}`,
        after: { role: 'support' },
      });
      expect(disable).toMatchObject({
        action: 'api_key.update',
        staffId: staff.id,
        before: { status: 'active' },
        after: { status: 'disabled' },
      });
      expect(keyCreate).toMatchObject({ action: 'api_key.create', staffId: staff.id, before: null });
      // Newest first: ids fall along the owner's entries.
      const ids = [reconciliation, credit, accountCreate, staffCreate].map((e: { id: string }) => BigInt(e.id));
      expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);

      // Filters combine: one target, one action.
      expect(await api.auditOf(`api_key:${created.body.id}`)).toEqual([disable, keyCreate]);
      expect(await api.auditOf(`account:${account.id}`, { action: 'account.top_up' })).toEqual([credit]);
      // The unfiltered log holds them too (wherever other suites' entries put them).
      const everything = await api.listAll<{ id: string }>('/admin/v1/audit-log');
      expect(everything.map((e) => e.id)).toEqual(expect.arrayContaining([reconciliation.id, disable.id]));

      const text = JSON.stringify([reconciliation, credit, accountCreate, staffCreate, disable, keyCreate]);
      expect(text).not.toContain(staff.token);
      expect(text).not.toContain(created.body.key);
      const db = await testDb();
      const staffRow = await db.staff.findUniqueOrThrow({ where: { id: staff.id } });
      expect(text).not.toContain(staffRow.tokenHash);
    });

    it.each([
      ['staffId=abc', /'staffId'/],
      ['target=' + 'x'.repeat(301), /'target'/],
      ['action=' + 'x'.repeat(101), /'action'/],
      ['who=me', /'who'/],
    ])('400 for ?%s', async (query, message) => {
      expectError(await api.get(`/admin/v1/audit-log?${query}`), 400, 'invalid_request_error', message);
    });
  });
});
