import { consoleSuite, containing, expectCount, expectText, uniqueTag } from '../support/console-browser';


describe('console: accounts, top-ups and the ledger', () => {
  const suite = consoleSuite();

  it('finance: finds an account, tops it up once on a double-click, shows a refused top-up and pages the ledger', async () => {
    const tag = uniqueTag();
    const account = (await suite.api.post('/admin/v1/accounts', { name: `Acme ${tag}`, email: `billing-${tag}@acme.example` })).body;
    await suite.api.post('/admin/v1/accounts', { name: `Acme ${tag} (old)` });
    // 21 entries: one more than a ledger page.
    for (let i = 1; i <= 21; i++) {
      expect((await suite.api.post(`/admin/v1/accounts/${account.id}/top-ups`, { amountUsd: '0.25', reference: `seed-${i}` })).status).toBe(201);
    }
    const finance = await suite.api.createStaff('finance');
    const tab = await suite.openTab();
    const { page } = tab;
    await tab.signIn(finance.token);

    // Search: case-insensitive, by email too; the table shows name, balance and reserved.
    await page.getByLabel('Search accounts').fill(`BILLING-${tag.toUpperCase()}`);
    const table = page.getByRole('table', { name: 'Accounts' });
    const firstRow = table.getByRole('row').nth(1);
    await expectCount(table.getByRole('row'), 2);
    await expectText(firstRow.getByRole('cell').first(), `Acme ${tag}`);
    // Text content, as a screen reader reads it (the status badge is upper case on screen only).
    expect((await firstRow.getByRole('cell').allTextContents()).slice(0, 5)).toEqual([
      `Acme ${tag}`,
      `billing-${tag}@acme.example`,
      'active',
      '$5.25',
      '$0.00',
    ]);
    const found = await suite.api.as(finance.token).get(`/admin/v1/accounts?search=BILLING-${tag.toUpperCase()}`);
    expect(found.body.data.map((a: { id: string }) => a.id)).toEqual([account.id]);
    expect(await table.getByRole('row').count()).toBe(2);
    await page.getByLabel('Search accounts').fill(`acme ${tag}`);
    await expectCount(table.getByRole('row'), 3);
    expect(page.url()).toContain(`search=acme+${tag}`);
    await tab.screenshot('accounts');

    await table.getByRole('link', { name: `Acme ${tag}`, exact: true }).click();
    await expectText(page.getByRole('heading', { level: 1 }), `Acme ${tag}`);
    await expectText(page.getByRole('group', { name: 'Balance' }), 'Balance $5.25');
    await expectText(page.getByRole('group', { name: 'Reserved' }), 'Reserved $0.00');

    // A double-click on Top up is one top-up, with one Idempotency-Key.
    await page.getByLabel('Amount (USD)').fill('12.34');
    await page.getByLabel('Reference').fill(`INV-${tag}`);
    await page.getByRole('button', { name: 'Top up' }).dblclick();
    await expectText(page.getByRole('status'), 'Added $12.34. Balance: $17.59.');
    await expectText(page.getByRole('group', { name: 'Balance' }), 'Balance $17.59');
    const ledger = await suite.api.get(`/admin/v1/accounts/${account.id}/ledger?limit=500`);
    expect(ledger.body.data.filter((entry: { reference: string }) => entry.reference === `INV-${tag}`)).toEqual([
      expect.objectContaining({ kind: 'top_up', amountUsd: '12.340000', balanceAfterUsd: '17.590000' }),
    ]);
    expect((await suite.api.get(`/admin/v1/accounts/${account.id}`)).body.balanceUsd).toBe('17.590000');
    const audit = await suite.api.get('/admin/v1/audit-log?limit=500');
    const topUps = audit.body.data.filter(
      (entry: { action: string; after: { reference?: string } }) => entry.after?.reference === `INV-${tag}`,
    );
    expect(topUps).toHaveLength(1);
    expect(topUps[0].staffId).toBe(finance.id);
    expect(topUps[0].after.idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    // The answer is lost on the way back (the top-up did happen): sending it again reuses the key, and the API replays
    // the first result instead of crediting twice.
    const topUpUrl = `**/admin/v1/accounts/${account.id}/top-ups`;
    await page.route(topUpUrl, async (route) => {
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.getByLabel('Amount (USD)').fill('1.00');
    await page.getByLabel('Reference').fill(`LOST-${tag}`);
    await page.getByRole('button', { name: 'Top up' }).click();
    await expectText(page.getByRole('alert'), /^The top-up failed Could not reach the admin API/);
    await page.unroute(topUpUrl);
    await page.getByRole('button', { name: 'Top up' }).click();
    await expectText(page.getByRole('status'), 'Added $1.00. Balance: $18.59.');
    const lost = (await suite.api.get(`/admin/v1/accounts/${account.id}/ledger?limit=500`)).body.data.filter(
      (entry: { reference: string }) => entry.reference === `LOST-${tag}`,
    );
    expect(lost).toHaveLength(1);

    // A refused top-up shows the API's own message and moves nothing.
    await page.getByLabel('Amount (USD)').fill('0');
    await page.getByRole('button', { name: 'Top up' }).click();
    const refused = await suite.api.post(`/admin/v1/accounts/${account.id}/top-ups`, { amountUsd: '0' });
    expect(refused.status).toBe(400);
    await expectText(page.getByRole('alert'), containing(refused.body.error.message));
    expect((await suite.api.get(`/admin/v1/accounts/${account.id}`)).body.balanceUsd).toBe('18.590000');
    await tab.screenshot('account-finance');

    // The ledger pages: 23 entries, 20 on the first page, newest first.
    const rows = page.getByRole('table', { name: 'Ledger' }).getByRole('row');
    await expectCount(rows, 21);
    await expectText(rows.nth(1).getByRole('cell').nth(4), `LOST-${tag}`);
    await page.getByRole('button', { name: 'Next page of ledger entries' }).click();
    await expectCount(rows, 4);
    const apiPages = await suite.api.get(`/admin/v1/accounts/${account.id}/ledger?limit=20`);
    const second = await suite.api.get(`/admin/v1/accounts/${account.id}/ledger?limit=20&cursor=${apiPages.body.nextCursor}`);
    expect(await rows.locator('td:nth-child(5)').allInnerTexts()).toEqual(
      second.body.data.map((entry: { reference: string }) => entry.reference),
    );
    await page.getByRole('button', { name: 'Previous page of ledger entries' }).click();
    await expectCount(rows, 21);
    await tab.close();
  });

  it('support: sees balance, reserved and keys, but neither the ledger nor a top-up form', async () => {
    const account = await suite.api.createAccount({ name: `Support view ${uniqueTag()}`, balanceUsd: '3.00' });
    const support = await suite.api.createStaff('support');
    const tab = await suite.openTab();
    await tab.signIn(support.token, `/accounts/${account.id}`);
    const { page } = tab;
    await expectText(page.getByRole('group', { name: 'Balance' }), 'Balance $3.00');
    await page.getByRole('heading', { name: 'Keys of this account' }).waitFor();
    expect(await page.getByRole('button', { name: 'Top up' }).count()).toBe(0);
    expect(await page.getByLabel('Amount (USD)').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Ledger' }).count()).toBe(0);
    // Hidden because the API would refuse it.
    expect((await suite.api.as(support.token).get(`/admin/v1/accounts/${account.id}/ledger`)).status).toBe(403);
    await tab.screenshot('account-support');
    await tab.close();
  });

  it('admin: opens an account from the accounts page and sees everything of it', async () => {
    const admin1 = await suite.api.createStaff('admin');
    const tab = await suite.openTab();
    await tab.signIn(admin1.token);
    const { page } = tab;
    const name = `Initech ${uniqueTag()}`;
    await page.getByLabel('Account name').fill(name);
    await page.getByLabel('Email (optional)').fill('bad-email');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expectText(page.getByRole('alert'), /^The account was not created.*'email'/s);
    await page.getByLabel('Email (optional)').fill(`ap@${name.split(' ')[1]}.example`);
    await page.getByRole('button', { name: 'Create account' }).dblclick();
    await expectText(page.getByRole('heading', { level: 1 }), name);

    const created = await suite.api.get(`/admin/v1/accounts?search=${encodeURIComponent(name)}`);
    expect(created.body.data).toEqual([expect.objectContaining({ name, email: `ap@${name.split(' ')[1]}.example`, balanceUsd: '0.000000' })]);
    expect(page.url()).toContain(`/console/accounts/${created.body.data[0].id}`);
    await page.getByRole('button', { name: 'Top up' }).waitFor();
    await page.getByRole('heading', { name: 'Keys of this account' }).waitFor();
    await page.getByRole('heading', { name: 'Ledger' }).waitFor();
    await tab.screenshot('account-admin');
    await tab.close();
  });
});
