import { editStoredBalance } from '../support/books-tampering';
import { TEST_REDIS_PREFIX } from '../support/test-env';
import { consoleSuite, eventually, expectCount, expectText, uniqueTag } from '../support/console-browser';


describe('console: reconciliations and the audit log', () => {
  // Its own queue: the worker runs this suite's reconciliations and nothing of the other suites.
  const suite = consoleSuite({ worker: true, env: { REDIS_KEY_PREFIX: `${TEST_REDIS_PREFIX}crec:` } });

  it('finance: starts a run, follows it to completion and sees its drift finding highlighted', async () => {
    const account = await suite.api.createAccount({ name: `Drift ${uniqueTag()}`, balanceUsd: '10.00' });
    // Someone "fixed" the balance in SQL: the ledger says 10.00, the account 11.50.
    await editStoredBalance(account.id, 1_500_000n);
    const finance = await suite.api.createStaff('finance');
    const tab = await suite.openTab();
    const { page } = tab;
    await tab.signIn(finance.token);
    await tab.navigate('Reconciliations');

    // Only the last minutes' records (accounts' balances are always checked whole).
    const from = new Date(Date.now() - 10 * 60_000).toISOString().slice(0, 16);
    await page.getByLabel('From (UTC)').fill(from);
    await page.getByRole('button', { name: 'Start reconciliation' }).dblclick();
    await page.waitForURL(/\/console\/reconciliations\/[0-9a-f-]{36}$/);
    const runId = page.url().split('/').pop()!;
    await expectText(page.getByRole('status'), /^Completed at \d{4}-\d{2}-\d{2} [\d:]{8} UTC$/);
    expect(await page.getByRole('progressbar', { name: 'Progress of the run' }).getAttribute('aria-valuenow')).toBe('100');

    const run = (await suite.api.as(finance.token).get(`/admin/v1/reconciliations/${runId}`)).body;
    expect(run).toMatchObject({ status: 'completed', trigger: 'manual', from: `${from}:00.000Z` });
    const drift = run.report.drift.find((item: { accountId: string }) => item.accountId === account.id);
    expect(drift).toMatchObject({ storedBalanceUsd: '11.500000', ledgerSumUsd: '10.000000', differenceUsd: '1.500000' });
    // One run for the double-click.
    const runs = (await suite.api.as(finance.token).get('/admin/v1/reconciliations?limit=50')).body.data;
    expect(runs.filter((r: { from: string | null }) => r.from === `${from}:00.000Z`)).toHaveLength(1);

    const driftSection = page.getByRole('region', { name: /^Drift: stored balance vs ledger/ });
    expect(await driftSection.getAttribute('data-attention')).toBe('true');
    await expectText(driftSection.getByText('Needs attention'), /^needs attention$/i);
    const driftRow = driftSection.getByRole('row').filter({ has: page.getByRole('link', { name: account.id }) });
    await expectText(driftRow, `${account.id} $11.50 $10.00 $1.50 $0.00 $0.00 balance_differs_from_ledger_sum`);
    expect(await page.getByRole('region', { name: /^Overruns/ }).getAttribute('data-attention')).toBe('false');
    await tab.screenshot('reconciliation-report');

    await tab.navigate('Reconciliations');
    const listed = page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({
      has: page.locator(`a[href="/console/reconciliations/${runId}"]`),
    });
    await expectText(listed.getByRole('cell').nth(4), /^findings$/i);
    await tab.screenshot('reconciliations');

    // Put the books right again (finance's adjustment), so that other suites' runs find this account clean.
    const fixed = await suite.api.as(finance.token).post(
      `/admin/v1/accounts/${account.id}/adjustments`,
      { amountUsd: drift.differenceUsd, reason: 'console test: the SQL credit was real', reconciliationId: runId },
      { 'idempotency-key': `console-${runId}` },
    );
    expect(fixed.status).toBe(201);
    await tab.close();
  });

  it('admin: reads the audit log, newest first, with who did what, page by page', async () => {
    const admin1 = await suite.api.createStaff('admin');
    // More than a page of entries, whatever else the run wrote.
    for (let i = 0; i < 26; i++) await suite.api.as(admin1.token).post('/admin/v1/accounts', { name: `Audit filler ${i}` });
    const tab = await suite.openTab();
    const { page } = tab;
    await tab.signIn(admin1.token);

    // A write through the console, then its entry in the log.
    const name = `Audited ${uniqueTag()}`;
    await page.getByLabel('Account name').fill(name);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectText(page.getByRole('heading', { level: 1 }), name);
    const accountId = page.url().split('/').pop()!;
    await tab.navigate('Audit log');

    const me = (await suite.api.as(admin1.token).get('/admin/v1/staff/me')).body;
    const table = page.getByRole('table', { name: 'Audit log' });
    const entry = table.getByRole('row').filter({ hasText: `account:${accountId}` });
    await expectText(entry.getByRole('cell').nth(1), me.email);
    await expectText(entry.getByRole('cell').nth(2), 'account.create');
    await entry.getByText('Before and after').click();
    await expectText(entry.getByRole('cell').nth(4), new RegExp(`After: \\{.*"name": "${name}"`));
    const logged = (await suite.api.get('/admin/v1/audit-log?limit=500')).body.data.find(
      (e: { target: string }) => e.target === `account:${accountId}`,
    );
    expect(logged).toMatchObject({ staffId: admin1.id, action: 'account.create', after: { name } });
    await tab.screenshot('audit-log', { fullPage: false });

    await expectCount(table.getByRole('row'), 26);
    const firstPage = await table.getByRole('row').nth(1).innerText();
    await page.getByRole('button', { name: 'Next page of audit entries' }).click();
    await expectText(page.getByText(/^Page \d$/), 'Page 2');
    await eventually(async () => (await table.getByRole('row').nth(1).innerText()) !== firstPage);
    await page.getByRole('button', { name: 'Previous page of audit entries' }).click();
    await expectText(page.getByText(/^Page \d$/), 'Page 1');
    await tab.close();
  });
});
