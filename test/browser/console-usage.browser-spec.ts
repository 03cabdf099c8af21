import { UsageRollupsRepository } from '../../libs/db/src';
import { createApiKey } from '../factories/api-key.factory';
import { createUsageRecord } from '../factories/usage-record.factory';
import { consoleSuite, containing, expectCount, expectText, expectTexts, uniqueTag } from '../support/console-browser';
import { closeTestDb, testDb } from '../support/test-db';

const utcDay = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

describe('console: usage charts and the generation lookup', () => {
  const suite = consoleSuite();

  afterAll(async () => {
    await closeTestDb();
  });

  it('finance: charts requests, tokens and cost per day of an account and of one key, from the daily rollups', async () => {
    const name = `Usage ${uniqueTag()}`;
    const account = await suite.api.createAccount({ name, balanceUsd: '1.00' });
    const [keyA, keyB] = [await createApiKey(account.id), await createApiKey(account.id)];
    // Two days ago and today (the day between has no usage), on two keys; the worker's rollup of those days.
    const [before, today] = [utcDay(2), utcDay(0)];
    const at = (day: string, time: string) => new Date(`${day}T${time}Z`);
    await createUsageRecord(account.id, keyA.id, { createdAt: at(before, '01:00:00'), inputTokens: 1_000, outputTokens: 200, costMicros: 1_250_000n });
    await createUsageRecord(account.id, keyB.id, { createdAt: at(before, '02:00:00'), inputTokens: 500, outputTokens: 50, costMicros: 250_000n });
    await createUsageRecord(account.id, keyA.id, { createdAt: at(today, '00:00:01'), inputTokens: 40, outputTokens: 2, costMicros: 4_000n });
    const rollups = new UsageRollupsRepository(await testDb());
    for (const day of [before, utcDay(1), today]) await rollups.recomputeDay(day);

    const finance = await suite.api.createStaff('finance');
    const tab = await suite.openTab();
    const { page } = tab;
    await tab.signIn(finance.token);
    await tab.navigate('Usage');
    await page.getByRole('combobox', { name: 'Account' }).fill(name);
    await page.getByRole('option', { name }).click();

    const table = page.getByRole('table', { name: 'Daily usage' });
    const row = (day: string) => table.getByRole('row').filter({ has: page.getByRole('cell', { name: day, exact: true }) });
    // The days with usage, newest first (the charts have every day of the last 30).
    await expectCount(table.getByRole('row'), 3);
    await expectTexts(row(today).getByRole('cell'), [today, '1', '40', '2', '$0.004']);
    await expectTexts(row(before).getByRole('cell'), [before, '2', '1,500', '250', '$1.50']);
    await expectCount(row(utcDay(1)), 0);
    // Three charts, drawn from the same rows.
    await expectCount(page.locator('figure .recharts-surface'), 3);
    await expectCount(page.getByRole('img', { name: /^(Requests|Tokens|Cost) per day/ }), 3);
    // recharts draws the bars after the surfaces, animated in: wait for the first rather than count at once.
    await page.locator('figure .recharts-bar-rectangle').first().waitFor({ state: 'attached' });
    await tab.screenshot('usage');

    // What the API says for the same range.
    const daily = await suite.api.as(finance.token).get(`/admin/v1/usage/daily?accountId=${account.id}&from=${before}&to=${today}`);
    const served = daily.body.data as { day: string; keyId: string; requests: number; costUsd: string }[];
    expect(served.filter((r) => r.day === before).reduce((sum, r) => sum + r.requests, 0)).toBe(2);
    expect(served.filter((r) => r.day === today)).toEqual([expect.objectContaining({ keyId: keyA.id, requests: 1, costUsd: '0.004000' })]);

    // One key: finance cannot read keys, so the key is named by its id.
    await page.getByRole('combobox', { name: 'Key', exact: true }).click();
    await page.getByRole('option', { name: keyB.id }).click();
    await expectTexts(row(before).getByRole('cell'), [before, '1', '500', '50', '$0.25']);
    await expectCount(row(today), 0);

    // A range the API refuses shows its message, and no stale numbers.
    await page.getByLabel('To (UTC day)').fill('2018-01-01');
    const refused = await suite.api.as(finance.token).get(`/admin/v1/usage/daily?accountId=${account.id}&from=${utcDay(29)}&to=2018-01-01`);
    expect(refused.status).toBe(400);
    await expectText(page.getByRole('alert'), containing(refused.body.error.message));
    await expectCount(table, 0);
    await page.getByLabel('To (UTC day)').fill(today);
    await expectTexts(row(before).getByRole('cell'), [before, '1', '500', '50', '$0.25']);
    await tab.close();
  });

  it('support: finds a generation by id and gets the API message for an unknown one; no charts', async () => {
    const account = await suite.api.createAccount({ name: `Lookup ${uniqueTag()}` });
    const key = await createApiKey(account.id);
    const record = await createUsageRecord(account.id, key.id, { inputTokens: 12, outputTokens: 34, costMicros: 56n });
    const support = await suite.api.createStaff('support');
    const tab = await suite.openTab();
    const { page } = tab;
    await tab.signIn(support.token);
    await tab.navigate('Usage');
    expect(await page.getByRole('combobox', { name: 'Account' }).count()).toBe(0);

    // No id: the form says so, and asks nothing of the API (GET /generations/ named no generation: a bare "Not found").
    await page.getByRole('button', { name: 'Find generation' }).click();
    await expectText(page.getByText('Enter a generation id'), 'Enter a generation id');
    await expectCount(page.getByRole('alert'), 0);

    const unknown = 'gen-00000000000000000000000000';
    await page.getByLabel('Generation id').fill(unknown);
    await page.getByRole('button', { name: 'Find generation' }).click();
    const refused = await suite.api.as(support.token).get(`/admin/v1/generations/${unknown}`);
    expect(refused.status).toBe(404);
    await expectText(page.getByRole('alert'), containing(refused.body.error.message));

    await page.getByLabel('Generation id').fill(record.generationId);
    await page.getByRole('button', { name: 'Find generation' }).click();
    const details = page.getByRole('table', { name: `Generation ${record.generationId}` });
    const value = (label: string) => details.getByRole('row').filter({ has: page.getByRole('rowheader', { name: label, exact: true }) }).getByRole('cell');
    const found = (await suite.api.as(support.token).get(`/admin/v1/generations/${record.generationId}`)).body;
    await expectText(value('Account'), found.accountId);
    await expectText(value('Model'), `${found.model} (asked as ${found.requestedModel})`);
    await expectText(value('Input tokens'), '12');
    await expectText(value('Output tokens'), '34');
    await expectText(value('Cost'), '$0.000056');
    await expectCount(page.getByRole('alert'), 0);
    await tab.screenshot('generation-lookup');
    await tab.close();
  });
});
