import { randomBytes } from 'node:crypto';
import { AdminApi, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { accountBooks, closeTestDb } from '../support/test-db';

/** Adjustments may not overdraw an account unless the request says so, explicitly and audited. */
describe('admin API: adjustments below zero', () => {
  let admin: AppProcess;
  let api: AdminApi;
  let finance: AdminApi;
  let financeId: string;

  beforeAll(async () => {
    admin = await AppProcess.start('admin');
    api = new AdminApi(admin.url);
    const staff = await api.createStaff('finance');
    finance = api.as(staff.token);
    financeId = staff.id;
  });

  afterAll(async () => {
    await admin?.stop();
    await closeTestDb();
  });

  const adjust = (accountId: string, body: Record<string, unknown>, idempotencyKey?: string) =>
    finance.post(
      `/admin/v1/accounts/${accountId}/adjustments`,
      { reason: 'correction', ...body },
      idempotencyKey ? { 'idempotency-key': idempotencyKey } : undefined,
    );

  /** This suite's own audit entries of the account: filtered by target and staff, never "the newest rows". */
  async function adjustmentAudits(accountId: string) {
    const page = await api.get(
      `/admin/v1/audit-log?target=account:${accountId}&staffId=${financeId}&action=account.adjustment`,
    );
    expect(page.status).toBe(200);
    return page.body.data as { after: Record<string, unknown> }[];
  }

  it('refuses a debit that would take the balance below zero: 400 naming the amount, nothing moved or audited', async () => {
    const account = await api.createAccount({ balanceUsd: '10.00' });
    // The reported attack: one adjustment a million dollars below zero.
    const response = await adjust(account.id, { amountUsd: '-1000000' });
    expectError(
      response,
      400,
      'invalid_request_error',
      new RegExp(
        "^Invalid value for 'amountUsd': the adjustment would take the balance below zero " +
          '\\(from 10\\.000000 to -999990\\.000000 USD\\); set "allowNegativeBalance": true',
      ),
    );
    expectError(await adjust(account.id, { amountUsd: '-10.000001' }), 400, 'invalid_request_error', /below zero/);
    expect(await accountBooks(account.id)).toMatchObject({ balance: 10_000_000n, ledgerSum: 10_000_000n });
    expect(await adjustmentAudits(account.id)).toEqual([]);

    // Down to zero exactly is not below it.
    expect(await adjust(account.id, { amountUsd: '-10.00' })).toMatchObject({ status: 201, body: { balanceUsd: '0.000000' } });
  });

  it('posts it when the request allows a negative balance, and the audit entry says so', async () => {
    const account = await api.createAccount({ balanceUsd: '1.00' });
    const allowed = await adjust(account.id, { amountUsd: '-3.50', allowNegativeBalance: true });
    expect(allowed).toMatchObject({ status: 201, body: { amountUsd: '-3.500000', balanceUsd: '-2.500000' } });
    const plain = await adjust(account.id, { amountUsd: '0.50' });
    expect(plain).toMatchObject({ status: 201, body: { balanceUsd: '-2.000000' } });
    // A further debit without the flag is refused again.
    expectError(await adjust(account.id, { amountUsd: '-0.01' }), 400, 'invalid_request_error', /below zero/);

    const audits = await adjustmentAudits(account.id);
    expect(audits.map((entry) => [entry.after.amountUsd, entry.after.allowNegativeBalance])).toEqual([
      ['0.500000', false],
      ['-3.500000', true],
    ]);
  });

  it('holds under concurrency: 10 simultaneous debits of $3 on a $10 account, 3 posted and 7 refused', async () => {
    const account = await api.createAccount({ balanceUsd: '10.00' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => adjust(account.id, { amountUsd: '-3.00' })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 400, 400, 400, 400, 400, 400, 400]);
    expect(await accountBooks(account.id)).toMatchObject({ balance: 1_000_000n, ledgerSum: 1_000_000n });
  });

  it('stores nothing under the Idempotency-Key of a refused request: the allowed retry goes through once', async () => {
    const account = await api.createAccount({ balanceUsd: '2.00' });
    const key = `neg-${randomBytes(6).toString('hex')}`;
    expectError(await adjust(account.id, { amountUsd: '-5.00' }, key), 400, 'invalid_request_error', /below zero/);
    const allowed = await adjust(account.id, { amountUsd: '-5.00', allowNegativeBalance: true }, key);
    expect(allowed).toMatchObject({ status: 201, body: { balanceUsd: '-3.000000' } });
    const replay = await adjust(account.id, { amountUsd: '-5.00', allowNegativeBalance: true }, key);
    expect(replay).toMatchObject({ status: 201, body: allowed.body });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    // The same key without the flag is another request.
    expectError(await adjust(account.id, { amountUsd: '-5.00' }, key), 422, 'invalid_request_error', /Idempotency-Key/);
    expect(await accountBooks(account.id)).toMatchObject({ balance: -3_000_000n });
  });

  it.each([['true'], [1], [null]])('refuses allowNegativeBalance: %j (a JSON boolean only)', async (value) => {
    const account = await api.createAccount({ balanceUsd: '1.00' });
    expectError(
      await adjust(account.id, { amountUsd: '-5.00', allowNegativeBalance: value }),
      400,
      'invalid_request_error',
      /'allowNegativeBalance'/,
    );
  });
});
