import { createHmac, randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AdminApi, expectError } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { closeTestDb, testDb } from '../support/test-db';
import { TEST_BILLING_STORE, TEST_REDIS_PREFIX } from '../support/test-env';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver } from '../support/webhook-receiver';

// A queue of this suite's own (its worker checks every second); the workers of other suites check too, and any of
// them may deliver an event: every test process may reach 127.0.0.1 (test-env.ts). On the wallet the suite's key
// prefix is its own already, and the worker must share it with the proxy to read the wallet's balances and holds.
const WORKER_ENV = {
  ...(TEST_BILLING_STORE === 'wallet' ? {} : { REDIS_KEY_PREFIX: `${TEST_REDIS_PREFIX}alerts:` }),
  ALERT_CHECK_EVERY_S: '1',
};
/** The contract is 10 s; a loaded machine gets more, the events still come from the worker's checks. */
const ALERT_WAIT_MS = 30_000;

const signatureOf = (rawBody: string, secret: string) => `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;

describe('balance alerts: settings, signed webhook events once per crossing, deliveries', () => {
  let admin: AppProcess;
  let worker: AppProcess;
  let proxy: AppProcess;
  let api: AdminApi;
  let finance: AdminApi;
  let support: AdminApi;
  let receiver: WebhookReceiver;
  let modelId: string;

  beforeAll(async () => {
    [admin, worker, proxy, receiver] = await Promise.all([
      AppProcess.start('admin'),
      AppProcess.start('worker', WORKER_ENV),
      AppProcess.start('proxy', { DEFAULT_RPM: '100000' }),
      WebhookReceiver.start(),
    ]);
    api = new AdminApi(admin.url);
    finance = api.as((await api.createStaff('finance')).token);
    support = api.as((await api.createStaff('support')).token);
    // USD 0.10 per output token and nothing for input: a request of 40 output tokens holds and costs exactly USD 4.
    modelId = (await createModel({ inputUsdPerMTok: '0', outputUsdPerMTok: '100000', maxOutputTokens: 40 })).id;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([admin?.stop(), worker?.stop(), proxy?.stop(), receiver?.close()]);
    await closeTestDb();
  });

  /** An account with a key and alert settings pointing at its own path on the receiver. */
  async function alertedAccount(balanceUsd: string, thresholdsUsd: string[]) {
    const account = await api.createAccount({ balanceUsd });
    const { key } = await createApiKey(account.id);
    const path = `/hooks/${account.id}`;
    const secret = randomBytes(24).toString('base64url');
    const put = await finance.put(`/admin/v1/accounts/${account.id}/alerts`, { thresholdsUsd, webhookUrl: `${receiver.url}${path}`, secret });
    expect(put.status).toBe(200);
    return { accountId: account.id, key, path, secret };
  }

  /** One request that holds, then is charged, USD 4. */
  async function spendFour(key: string): Promise<void> {
    const client = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: modelId, max_tokens: 40, messages: [{ role: 'user', content: 'spend mock:output_tokens=40' }] });
  }

  const eventsAt = (path: string, count: number) => waitFor(() => (receiver.at(path).length >= count ? receiver.at(path) : null), ALERT_WAIT_MS, 100);

  it('PUT and GET the settings (finance): money as decimal strings, never the secret, audited without it', async () => {
    // Above every threshold: nothing fires towards the example URL.
    const account = await api.createAccount({ balanceUsd: '100.00' });
    const empty = await finance.get(`/admin/v1/accounts/${account.id}/alerts`);
    expect(empty).toMatchObject({ status: 200, body: { accountId: account.id, thresholdsUsd: [], webhookUrl: null, hasSecret: false } });

    const secret = 'a-signing-secret-nobody-may-read-back';
    const put = await finance.put(`/admin/v1/accounts/${account.id}/alerts`, {
      thresholdsUsd: ['10.00', '1.5', '0.000001'],
      webhookUrl: 'https://hooks.example.com/chuizi?team=7',
      secret,
    });
    const settings = {
      accountId: account.id,
      thresholdsUsd: ['10.000000', '1.500000', '0.000001'],
      webhookUrl: 'https://hooks.example.com/chuizi?team=7',
      hasSecret: true,
      firedThresholdsUsd: [],
      updatedAt: expect.any(String),
    };
    expect(put).toMatchObject({ status: 200, body: settings });
    expect((await finance.get(`/admin/v1/accounts/${account.id}/alerts`)).body).toEqual(put.body);
    expect(JSON.stringify(put.body)).not.toContain(secret);

    // Without a secret the current one is kept.
    const kept = await api.put(`/admin/v1/accounts/${account.id}/alerts`, { thresholdsUsd: ['5'], webhookUrl: 'https://hooks.example.com/x' });
    expect(kept.body).toMatchObject({ thresholdsUsd: ['5.000000'], hasSecret: true });
    const db = await testDb();
    const row = await db.balanceAlert.findUniqueOrThrow({ where: { accountId: account.id } });
    expect(row.secret).not.toContain(secret); // sealed at rest

    const entries = await api.auditOf(`account:${account.id}`, { action: 'account.alerts' });
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({ before: null, after: { thresholdsUsd: settings.thresholdsUsd, secretChanged: true } });
    expect(entries[0]).toMatchObject({ after: { thresholdsUsd: ['5.000000'], secretChanged: false } });
    expect(JSON.stringify(entries)).not.toContain(secret);
  });

  it('POSTs one signed event per crossing, by a hold or a charge, within seconds; a top-up re-arms', async () => {
    const { accountId, key, path, secret } = await alertedAccount('12.00', ['10.00', '1.00']);

    await spendFour(key); // 12 -> 8: below 10
    const [first] = await eventsAt(path, 1);
    expect(first.body).toEqual({
      type: 'balance.below_threshold',
      accountId,
      thresholdUsd: '10.000000',
      balanceUsd: '8.000000',
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expect(first.headers['x-chuizi-signature']).toBe(signatureOf(first.rawBody, secret));
    expect(first.headers['content-type']).toBe('application/json');

    await spendFour(key); // 8 -> 4: below 10 still, no new crossing
    await spendFour(key); // 4 -> 0: below 1
    const events = await eventsAt(path, 2);
    // Many checks have run meanwhile: the 10 fired once.
    expect(events.map((event) => event.body.thresholdUsd)).toEqual(['10.000000', '1.000000']);
    expect(events[1].body.balanceUsd).toBe('0.000000');
    expect(events[1].headers['x-chuizi-signature']).toBe(signatureOf(events[1].rawBody, secret));

    const deliveries = await waitFor(async () => {
      const page = await finance.get(`/admin/v1/accounts/${accountId}/alerts/deliveries`);
      return page.body.data.every((d: { status: string }) => d.status === 'delivered') && page.body.data.length === 2 ? page.body : null;
    });
    expect(deliveries.data).toEqual([
      {
        id: events[1].headers['x-chuizi-delivery'],
        thresholdUsd: '1.000000',
        balanceUsd: '0.000000',
        status: 'delivered',
        attempts: 1,
        lastStatusCode: 200,
        lastError: null,
        createdAt: expect.any(String),
        deliveredAt: expect.any(String),
      },
      expect.objectContaining({ id: first.headers['x-chuizi-delivery'], thresholdUsd: '10.000000', status: 'delivered' }),
    ]);
    expect(deliveries.nextCursor).toBeNull();
    expect((await finance.get(`/admin/v1/accounts/${accountId}/alerts`)).body.firedThresholdsUsd).toEqual(['10.000000', '1.000000']);

    // A top-up lifts the balance over both: re-armed (the worker saw it), so the next fall below 10 alerts again.
    await finance.post(`/admin/v1/accounts/${accountId}/top-ups`, { amountUsd: '20.00' });
    await waitFor(async () => ((await finance.get(`/admin/v1/accounts/${accountId}/alerts`)).body.firedThresholdsUsd.length === 0 ? true : null), ALERT_WAIT_MS, 100);
    for (let spent = 0; spent < 3; spent++) await spendFour(key); // 20 -> 8
    const again = await eventsAt(path, 3);
    expect(again[2].body).toMatchObject({ thresholdUsd: '10.000000', balanceUsd: '8.000000' });
    expect(receiver.at(path)).toHaveLength(3);
  }, 120_000);

  it('POSTs the event while a request is still streaming when its open hold alone crosses the threshold', async () => {
    const { accountId, key, path } = await alertedAccount('5.00', ['3.00']);
    const client = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    // Holds USD 4 (40 output tokens at most), then the upstream sends its first chunk and waits a minute for the next:
    // nothing is charged while the test runs, only the hold moves the spendable balance (5 -> 1).
    const stream = await client.chat.completions.create({
      model: modelId,
      max_tokens: 40,
      stream: true,
      messages: [{ role: 'user', content: 'hold mock:output_tokens=40 mock:chunk_delay_ms=60000' }],
    });
    let finished = false;
    const reading = (async () => {
      for await (const _chunk of stream);
    })()
      .catch(() => undefined)
      .finally(() => (finished = true));
    try {
      const [event] = await eventsAt(path, 1);
      expect(finished).toBe(false);
      expect(event.body).toMatchObject({ accountId, thresholdUsd: '3.000000', balanceUsd: '1.000000' });
    } finally {
      stream.controller.abort();
      await reading;
    }
  }, 60_000);

  it('retries a delivery the webhook refused, with the same body, signature and delivery id', async () => {
    const account = await api.createAccount({ balanceUsd: '12.00' });
    const path = `/hooks/${account.id}`;
    receiver.failNext(path, 503);
    const secret = 'retry-secret';
    await finance.put(`/admin/v1/accounts/${account.id}/alerts`, { thresholdsUsd: ['10.00'], webhookUrl: `${receiver.url}${path}`, secret });
    await finance.post(`/admin/v1/accounts/${account.id}/adjustments`, { amountUsd: '-3.00', reason: 'a charge made by hand' });

    const [refused, accepted] = await eventsAt(path, 2);
    expect(accepted.rawBody).toBe(refused.rawBody);
    expect(accepted.headers['x-chuizi-delivery']).toBe(refused.headers['x-chuizi-delivery']);
    expect(accepted.headers['x-chuizi-signature']).toBe(signatureOf(accepted.rawBody, secret));
    expect(refused.body).toMatchObject({ thresholdUsd: '10.000000', balanceUsd: '9.000000' });
    const [delivery] = await waitFor(async () => {
      const page = await finance.get(`/admin/v1/accounts/${account.id}/alerts/deliveries`);
      return page.body.data[0]?.status === 'delivered' ? page.body.data : null;
    });
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200, lastError: null });
  }, 60_000);

  it('a new threshold the balance is already below alerts once, and removing a threshold forgets it', async () => {
    const { accountId, path } = await alertedAccount('3.00', ['2.00']);
    await finance.put(`/admin/v1/accounts/${accountId}/alerts`, { thresholdsUsd: ['5.00', '2.00'], webhookUrl: `${receiver.url}${path}` });
    const [event] = await eventsAt(path, 1);
    expect(event.body).toMatchObject({ thresholdUsd: '5.000000', balanceUsd: '3.000000' });
    const removed = await finance.put(`/admin/v1/accounts/${accountId}/alerts`, { thresholdsUsd: ['2.00'], webhookUrl: `${receiver.url}${path}` });
    expect(removed.body).toMatchObject({ thresholdsUsd: ['2.000000'], firedThresholdsUsd: [] });
  });

  it('is for finance and admin only', async () => {
    const account = await api.createAccount({ balanceUsd: '100.00' });
    const body = { thresholdsUsd: ['1'], webhookUrl: 'https://hooks.example.com/x', secret: 's' };
    expectError(await support.put(`/admin/v1/accounts/${account.id}/alerts`, body), 403, 'permission_error');
    expectError(await support.get(`/admin/v1/accounts/${account.id}/alerts`), 403, 'permission_error');
    expectError(await support.get(`/admin/v1/accounts/${account.id}/alerts/deliveries`), 403, 'permission_error');
    expect((await api.put(`/admin/v1/accounts/${account.id}/alerts`, body)).status).toBe(200);
  });

  it.each([
    [{ thresholdsUsd: ['1.00', '10.00'] }, /'thresholdsUsd': must be strictly decreasing/],
    [{ thresholdsUsd: ['5', '5'] }, /'thresholdsUsd': must be strictly decreasing/],
    [{ thresholdsUsd: ['1.0000001'] }, /'thresholdsUsd': entry 0/],
    [{ thresholdsUsd: ['0'] }, /'thresholdsUsd': entry 0/],
    [{ thresholdsUsd: ['-1'] }, /'thresholdsUsd'/],
    [{ thresholdsUsd: [10] }, /'thresholdsUsd'/],
    [{ thresholdsUsd: '10' }, /'thresholdsUsd'/],
    [{ thresholdsUsd: Array.from({ length: 11 }, (_, i) => String(20 - i)) }, /'thresholdsUsd'/],
    [{ webhookUrl: 'ftp://hooks.example.com/' }, /'webhookUrl': must be an http or https URL/],
    [{ webhookUrl: 'not a url' }, /'webhookUrl'/],
    [{ webhookUrl: 'https://user:pw@hooks.example.com/' }, /'webhookUrl': must not hold credentials/],
    [{ secret: '' }, /'secret'/],
    [{ secret: null }, /'secret'/],
    [{ surprise: true }, /Unrecognized field 'surprise'/],
  ])('refuses %j with a 400 naming the field', async (change, message) => {
    const account = await api.createAccount();
    const body = { thresholdsUsd: ['10.00'], webhookUrl: 'https://hooks.example.com/x', secret: 'secret', ...change };
    expectError(await finance.put(`/admin/v1/accounts/${account.id}/alerts`, body), 400, 'invalid_request_error', message);
    expect((await finance.get(`/admin/v1/accounts/${account.id}/alerts`)).body.hasSecret).toBe(false);
  });

  it('needs thresholds and a webhook, and a secret the first time; 404 for an unknown account', async () => {
    const account = await api.createAccount();
    const body = { thresholdsUsd: ['10.00'], webhookUrl: 'https://hooks.example.com/x' };
    const put = (sent: object) => finance.put(`/admin/v1/accounts/${account.id}/alerts`, sent);
    expectError(await put({ webhookUrl: body.webhookUrl, secret: 's' }), 400, 'invalid_request_error', /Missing required field 'thresholdsUsd'/);
    expectError(await put({ thresholdsUsd: ['1'], secret: 's' }), 400, 'invalid_request_error', /Missing required field 'webhookUrl'/);
    expectError(await put(body), 400, 'invalid_request_error', /Missing required field 'secret'/);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expectError(await finance.put(`/admin/v1/accounts/${unknown}/alerts`, { ...body, secret: 's' }), 404, 'not_found');
    expectError(await finance.get(`/admin/v1/accounts/${unknown}/alerts`), 404, 'not_found');
    expectError(await finance.get(`/admin/v1/accounts/nope/alerts/deliveries`), 404, 'not_found');
  });

  it('refuses loopback and private webhooks unless ALERT_WEBHOOK_ALLOW_PRIVATE=true', async () => {
    const strict = await AppProcess.start('admin', { ALERT_WEBHOOK_ALLOW_PRIVATE: 'false' });
    try {
      const strictApi = new AdminApi(strict.url);
      const account = await strictApi.createAccount({ balanceUsd: '100.00' });
      for (const webhookUrl of ['http://127.0.0.1:9/hook', 'http://10.0.0.7/hook', 'http://[::1]/hook', 'http://localhost/hook', 'http://169.254.169.254/']) {
        expectError(
          await strictApi.put(`/admin/v1/accounts/${account.id}/alerts`, { thresholdsUsd: ['1'], webhookUrl, secret: 's' }),
          400,
          'invalid_request_error',
          /'webhookUrl': must not point at a loopback or private address/,
        );
      }
      const ok = await strictApi.put(`/admin/v1/accounts/${account.id}/alerts`, {
        thresholdsUsd: ['1'],
        webhookUrl: 'https://hooks.example.com/x',
        secret: 's',
      });
      expect(ok.status).toBe(200);
    } finally {
      await strict.stop();
    }
  });
});
