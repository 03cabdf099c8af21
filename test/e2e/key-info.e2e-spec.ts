import { createHash } from 'node:crypto';
import { formatMicrosAsUsd, generateApiKey } from '../../libs/common/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { afterSettlements, nothingInFlight } from '../support/books';
import { authHeaders, errorBody, KEY_INFO_PATH, Protocol, PROTOCOLS, sdkGenerate } from '../support/protocol-clients';
import { closeTestDb, testDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';

const PROVIDER = { openai: 'openai', anthropic: 'anthropic', gemini: 'google' } as const;
const FIELDS = [
  'keyPrefix',
  'name',
  'status',
  'balanceUsd',
  'reservedUsd',
  'rpmLimit',
  'accountRpmLimit',
  'tpmLimit',
  'dailyLimitUsd',
  'spentTodayUsd',
  'allowedModels',
  'ipAllowlist',
  'expiresAt',
  'createdAt',
  'lastUsedAt',
  'usageToday',
].sort();

interface KeyInfo {
  [field: string]: unknown;
  balanceUsd: string;
  usageToday: { requests: number; inputTokens: number; outputTokens: number; costUsd: string };
}

describe('GET /v1/key/info (and its Anthropic and Gemini twins): the caller’s own key', () => {
  const models = {} as Record<Protocol, string>;
  let proxy: AppProcess;

  beforeAll(async () => {
    for (const protocol of PROTOCOLS) models[protocol] = (await createModel({ provider: PROVIDER[protocol] })).alias;
    proxy = await AppProcess.start('proxy', { DEFAULT_RPM: '90' });
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await closeTestDb();
  });

  async function keyInfo(protocol: Protocol, key: string): Promise<{ status: number; body: any; text: string }> {
    const response = await fetch(`${proxy.url}${KEY_INFO_PATH[protocol]}`, { headers: authHeaders(protocol, key) });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text), text };
  }

  it('shows each of two accounts its own key only: policy, effective limits, balance, never the key or its hash', async () => {
    const first = await createAccount({ balanceUsd: '12.50', rpmLimit: 200 });
    const second = await createAccount({ balanceUsd: '3.00', accountRpmLimit: 700 });
    const expiresAt = new Date(Date.now() + 86_400_000);
    const a = await createApiKey(first.id, {
      ipAllowlist: ['127.0.0.0/8', '::1'],
      dailyLimitUsd: '7.5',
      tpmLimit: 5_000,
      allowedModels: [`openai/${models.openai}`],
      expiresAt,
    });
    const b = await createApiKey(second.id, { rpmLimit: 40 });
    const aRow = await (await testDb()).apiKey.findUniqueOrThrow({ where: { id: a.id } });

    for (const protocol of PROTOCOLS) {
      const mine = await keyInfo(protocol, a.key);
      expect(mine.status).toBe(200);
      expect(Object.keys(mine.body)).toEqual(['data']);
      expect(Object.keys(mine.body.data).sort()).toEqual(FIELDS);
      expect(mine.body.data).toEqual({
        keyPrefix: aRow.prefix,
        name: 'test key',
        status: 'active',
        balanceUsd: '12.500000',
        reservedUsd: '0.000000',
        // The account's default for its keys; the account tier twice that.
        rpmLimit: 200,
        accountRpmLimit: 400,
        tpmLimit: 5_000,
        dailyLimitUsd: '7.500000',
        spentTodayUsd: '0.000000',
        allowedModels: [`openai/${models.openai}`],
        ipAllowlist: ['127.0.0.0/8', '::1'],
        expiresAt: expiresAt.toISOString(),
        createdAt: aRow.createdAt.toISOString(),
        lastUsedAt: protocol === 'openai' ? null : expect.any(String),
        usageToday: { requests: 0, inputTokens: 0, outputTokens: 0, costUsd: '0.000000' },
      });
      expect(mine.text).not.toContain(a.key);
      expect(mine.text).not.toContain(aRow.keyHash);
      expect(mine.text).not.toContain(createHash('sha256').update(a.key).digest('hex'));

      const theirs = await keyInfo(protocol, b.key);
      expect(theirs.body.data).toMatchObject({
        balanceUsd: '3.000000',
        rpmLimit: 40,
        accountRpmLimit: 700,
        tpmLimit: null,
        dailyLimitUsd: null,
        allowedModels: [],
        ipAllowlist: [],
        expiresAt: null,
      });
      expect(theirs.body.data.keyPrefix).not.toBe(aRow.prefix);
    }
    // A key without any limit of its own or of its account: DEFAULT_RPM, twice that for the account.
    const plain = await createApiKey((await createAccount()).id);
    expect((await keyInfo('openai', plain.key)).body.data).toMatchObject({ rpmLimit: 90, accountRpmLimit: 180 });
  });

  it.each(PROTOCOLS)('%s: counts billable requests of the day (not lookups), their tokens and cost, and the balance after them', async (protocol) => {
    const account = await createAccount({ balanceUsd: '10.00' });
    const { id: keyId, key } = await createApiKey(account.id, { dailyLimitUsd: '5' });
    const other = await createApiKey(account.id);
    for (const outputTokens of [7, 11]) {
      const outcome = await sdkGenerate(protocol, {
        baseUrl: proxy.url,
        key,
        model: models[protocol],
        content: `hello mock:output_tokens=${outputTokens}`,
        maxTokens: 50,
      });
      expect(outcome).toMatchObject({ ok: true, outputTokens });
    }
    // Another key of the account spends too: the balance is the account's, the usage the key's.
    expect(await sdkGenerate(protocol, { baseUrl: proxy.url, key: other.key, model: models[protocol], content: 'x', maxTokens: 5 })).toMatchObject({ ok: true });
    await waitFor(() => nothingInFlight(account.id));

    const books = await afterSettlements(async () => {
      const db = await testDb();
      const records = await db.usageRecord.findMany({ where: { keyId } });
      const spent = await db.usageRecord.aggregate({ where: { accountId: account.id }, _sum: { costMicros: true } });
      return { records, spent: spent._sum.costMicros! };
    });
    const cost = books.records.reduce((sum, record) => sum + record.costMicros, 0n);
    const info = await waitFor(async () => {
      const { body } = await keyInfo(protocol, key);
      return (body.data as KeyInfo).usageToday.requests === 2 ? (body.data as KeyInfo) : null;
    });
    // Lookups before this one (this suite's own) are not counted.
    expect(info.usageToday).toEqual({
      requests: 2,
      inputTokens: books.records.reduce((sum, record) => sum + record.inputTokens, 0),
      outputTokens: 18,
      costUsd: formatMicrosAsUsd(cost),
    });
    expect(info.spentTodayUsd).toBe(formatMicrosAsUsd(cost));
    expect(info.balanceUsd).toBe(formatMicrosAsUsd(10_000_000n - books.spent));
    expect(info.reservedUsd).toBe('0.000000');
    expect(info.lastUsedAt).not.toBeNull();
    // The lookups wrote usage records of their own (they count in the key's rate limit), none billed. Written after
    // the response, batched: waited for, as any unbilled record.
    const db = await testDb();
    const lookups = await waitFor(async () => {
      const found = await db.usageRecord.findMany({ where: { keyId, endpoint: 'key_info' } });
      return found.length > 0 ? found : null;
    });
    expect(lookups.every((record) => record.costMicros === 0n)).toBe(true);
  });

  it.each(PROTOCOLS)('%s: a bad key is a 401 in the protocol’s format', async (protocol) => {
    const { status, body } = await keyInfo(protocol, generateApiKey());
    expect(status).toBe(401);
    expect(body).toEqual(errorBody(protocol, 401, 'Invalid API key'));
  });
});
