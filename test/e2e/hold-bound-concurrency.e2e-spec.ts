import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { billingViolations } from '../support/billing-invariants';
import { callGateway } from '../support/gateway-call';
import { settledBooks } from '../support/settlement';
import { closeTestDb, testDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';

const REQUESTS = 10;
// The mock counts whitespace-separated words as input tokens: single-character words make one token per two
// characters, denser than any per-character guess of a tokenizer. 75,000 of them at USD 1 per million input tokens:
// USD 0.075 per request. A hold of one token per 3 characters (USD 0.05) let nine of these through on USD 0.50 and left
// the account at -0.175.
const WORDS = 75_000;
const PROMPT = `${'a '.repeat(WORDS)}mock:output_tokens=3`;

describe('holds are upper bounds: concurrent requests whose text tokenizes densely never overdraw an account', () => {
  let proxy: AppProcess;

  beforeAll(async () => {
    proxy = await AppProcess.start('proxy', { DEFAULT_RPM: '100000' });
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await closeTestDb();
  }, 60_000);

  it(`${REQUESTS} concurrent Anthropic-model requests on USD 0.50 at one token per two characters: never below zero, books balanced`, async () => {
    const model = await createModel({ provider: 'anthropic', inputUsdPerMTok: '1.00', outputUsdPerMTok: '5.00', maxOutputTokens: 1_024 });
    const account = await createAccount({ balanceUsd: '0.50' });
    const { key } = await createApiKey(account.id);
    const body = { model: model.id, max_tokens: 16, messages: [{ role: 'user', content: PROMPT }] };

    const calls = await Promise.all(
      Array.from({ length: REQUESTS }, () => callGateway(`${proxy.url}/anthropic/v1/messages`, { apiKey: key, body, timeoutMs: 60_000 })),
    );
    const answered = calls.filter((call) => call.status === 200);
    const refused = calls.filter((call) => call.status === 402);
    expect(answered.length + refused.length).toBe(REQUESTS);
    expect(answered.length).toBeGreaterThan(0);
    for (const call of answered) expect(call.body.usage.input_tokens).toBeGreaterThanOrEqual(WORDS);
    expect(refused[0]?.body).toMatchObject({ type: 'error', error: { type: 'insufficient_quota' } });

    const db = await testDb();
    await waitFor(async () => (await db.usageRecord.count({ where: { accountId: account.id } })) === REQUESTS, 30_000);
    const books = await settledBooks(account.id);
    expect(books.balance).toBeGreaterThanOrEqual(0n);
    expect(books.ledgerSum).toBe(books.balance);
    // Never below zero at any point of the ledger, and no request cost more than its hold.
    const lowest = await db.ledgerEntry.aggregate({ where: { accountId: account.id }, _min: { balanceAfterMicros: true } });
    expect(lowest._min.balanceAfterMicros).toBeGreaterThanOrEqual(0n);
    const overruns = await db.usageRecord.count({ where: { accountId: account.id, overrunMicros: { gt: 0n } } });
    expect(overruns).toBe(0);
    const charged = await db.usageRecord.aggregate({ where: { accountId: account.id }, _sum: { costMicros: true } });
    expect(books.balance).toBe(500_000n - charged._sum.costMicros!);
    expect(await billingViolations(account.id)).toEqual([]);
  }, 120_000);
});
