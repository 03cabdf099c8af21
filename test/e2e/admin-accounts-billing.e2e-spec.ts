import OpenAI from 'openai';
import { formatMicrosAsUsd, parseUsdToMicros } from '../../libs/common/src';
import { LedgerRepository } from '../../libs/db/src';
import { AdminApi, AdminResponse, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { heldNow, relayCredits } from '../support/books';
import { settledBooks } from '../support/settlement';
import { accountBooks, closeTestDb, testDb } from '../support/test-db';
import { TEST_BILLING_STORE } from '../support/test-env';
import { waitFor } from '../support/wait-for';

const usd = (value: string) => parseUsdToMicros(value)!;

describe('admin API: accounts, top-ups and the ledger', () => {
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

  async function keyFor(accountId: string): Promise<string> {
    const created = await api.post('/admin/v1/keys', { accountId, name: 'billing e2e' });
    return created.body.key;
  }

  describe('accounts', () => {
    it('creates an account with money as decimal strings', async () => {
      const created = await api.post('/admin/v1/accounts', { name: 'Acme Ltd', email: 'billing@acme.test' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Acme Ltd',
        email: 'billing@acme.test',
        status: 'active',
        balanceUsd: '0.000000',
        reservedUsd: '0.000000',
        rpmLimit: null,
        accountRpmLimit: null,
        createdAt: expect.any(String),
      });
      expect(new Date(created.body.createdAt).toISOString()).toBe(created.body.createdAt);
      expect(await api.get(`/admin/v1/accounts/${created.body.id}`)).toMatchObject({ status: 200, body: created.body });
    });

    it('creates an account without an email', async () => {
      const created = await api.post('/admin/v1/accounts', { name: 'No Mail' });
      expect(created).toMatchObject({ status: 201, body: { name: 'No Mail', email: null } });
    });

    it.each([
      [{}, /Missing required field 'name'/],
      [{ name: '' }, /'name'/],
      [{ name: 42 }, /'name'/],
      [{ name: 'x', email: 'not-mail' }, /'email'/],
      [{ name: 'x', balanceUsd: '100' }, /Unrecognized field 'balanceUsd'/],
    ])('400 naming the field for %j', async (body, message) => {
      expectError(await api.post('/admin/v1/accounts', body), 400, 'invalid_request_error', message);
    });

    it('400 for a body that is not a JSON object, or not JSON', async () => {
      expectError(await api.post('/admin/v1/accounts', ['Acme']), 400, 'invalid_request_error', /JSON object/);
      const raw = await fetch(`${admin.url}/admin/v1/accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
        body: '{"name": ',
      });
      expect(raw.status).toBe(400);
      expect(((await raw.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    });

    it('404 for an unknown or malformed account id', async () => {
      expectError(await api.get('/admin/v1/accounts/00000000-0000-4000-8000-000000000000'), 404, 'not_found');
      expectError(await api.get('/admin/v1/accounts/not-a-uuid'), 404, 'not_found');
    });

    it('lists accounts newest first with an opaque cursor, every account exactly once', async () => {
      const mine = [];
      for (let i = 0; i < 5; i++) mine.push((await api.createAccount({ name: `page ${i}` })).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: AdminResponse = await api.get(
          `/admin/v1/accounts?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.data.map((a: { id: string }) => a.id));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor && pages < 1000);
      expect(new Set(seen).size).toBe(seen.length);
      const positions = mine.map((id) => seen.indexOf(id));
      expect(positions.every((p) => p >= 0)).toBe(true);
      // Newest first: the last created comes first.
      expect([...positions].sort((a, b) => b - a)).toEqual(positions);
      const last = await api.get(`/admin/v1/accounts?limit=500`);
      expect(last.body).toHaveProperty('nextCursor');
    });

    it.each([
      ['limit=0', /'limit'/],
      ['limit=501', /'limit'/],
      ['limit=ten', /'limit'/],
      ['cursor=%25%25%25', /'cursor'/],
      ['cursor=eyJ4IjoxfQ', /'cursor'/],
      ['unknown=1', /'unknown'/],
    ])('400 for a bad list query: %s', async (query, message) => {
      expectError(await api.get(`/admin/v1/accounts?${query}`), 400, 'invalid_request_error', message);
    });

    it('shows open reservations: balanceUsd is spendable (net of holds), reservedUsd the holds', async () => {
      const account = await api.createAccount({ balanceUsd: '10.00' });
      const client = new OpenAI({ apiKey: await keyFor(account.id), baseURL: `${proxy.url}/v1`, maxRetries: 0 });
      const pending = client.chat.completions.create({
        model: 'gpt-4.1-mini',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hold on mock:delay_ms=1500 mock:output_tokens=10' }],
      });
      const during = await waitFor(async () => {
        const view = (await api.get(`/admin/v1/accounts/${account.id}`)).body;
        return view.reservedUsd !== '0.000000' ? view : null;
      });
      const held = await heldNow(account.id);
      expect(held).toBeGreaterThan(0n);
      expect(during.reservedUsd).toBe(formatMicrosAsUsd(held));
      expect(usd(during.balanceUsd)).toBe(usd('10.00') - usd(during.reservedUsd));
      await pending;
      const after = await waitFor(async () => {
        const view = (await api.get(`/admin/v1/accounts/${account.id}`)).body;
        return view.reservedUsd === '0.000000' ? view : null;
      });
      const settled = await settledBooks(account.id);
      expect(after.balanceUsd).toBe(formatMicrosAsUsd(settled.balance));
      expect(settled.balance).toBe(settled.ledgerSum);
    });
  });

  describe('top-ups', () => {
    it('credits through the ledger and answers the new balance', async () => {
      const account = await api.createAccount();
      const first = await api.post(`/admin/v1/accounts/${account.id}/top-ups`, {
        amountUsd: '12.5',
        reference: 'inv-1',
      });
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        id: expect.stringMatching(/^\d+$/),
        accountId: account.id,
        amountUsd: '12.500000',
        balanceUsd: '12.500000',
        reference: 'inv-1',
      });
      const second = await api.post(`/admin/v1/accounts/${account.id}/top-ups`, { amountUsd: '0.000001' });
      expect(second.body.balanceUsd).toBe('12.500001');
      const books = await accountBooks(account.id);
      expect(books.balance).toBe(12_500_001n);
      expect(books.ledgerSum).toBe(books.balance);
      const db = await testDb();
      const entry = await db.ledgerEntry.findUniqueOrThrow({ where: { id: BigInt(first.body.id) } });
      const bootstrap = await db.staff.findUniqueOrThrow({ where: { email: 'bootstrap-admin' } });
      expect(entry).toMatchObject({
        kind: 'top_up',
        amountMicros: 12_500_000n,
        reference: 'inv-1',
        staffId: bootstrap.id,
      });
    });

    it('accepts exactly 1,000,000', async () => {
      const account = await api.createAccount();
      const response = await api.post(`/admin/v1/accounts/${account.id}/top-ups`, { amountUsd: '1000000' });
      expect(response).toMatchObject({ status: 201, body: { amountUsd: '1000000.000000' } });
    });

    it.each([
      ['zero', '0'],
      ['zero with decimals', '0.000000'],
      ['negative', '-5.00'],
      ['above 1,000,000', '1000000.000001'],
      ['seven decimals', '1.1234567'],
      ['not a number', 'ten'],
      ['exponent', '1e3'],
      ['a JSON number', 5],
      ['null', null],
    ])('400 naming amountUsd for %s, and nothing moves', async (_name, amountUsd) => {
      const account = await api.createAccount();
      const response = await api.post(`/admin/v1/accounts/${account.id}/top-ups`, { amountUsd });
      expectError(response, 400, 'invalid_request_error', /'amountUsd'/);
      expect((await accountBooks(account.id)).balance).toBe(0n);
    });

    it('400 when amountUsd is missing', async () => {
      const account = await api.createAccount();
      expectError(
        await api.post(`/admin/v1/accounts/${account.id}/top-ups`, {}),
        400,
        'invalid_request_error',
        /Missing required field 'amountUsd'/,
      );
    });

    it('404 for an unknown account', async () => {
      const response = await api.post('/admin/v1/accounts/00000000-0000-4000-8000-000000000000/top-ups', {
        amountUsd: '5',
      });
      expectError(response, 404, 'not_found');
    });

    it('Idempotency-Key: 20 concurrent repeats make one ledger entry and get one answer', async () => {
      const account = await api.createAccount();
      const key = `topup-${Date.now()}`;
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          api.post(
            `/admin/v1/accounts/${account.id}/top-ups`,
            { amountUsd: '7.25', reference: 'wire 1' },
            { 'idempotency-key': key },
          ),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
      for (const response of responses) expect(response.body).toEqual(responses[0].body);
      expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
      expect(responses[0].body).toMatchObject({ amountUsd: '7.250000', balanceUsd: '7.250000' });

      const db = await testDb();
      expect(await db.ledgerEntry.count({ where: { accountId: account.id } })).toBe(1);
      expect((await accountBooks(account.id)).balance).toBe(7_250_000n);

      const later = await api.post(
        `/admin/v1/accounts/${account.id}/top-ups`,
        { amountUsd: '7.250000', reference: 'wire 1' },
        { 'idempotency-key': key },
      );
      expect(later).toMatchObject({ status: 201, body: responses[0].body });
      expect(await db.ledgerEntry.count({ where: { accountId: account.id } })).toBe(1);
    });

    it('Idempotency-Key reused with a different body: 422, nothing moves', async () => {
      const account = await api.createAccount();
      const key = `reuse-${Date.now()}`;
      const path = `/admin/v1/accounts/${account.id}/top-ups`;
      expect((await api.post(path, { amountUsd: '3' }, { 'idempotency-key': key })).status).toBe(201);
      expectError(
        await api.post(path, { amountUsd: '4' }, { 'idempotency-key': key }),
        422,
        'invalid_request_error',
        /Idempotency-Key/,
      );
      expectError(
        await api.post(path, { amountUsd: '3', reference: 'x' }, { 'idempotency-key': key }),
        422,
        'invalid_request_error',
      );
      const other = await api.createAccount();
      expectError(
        await api.post(`/admin/v1/accounts/${other.id}/top-ups`, { amountUsd: '3' }, { 'idempotency-key': key }),
        422,
        'invalid_request_error',
      );
      expect((await accountBooks(account.id)).balance).toBe(3_000_000n);
      expect((await accountBooks(other.id)).balance).toBe(0n);
    });

    it('a failed top-up does not use up its Idempotency-Key', async () => {
      const key = `fail-${Date.now()}`;
      expectError(
        await api.post(
          '/admin/v1/accounts/00000000-0000-4000-8000-000000000000/top-ups',
          { amountUsd: '1' },
          { 'idempotency-key': key },
        ),
        404,
        'not_found',
      );
      const account = await api.createAccount();
      // The key now names a request to another account; that one never happened, so this is a first request.
      const response = await api.post(
        `/admin/v1/accounts/${account.id}/top-ups`,
        { amountUsd: '1' },
        { 'idempotency-key': key },
      );
      expect(response.status).toBe(201);
    });

    it('400 for a malformed Idempotency-Key', async () => {
      const account = await api.createAccount();
      const response = await api.post(
        `/admin/v1/accounts/${account.id}/top-ups`,
        { amountUsd: '1' },
        { 'idempotency-key': 'x'.repeat(256) },
      );
      expectError(response, 400, 'invalid_request_error', /Idempotency-Key/);
    });
  });

  describe('ledger', () => {
    it('lists every kind of entry with the running balance, newest first, page by page', async () => {
      const account = await api.createAccount({ balanceUsd: '5.00' });
      const client = new OpenAI({ apiKey: await keyFor(account.id), baseURL: `${proxy.url}/v1`, maxRetries: 0 });
      const { response } = await client.chat.completions
        .create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hello mock:output_tokens=8' }] })
        .withResponse();
      const generationId = response.headers.get('x-chuizi-generation-id')!;
      await settledBooks(account.id);
      const db = await testDb();
      await new LedgerRepository(db).post(account.id, 'adjustment', -1_000n, 'goodwill correction', null);
      // Posted behind the admin API's back: on the wallet the view shows the spendable balance once the posting's
      // credit is relayed to it (the worker's job), and not before.
      const before = (await api.get(`/admin/v1/accounts/${account.id}`)).body.balanceUsd;
      await relayCredits(account.id);
      const after = (await api.get(`/admin/v1/accounts/${account.id}`)).body.balanceUsd;
      expect(usd(after)).toBe(usd(before) + (TEST_BILLING_STORE === 'wallet' ? -1_000n : 0n));

      const ledger = await api.get(`/admin/v1/accounts/${account.id}/ledger`);
      expect(ledger.status).toBe(200);
      const entries = ledger.body.data;
      // On the wallet the hold lives in Redis: only its settlement reaches the ledger.
      expect(entries.map((e: { kind: string }) => e.kind)).toEqual(
        TEST_BILLING_STORE === 'wallet'
          ? ['adjustment', 'settlement', 'top_up']
          : ['adjustment', 'settlement', 'release', 'reservation', 'top_up'],
      );
      for (const { reference: _reference, ...entry } of entries) {
        expect(entry).toEqual({
          id: expect.stringMatching(/^\d+$/),
          kind: expect.any(String),
          amountUsd: expect.stringMatching(/^-?\d+\.\d{6}$/),
          balanceAfterUsd: expect.stringMatching(/^-?\d+\.\d{6}$/),
          generationId: ['settlement', 'release', 'reservation'].includes(entry.kind) ? generationId : null,
          createdAt: expect.any(String),
        });
      }
      expect(entries[entries.length - 1]).toMatchObject({
        kind: 'top_up',
        amountUsd: '5.000000',
        balanceAfterUsd: '5.000000',
        reference: null,
      });
      // Each balanceAfter is the previous one plus the amount; the newest is the account's balance.
      for (let i = 0; i < entries.length - 1; i++) {
        expect(usd(entries[i].balanceAfterUsd)).toBe(usd(entries[i + 1].balanceAfterUsd) + usd(entries[i].amountUsd));
      }
      const view = await api.get(`/admin/v1/accounts/${account.id}`);
      expect(entries[0].balanceAfterUsd).toBe(view.body.balanceUsd);
      expect(entries[0]).toMatchObject({ amountUsd: '-0.001000', reference: 'goodwill correction' });

      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page: AdminResponse = await api.get(
          `/admin/v1/accounts/${account.id}/ledger?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        paged.push(...page.body.data.map((e: { id: string }) => e.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(paged).toEqual(entries.map((e: { id: string }) => e.id));
    });

    it('404 for the ledger of an unknown account', async () => {
      expectError(await api.get('/admin/v1/accounts/00000000-0000-4000-8000-000000000000/ledger'), 404, 'not_found');
    });
  });
});
