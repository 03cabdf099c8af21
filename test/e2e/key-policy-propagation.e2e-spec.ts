import { AppProcess } from '../support/app-process';
import { AdminApi } from '../support/admin-api';
import { BROADCAST_ONLY_ENV, PROPAGATION_WAIT_MS } from '../support/propagation';
import { PROTOCOLS, sdkGenerate, SdkOutcome } from '../support/protocol-clients';
import { closeTestDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';

const MODELS = { openai: 'openai/gpt-4.1-mini', anthropic: 'anthropic/claude-haiku-4-5', gemini: 'google/gemini-2.5-flash' } as const;

/**
 * Support changes a key's policy through the admin API and two running proxies apply it: their key caches would keep
 * the old record for 30 minutes (BROADCAST_ONLY_ENV), so a change they apply came by broadcast.
 */
describe('key policy set through the admin API, applied by every proxy', () => {
  let admin: AppProcess;
  let proxies: AppProcess[];
  let support: AdminApi;
  let api: AdminApi;

  beforeAll(async () => {
    [admin, ...proxies] = await AppProcess.together([
      AppProcess.start('admin'),
      AppProcess.start('proxy', BROADCAST_ONLY_ENV),
      AppProcess.start('proxy', BROADCAST_ONLY_ENV),
    ]);
    api = new AdminApi(admin.url);
    support = api.as((await api.createStaff('support')).token);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([admin, ...proxies].map((app) => app?.stop()));
    await closeTestDb();
  });

  const everywhere = (key: string, maxTokens = 10): Promise<SdkOutcome[]> =>
    Promise.all(
      PROTOCOLS.flatMap((protocol) =>
        proxies.map((proxy) => sdkGenerate(protocol, { baseUrl: proxy.url, key, model: MODELS[protocol], content: 'hi', maxTokens })),
      ),
    );
  const allRefused = (outcomes: SdkOutcome[], message: string) =>
    outcomes.every((outcome) => !outcome.ok && outcome.status === 403 && outcome.message.includes(message));

  it('an allow-list without the client, then one with it, then none: each applies on both proxies, every protocol', async () => {
    const account = await api.createAccount({ balanceUsd: '5.00' });
    const created = await support.post('/admin/v1/keys', { accountId: account.id, name: 'moving key' });
    expect(created.status).toBe(201);
    const { id, key } = created.body as { id: string; key: string };
    expect((await everywhere(key)).every((outcome) => outcome.ok)).toBe(true);

    expect((await support.patch(`/admin/v1/keys/${id}`, { ipAllowlist: ['203.0.113.0/24'] })).status).toBe(200);
    await waitFor(async () => allRefused(await everywhere(key), 'IP address not allowed for this key'), PROPAGATION_WAIT_MS);

    expect((await support.patch(`/admin/v1/keys/${id}`, { ipAllowlist: ['127.0.0.1', '::1'] })).status).toBe(200);
    await waitFor(async () => (await everywhere(key)).every((outcome) => outcome.ok), PROPAGATION_WAIT_MS);

    // A daily limit of 0: the key may spend nothing, from anywhere.
    expect((await support.patch(`/admin/v1/keys/${id}`, { ipAllowlist: [], dailyLimitUsd: '0' })).status).toBe(200);
    await waitFor(async () => allRefused(await everywhere(key), 'Daily spending limit of $0.00 reached for this key'), PROPAGATION_WAIT_MS);

    expect((await support.patch(`/admin/v1/keys/${id}`, { dailyLimitUsd: null })).status).toBe(200);
    await waitFor(async () => (await everywhere(key)).every((outcome) => outcome.ok), PROPAGATION_WAIT_MS);
  });

  it('a bad entry is a 400 naming the field', async () => {
    const account = await api.createAccount();
    const created = await support.post('/admin/v1/keys', { accountId: account.id, name: 'bad policy' });
    const { id } = created.body as { id: string };
    const badRange = await support.patch(`/admin/v1/keys/${id}`, { ipAllowlist: ['10.0.0.1/8'] });
    expect(badRange.status).toBe(400);
    expect(JSON.stringify(badRange.body)).toContain('ipAllowlist');
    const negative = await support.patch(`/admin/v1/keys/${id}`, { dailyLimitUsd: '-1.00' });
    expect(negative.status).toBe(400);
    expect(JSON.stringify(negative.body)).toContain('dailyLimitUsd');
  });
});
