import { createHmac } from 'node:crypto';
import { consoleSuite, containing, eventually, expectCount, expectText, uniqueTag } from '../support/console-browser';
import { TEST_ADMIN_TOKEN, TEST_REDIS_PREFIX } from '../support/test-env';
import { WebhookReceiver } from '../support/webhook-receiver';

describe('console: key policy, account limits and balance alerts', () => {
  // A worker of its own queue, checking alerts every second (the events of the alerts test).
  const suite = consoleSuite({
    env: { DEFAULT_RPM: '60', REDIS_KEY_PREFIX: `${TEST_REDIS_PREFIX}console-policy:`, ALERT_CHECK_EVERY_S: '1' },
    worker: true,
  });
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it("support: sets the account's RPM limits and a key's IP allow-list, daily limit and tokens per minute", async () => {
    const account = await suite.api.createAccount({ name: `Policy ${uniqueTag()}`, balanceUsd: '1.00' });
    const created = (await suite.api.post('/admin/v1/keys', { accountId: account.id, name: 'Build bot' })).body;
    const support = await suite.api.createStaff('support');
    const tab = await suite.openTab();
    const { page } = tab;
    await tab.signIn(support.token, `/accounts/${account.id}`);

    // The account's limits: the key's effective limit follows the account's default for its keys.
    const limits = page.getByRole('form', { name: 'Rate limits of this account' });
    const card = page.getByRole('article', { name: 'Build bot' });
    await expectText(card.getByText(/^Effective limit/), 'Effective limit: 60 requests per minute (default)');
    await limits.getByLabel('Key default (requests per minute)').fill('10');
    await limits.getByLabel('All keys together (requests per minute)').fill('700');
    await limits.getByRole('button', { name: 'Set limits' }).click();
    await expectText(limits.getByRole('status'), 'Saved.');
    expect((await suite.api.get(`/admin/v1/accounts/${account.id}`)).body).toMatchObject({ rpmLimit: 10, accountRpmLimit: 700 });
    await expectText(card.getByText(/^Effective limit/), 'Effective limit: 10 requests per minute (account default)');
    await expectText(
      page.getByText(/^Each key without a limit/),
      'Each key without a limit of its own: 10 requests per minute. All keys together: 700 requests per minute.',
    );

    // The key's policy: a bad range shows the API's message, then a good one is saved in canonical form.
    const allowlist = card.getByLabel('IP allow-list');
    await allowlist.fill('10.0.0.1/8');
    await allowlist.press('Enter');
    await card.getByRole('button', { name: 'Save' }).click();
    const refused = await suite.api.as(support.token).patch(`/admin/v1/keys/${created.id}`, { ipAllowlist: ['10.0.0.1/8'] });
    await expectText(card.getByRole('alert'), containing(refused.body.error.message));
    // Backspace in the empty field takes the last entry back out.
    await allowlist.press('Backspace');
    for (const entry of ['10.0.0.0/8', '2001:DB8::/32']) {
      await allowlist.fill(entry);
      await allowlist.press('Enter');
    }
    await card.getByLabel('Daily limit (USD)').fill('10.5');
    await card.getByLabel('Tokens per minute').fill('40000');
    await card.getByRole('button', { name: 'Save' }).click();
    await expectText(card.getByRole('status'), 'Saved.');
    const saved = (await suite.api.get(`/admin/v1/keys/${created.id}`)).body;
    expect(saved).toMatchObject({ ipAllowlist: ['10.0.0.0/8', '2001:db8::/32'], dailyLimitUsd: '10.500000', tpmLimit: 40_000 });
    expect(await card.getByLabel('Daily limit (USD)').inputValue()).toBe('10.50');
    await tab.screenshot('key-policy-support');

    // Balance alerts are finance's.
    expect(await page.getByRole('group', { name: 'Low-funds alerts' }).count()).toBe(0);
    await tab.close();
  });

  it('admin: on an account with one key, each field is found by its label alone, and a refusal by the form replaces the last error', async () => {
    const account = await suite.api.createAccount({ name: `Solo ${uniqueTag()}` });
    const created = (await suite.api.post('/admin/v1/keys', { accountId: account.id, name: 'Solo key' })).body;
    const tab = await suite.openTab();
    const { page } = tab;
    await tab.signIn(TEST_ADMIN_TOKEN, `/accounts/${account.id}`);
    await page.getByRole('article', { name: 'Solo key' }).waitFor();

    // Page-wide, as a test that knows the account has one key writes it: Mantine labelled each combobox's hidden
    // options list with the field's label too, and the balance figure shared its label with the alerts form, so these
    // locators matched two elements and every action on them failed (playwright's strict mode). Each section loads on
    // its own (the alerts form once its settings arrive), so wait for a field to show before counting its matches.
    for (const label of ['Allowed models', 'IP allow-list', 'Thresholds (USD)', 'Balance', 'RPM limit', 'Daily limit (USD)']) {
      await page.getByLabel(label).first().waitFor();
      expect([label, await page.getByLabel(label).count()]).toEqual([label, 1]);
    }
    await page.getByLabel('Allowed models').fill('gpt-4.1-mini');
    await page.getByLabel('Allowed models').press('Enter');
    await page.getByLabel('Allowed models').press('Escape');
    await page.getByLabel('IP allow-list').fill('10.0.0.0/33');
    await page.getByLabel('IP allow-list').press('Enter');
    await page.getByRole('button', { name: 'Save' }).click();
    const refused = await suite.api.patch(`/admin/v1/keys/${created.id}`, { ipAllowlist: ['10.0.0.0/33'] });
    expect(refused.status).toBe(400);
    await expectText(page.getByRole('alert'), containing(refused.body.error.message));

    // A value the form refuses itself sends nothing: its message replaces the API's, which described the last call.
    await page.getByLabel('RPM limit').fill('many');
    await page.getByRole('button', { name: 'Save' }).click();
    await expectText(page.getByText(/^Enter a number of requests per minute/), 'Enter a number of requests per minute, or nothing for the default');
    await expectCount(page.getByRole('alert'), 0);

    await page.getByLabel('RPM limit').fill('');
    await page.getByLabel('IP allow-list').press('Backspace');
    await page.getByRole('button', { name: 'Save' }).click();
    await expectText(page.getByRole('article', { name: 'Solo key' }).getByRole('status'), 'Saved.');
    expect((await suite.api.get(`/admin/v1/keys/${created.id}`)).body).toMatchObject({ allowedModels: ['gpt-4.1-mini'], ipAllowlist: [] });
    await tab.close();
  });

  it('finance: sees the limits without a form, sets balance alerts and watches their delivery', async () => {
    const account = await suite.api.createAccount({ name: `Alerts ${uniqueTag()}`, balanceUsd: '12.00' });
    const created = (await suite.api.post('/admin/v1/keys', { accountId: account.id, name: 'Nightly' })).body;
    await suite.api.patch(`/admin/v1/keys/${created.id}`, { ipAllowlist: ['203.0.113.7'], dailyLimitUsd: '0.005', tpmLimit: 1000 });
    await suite.api.put(`/admin/v1/accounts/${account.id}/rpm-limit`, { accountRpm: 300 });
    const finance = await suite.api.createStaff('finance');
    const tab = await suite.openTab();
    const { page } = tab;
    await tab.signIn(finance.token, `/accounts/${account.id}`);

    // No keys for finance, and the limits without a form.
    await expectText(
      page.getByText(/^Each key without a limit/),
      'Each key without a limit of its own: the default (60 requests per minute). All keys together: 300 requests per minute.',
    );
    expect(await page.getByRole('form', { name: 'Rate limits of this account' }).count()).toBe(0);

    const alerts = page.getByRole('form', { name: 'Low-funds alert settings' });
    await expectText(page.getByRole('group', { name: 'Low-funds alerts' }).getByText('No alert has fired yet'), 'No alert has fired yet');
    const thresholds = alerts.getByLabel('Thresholds (USD)');
    for (const amount of ['1', '10.00']) {
      await thresholds.fill(amount);
      await thresholds.press('Enter');
    }
    const path = `/hooks/${account.id}`;
    await alerts.getByLabel('Webhook URL').fill(`${receiver.url}${path}`);
    await alerts.getByLabel('Signing secret').fill('console-secret');
    await alerts.getByRole('button', { name: 'Set alerts' }).click();
    await expectText(alerts.getByRole('status'), 'Saved.');
    const settings = (await suite.api.get(`/admin/v1/accounts/${account.id}/alerts`)).body;
    expect(settings).toMatchObject({ thresholdsUsd: ['10.000000', '1.000000'], webhookUrl: `${receiver.url}${path}`, hasSecret: true });
    expect(await alerts.getByLabel('Signing secret').inputValue()).toBe('');
    expect(await page.content()).not.toContain('console-secret');

    // A debit takes the balance below 10: the worker signs and delivers the event, and the table shows it.
    await suite.api.post(`/admin/v1/accounts/${account.id}/adjustments`, { amountUsd: '-3.00', reason: 'test charge' });
    const [event] = await eventually(() => (receiver.at(path).length > 0 ? receiver.at(path) : null));
    expect(event.headers['x-chuizi-signature']).toBe(`sha256=${createHmac('sha256', 'console-secret').update(event.rawBody).digest('hex')}`);
    const row = page.getByRole('table', { name: 'Deliveries' }).getByRole('row').nth(1);
    await expectText(row.getByRole('cell').nth(3), /^delivered$/i);
    expect((await row.getByRole('cell').allTextContents()).slice(1, 6)).toEqual(['$10.00', '$9.00', 'delivered', '1', 'HTTP 200']);
    await expectText(page.getByRole('note'), 'Fired, waiting for a top-up: $10.00');
    await tab.screenshot('balance-alerts-finance');
    await tab.close();
  });
});
