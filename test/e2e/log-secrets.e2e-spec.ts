import { randomBytes } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { generateApiKey } from '../../libs/common/src';
import { createModel } from '../factories/model.factory';
import { AdminApi } from '../support/admin-api';
import { AppProcess } from '../support/app-process';
import { callGateway } from '../support/gateway-call';
import { usageOf } from '../support/settlement';
import { closeTestDb } from '../support/test-db';
import { TEST_ADMIN_TOKEN, TEST_REDIS_PREFIX } from '../support/test-env';

/** Every line each app wrote (stdout and stderr), parsed where it is JSON. */
function jsonLines(logs: string): Record<string, unknown>[] {
  return logs
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('logs: structured, tied to the request, and never holding a key, token, prompt or provider credential', () => {
  const prompt = `the zebra-quokka-${randomBytes(6).toString('hex')} sails at dawn`;
  // Not shaped like any known key, so only the gateway's structure keeps it out of the logs (not the scrubber).
  const channelCredential = `channel-credential-${randomBytes(12).toString('hex')}`;
  let mock: MockUpstream;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0, host: '127.0.0.1', apiKey: channelCredential });
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
    await mock?.close();
    await closeTestDb();
  });

  it('through a full flow on both protocols and the admin API, at LOG_LEVEL=trace', async () => {
    const openAiModel = await createModel({ provider: 'openai', upstreamUrl: mock.url, channelApiKey: channelCredential });
    const anthropicModel = await createModel({ provider: 'anthropic', upstreamUrl: mock.url, channelApiKey: channelCredential });
    // A Redis namespace of its own: its worker must not run other suites' jobs (nor theirs this suite's).
    const env = { LOG_LEVEL: 'trace', DEFAULT_RPM: '100000', REDIS_KEY_PREFIX: `${TEST_REDIS_PREFIX}ls:` };
    const [proxy, admin, worker] = await AppProcess.together([
      AppProcess.start('proxy', env),
      AppProcess.start('admin', env),
      AppProcess.start('worker', env),
    ]);
    apps.push(proxy, admin, worker);

    // Admin: staff creation (its token is shown once), then an account, a top-up and a key as that staff member.
    const root = new AdminApi(admin.url);
    const staff = await root.createStaff('admin');
    const api = root.as(staff.token);
    const account = await api.createAccount({ balanceUsd: '5.00' });
    const created = await api.post('/admin/v1/keys', { accountId: account.id, name: 'logs' });
    expect(created.status).toBe(201);
    const key: string = created.body.key;

    // Proxy: chat and stream on both protocols, with the key in either header.
    const openai = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: key, baseURL: `${proxy.url}/anthropic`, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: `${prompt} mock:output_tokens=5` }];
    const { response: chat } = await openai.chat.completions.create({ model: openAiModel.id, messages }).withResponse();
    const stream = await openai.chat.completions.create({ model: openAiModel.id, messages, stream: true });
    for await (const _chunk of stream) void _chunk;
    await anthropic.messages.create({ model: anthropicModel.id, max_tokens: 32, messages });
    const events = await anthropic.messages.create({ model: anthropicModel.id, max_tokens: 32, messages, stream: true });
    for await (const _event of events) void _event;
    const viaHeader = await callGateway(`${proxy.url}/anthropic/v1/messages`, {
      headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
      body: { model: anthropicModel.id, max_tokens: 16, messages },
    });
    expect(viaHeader.status).toBe(200);
    // Failures log more: a bad key (401), an upstream 500 (502, logged with its stack), a malformed body (400).
    const badKey = generateApiKey();
    expect((await callGateway(`${proxy.url}/v1/chat/completions`, { apiKey: badKey, body: { model: openAiModel.id, messages } })).status).toBe(401);
    const failing = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: openAiModel.id, messages: [{ role: 'user', content: `${prompt} mock:status=500` }] }),
    });
    expect(failing.status).toBe(502);
    const failedGeneration = failing.headers.get('x-chuizi-generation-id')!;
    const malformed = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: `{"model":"${openAiModel.id}","messages":[{"role":"user","content":"${prompt}"}]`,
    });
    expect(malformed.status).toBe(400);
    await usageOf(chat.headers.get('x-chuizi-generation-id')!);
    await usageOf(failedGeneration);

    // Everything is flushed: the processes exit (their shutdown logs included).
    for (const app of [proxy, admin, worker]) expect(await app.stop('SIGTERM')).toBe(0);
    const everything = [proxy, admin, worker].map((app) => app.logs).join('\n');

    const secrets = { key, badKey, staffToken: staff.token, adminToken: TEST_ADMIN_TOKEN, prompt, channelCredential };
    for (const [name, secret] of Object.entries(secrets)) {
      expect({ name, found: everything.includes(secret) }).toEqual({ name, found: false });
    }
    // The key's distinctive part alone, in case something logged it cut or re-encoded.
    expect(everything).not.toContain(key.slice(3));

    // The logs are there and useful: JSON lines, one access line per proxy request carrying its ids.
    const proxyLines = jsonLines(proxy.logs);
    expect(proxyLines.length).toBeGreaterThan(10);
    const access = proxyLines.filter((line) => line.access === true);
    expect(access.length).toBe(8);
    for (const line of access) {
      expect(line).toMatchObject({ app: 'proxy', level: 'info', method: 'POST', generationId: expect.stringMatching(/^gen-/) });
      expect(line.requestId).toEqual(expect.stringMatching(/^req-/));
    }
    expect(access.find((line) => line.generationId === chat.headers.get('x-chuizi-generation-id'))).toMatchObject({
      route: '/v1/chat/completions',
      status: 200,
      model: openAiModel.id,
      accountId: account.id,
      keyId: created.body.id,
      outcome: 'completed',
      protocol: 'openai',
      stream: false,
    });
    expect(access.filter((line) => line.stream === true && line.outcome === 'completed')).toHaveLength(2);
    expect(access.find((line) => line.status === 401)).toMatchObject({ outcome: 'rejected', keyId: null });
    // A line logged while handling a request (the 502, an expected refusal: warn) carries that request's generation id.
    expect(proxyLines.find((line) => line.level === 'warn' && line.generationId === failedGeneration)).toBeDefined();
    expect(jsonLines(admin.logs).filter((line) => line.access === true && line.route === '/admin/v1/keys')).toHaveLength(1);
  }, 120_000);
});
