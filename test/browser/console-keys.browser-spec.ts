import { displayPrefix } from '../../libs/common/src';
import { consoleSuite, containing, expectCount, expectText, uniqueTag } from '../support/console-browser';


describe('console: keys', () => {
  const suite = consoleSuite({ env: { DEFAULT_RPM: '60' } });

  async function keyOf(id: string) {
    const response = await suite.api.get(`/admin/v1/keys/${id}`);
    expect(response.status).toBe(200);
    return response.body as { status: string; rpmLimit: number | null; allowedModels: string[]; prefix: string; name: string };
  }

  it('support: creates a key shown once with Copy, disables and enables it, sets and resets its RPM limit', async () => {
    const account = await suite.api.createAccount({ name: `Keys ${uniqueTag()}`, balanceUsd: '1.00' });
    const support = await suite.api.createStaff('support');
    const tab = await suite.openTab();
    const { page } = tab;
    await tab.signIn(support.token, `/accounts/${account.id}`);

    // A refused creation shows the API's message.
    await page.getByRole('button', { name: 'Create key' }).click();
    await expectText(page.getByRole('alert'), /^The key was not created .*'name'/);

    await page.getByLabel('Key name').fill('CI runner');
    await page.getByRole('button', { name: 'Create key' }).dblclick();
    const plaintext = page.getByLabel('New API key');
    await plaintext.waitFor();
    const key = await plaintext.inputValue();
    expect(key).toMatch(/^ck-[A-Za-z0-9]{32}$/);
    await tab.screenshot('key-created');
    await page.getByRole('button', { name: 'Copy' }).click();
    await expectText(page.getByText('Copied to the clipboard.'), 'Copied to the clipboard.');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(key);

    // One key, the one shown: the API lists it (never its plaintext) under the prefix of what was copied.
    const listed = (await suite.api.get(`/admin/v1/keys?accountId=${account.id}`)).body.data;
    expect(listed).toEqual([expect.objectContaining({ name: 'CI runner', prefix: displayPrefix(key), status: 'active' })]);
    expect(JSON.stringify(listed)).not.toContain(key);
    const keyId = listed[0].id as string;

    // Once Done, the plaintext is gone from the page for good.
    await page.getByRole('button', { name: 'Done' }).click();
    await expectCount(page.getByLabel('New API key'), 0);
    expect(await page.content()).not.toContain(key);

    const card = page.getByRole('article', { name: 'CI runner' });
    await card.getByRole('button', { name: 'Disable' }).click();
    await card.getByRole('button', { name: 'Enable' }).waitFor();
    expect((await keyOf(keyId)).status).toBe('disabled');
    await card.getByRole('button', { name: 'Enable' }).click();
    await card.getByRole('button', { name: 'Disable' }).waitFor();
    expect((await keyOf(keyId)).status).toBe('active');

    // The RPM override, with the effective limit; the API's message for a value it refuses.
    await expectText(card.getByText(/^Effective limit/), 'Effective limit: 60 requests per minute (default)');
    await card.getByLabel('RPM limit').fill('0');
    await card.getByRole('button', { name: 'Save' }).click();
    const refused = await suite.api.as(support.token).put(`/admin/v1/keys/${keyId}/rpm-limit`, { rpm: 0 });
    await expectText(card.getByRole('alert'), containing(refused.body.error.message));
    await card.getByLabel('RPM limit').fill('500');
    await card.getByRole('button', { name: 'Save' }).click();
    await expectText(card.getByText(/^Effective limit/), 'Effective limit: 500 requests per minute (override)');
    expect((await keyOf(keyId)).rpmLimit).toBe(500);
    await tab.screenshot('account-keys-support');
    await card.getByRole('button', { name: 'Reset to default' }).click();
    await expectText(card.getByText(/^Effective limit/), 'Effective limit: 60 requests per minute (default)');
    expect((await keyOf(keyId)).rpmLimit).toBeNull();
    expect(await card.getByLabel('RPM limit').inputValue()).toBe('');

    // What support may not do is not offered: no Revoke, allowed models read-only.
    expect(await card.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    expect(await card.getByLabel('Allowed models').count()).toBe(0);
    await expectText(card.getByText(/^Allowed models:/), 'Allowed models: every model');
    await tab.close();
  });

  it("support: on the Keys page of every account, a key without an override shows its account's limit", async () => {
    const tag = uniqueTag();
    const limited = await suite.api.createAccount({ name: `Limited ${tag}` });
    expect((await suite.api.put(`/admin/v1/accounts/${limited.id}/rpm-limit`, { rpm: 25 })).status).toBe(200);
    const plain = await suite.api.createAccount({ name: `Plain ${tag}` });
    const limitedKey = (await suite.api.post('/admin/v1/keys', { accountId: limited.id, name: `Limited bot ${tag}` })).body;
    await suite.api.post('/admin/v1/keys', { accountId: plain.id, name: `Plain bot ${tag}` });
    const support = await suite.api.createStaff('support');
    const tab = await suite.openTab();
    const { page } = tab;
    await tab.signIn(support.token);
    await tab.navigate('Keys');

    await expectText(page.getByRole('heading', { name: 'Keys of every account' }), 'Keys of every account');
    const card = page.getByRole('article', { name: `Limited bot ${tag}` });
    await expectText(card.getByText(/^Effective limit/), 'Effective limit: 25 requests per minute (account default)');
    const other = page.getByRole('article', { name: `Plain bot ${tag}` });
    await expectText(other.getByText(/^Effective limit/), 'Effective limit: 60 requests per minute (default)');

    // An override, then back to the account's limit, not DEFAULT_RPM.
    await card.getByLabel('RPM limit').fill('500');
    await card.getByRole('button', { name: 'Save' }).click();
    await expectText(card.getByText(/^Effective limit/), 'Effective limit: 500 requests per minute (override)');
    await card.getByRole('button', { name: 'Reset to default' }).click();
    await expectText(card.getByText(/^Effective limit/), 'Effective limit: 25 requests per minute (account default)');
    expect((await keyOf(limitedKey.id)).rpmLimit).toBeNull();
    await tab.close();
  });

  it('admin: revokes a key only after confirming, and sets its allowed models, from the Keys page', async () => {
    const accountName = `Revoke ${uniqueTag()}`;
    const account = await suite.api.createAccount({ name: accountName });
    const created = (await suite.api.post('/admin/v1/keys', { accountId: account.id, name: 'Old laptop' })).body;
    const admin1 = await suite.api.createStaff('admin');
    const tab = await suite.openTab();
    const { page } = tab;
    await tab.signIn(admin1.token);
    await tab.navigate('Keys');

    // Choose the account by typing part of its name.
    await page.getByRole('combobox', { name: 'Account' }).fill(accountName.toUpperCase());
    await page.getByRole('option', { name: accountName }).click();
    const card = page.getByRole('article', { name: 'Old laptop' });
    await card.waitFor();
    expect(page.url()).toContain(`accountId=${account.id}`);

    await card.getByLabel('Allowed models').fill('gpt-4.1-mini');
    await card.getByLabel('Allowed models').press('Enter');
    await card.getByLabel('Allowed models').fill('openai/gpt-4o-mini');
    await card.getByLabel('Allowed models').press('Enter');
    // Close the suggestions, as a keyboard user would.
    await card.getByLabel('Allowed models').press('Escape');
    await card.getByRole('button', { name: 'Save' }).click();
    await expectText(card.getByRole('status'), 'Saved.');
    expect((await keyOf(created.id)).allowedModels).toEqual(['gpt-4.1-mini', 'openai/gpt-4o-mini']);
    await tab.screenshot('keys-admin');

    // Revoke asks first; keeping the key changes nothing.
    await card.getByRole('button', { name: 'Revoke' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke “Old laptop”?' });
    await dialog.waitFor();
    await tab.screenshot('key-revoke-confirmation');
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await keyOf(created.id)).status).toBe('active');

    // While the dialog is open, its Revoke is the only one there is.
    await card.getByRole('button', { name: 'Revoke' }).click();
    await dialog.waitFor();
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expectText(card.getByText(/^(ACTIVE|REVOKED|active|revoked)$/), /revoked/i);
    expect((await keyOf(created.id)).status).toBe('revoked');
    expect(await card.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    expect(await card.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await tab.close();
  });
});
