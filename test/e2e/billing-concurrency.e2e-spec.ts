import OpenAI from 'openai';
import { MockUpstream, startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { boundQuote, costMicros, holdPlan, priceOf } from '../../libs/billing/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { billingViolations } from '../support/billing-invariants';
import { catalogModelOf } from '../support/catalog-model';
import { accountBooks, closeTestDb, testDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';
import { afterSettlements } from '../support/books';
import { settledBooks } from '../support/settlement';
import { TEST_BILLING_STORE } from '../support/test-env';

const REQUESTS = 300;
const AFFORDABLE = 100;
const MAX_TOKENS = 50;
// The mock reports input as a word count, the gateway holds on the input's bytes (plus framing): they differ. With
// an input price this low, both contribute less than one micro-dollar, and output priced in whole micro-dollars per
// token makes the real cost equal the estimate, so that "the balance covers exactly 100 estimates" also means
// "exactly 100 requests": a settled request frees nothing for the others.
const INPUT_MICROS_PER_MTOK = 1_000n;
const OUTPUT_MICROS_PER_MTOK = 2_000_000n;
const PROMPT = `count to fifty please mock:output_tokens=${MAX_TOKENS}`;
const PROMPT_WORDS = 5;

describe('reservations under concurrency: 300 requests, two proxy instances, one account that affords 100', () => {
  let mock: MockUpstream;
  let modelId: string;
  let proxies: AppProcess[];

  beforeAll(async () => {
    mock = await startMockUpstream({ port: 0, host: '127.0.0.1' });
    // USD 0.001 and 2.00 per MTok: INPUT_MICROS_PER_MTOK and OUTPUT_MICROS_PER_MTOK.
    const model = await createModel({ upstreamUrl: mock.url, inputUsdPerMTok: '0.001', outputUsdPerMTok: '2.00' });
    modelId = model.id;
    // RPM limits are not what this suite is about.
    proxies = await AppProcess.together([AppProcess.start('proxy', { DEFAULT_RPM: '100000' }), AppProcess.start('proxy', { DEFAULT_RPM: '100000' })]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all((proxies ?? []).map((proxy) => proxy.stop()));
    await mock?.close();
    await closeTestDb();
  }, 60_000);

  it('sends at most what the balance covers upstream, answers 402 to the rest, and keeps the books exact', async () => {
    const db = await testDb();
    const model = await catalogModelOf(modelId);
    const body = { model: modelId, max_tokens: MAX_TOKENS, messages: [{ role: 'user' as const, content: PROMPT }] };
    const estimate = boundQuote(holdPlan('chat.completions', body, model)).amountMicros;
    const realCost = costMicros(priceOf(model), { inputTokens: PROMPT_WORDS, outputTokens: MAX_TOKENS, cachedInputTokens: 0, cacheWriteTokens: 0 });
    expect(estimate).toBe(realCost); // the premise above
    expect(estimate).toBe(101n); // 50 x 2 micro-dollars, plus under one for the input, rounded up

    const balance = estimate * BigInt(AFFORDABLE);
    const account = await createAccount({ balanceUsd: `0.${balance.toString().padStart(6, '0')}` });
    const keys = await Promise.all([createApiKey(account.id), createApiKey(account.id), createApiKey(account.id)]);
    mock.reset();

    const outcomes = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, i) => {
        const client = new OpenAI({ apiKey: keys[i % keys.length].key, baseURL: `${proxies[i % 2].url}/v1`, maxRetries: 0, timeout: 120_000 });
        try {
          const completion = await client.chat.completions.create(body);
          return { status: 200, outputTokens: completion.usage?.completion_tokens };
        } catch (error) {
          if (error instanceof OpenAI.APIError) return { status: error.status, type: (error.error as { type?: string })?.type, message: error.message };
          throw error;
        }
      }),
    );

    const succeeded = outcomes.filter((o) => o.status === 200);
    const refused = outcomes.filter((o) => o.status === 402);
    expect(outcomes.length).toBe(succeeded.length + refused.length);
    expect(succeeded).toHaveLength(AFFORDABLE);
    expect(succeeded.every((o) => o.outputTokens === MAX_TOKENS)).toBe(true);
    expect(refused[0]).toMatchObject({ type: 'insufficient_quota' });
    expect(refused[0].message).toContain('Required: $0.01');
    const upstream = (await (await fetch(`${mock.url}/__mock/stats`)).json()) as { requests: number };
    expect(upstream.requests).toBe(AFFORDABLE);

    // Settlements are written after the responses: wait for every usage record.
    // On the wallet the settled requests' records are the ledger writer's: written here, as a worker would.
    await waitFor(async () => (await afterSettlements(() => db.usageRecord.count({ where: { accountId: account.id } }))) === REQUESTS, 30_000);
    const books = await settledBooks(account.id);
    expect(books).toEqual({ balance: 0n, reserved: 0n, ledgerSum: 0n, openHolds: 0n });
    const lowest = await db.ledgerEntry.aggregate({ where: { accountId: account.id }, _min: { balanceAfterMicros: true } });
    expect(lowest._min.balanceAfterMicros).toBe(0n); // never below zero, at any point of the ledger

    const usage = await db.usageRecord.groupBy({ by: ['status', 'outcome'], where: { accountId: account.id }, _count: true, _sum: { costMicros: true } });
    expect(usage.map((u) => [u.status, u.outcome, u._count, u._sum.costMicros]).sort()).toEqual(
      [
        [200, 'completed', AFFORDABLE, balance],
        [402, 'rejected', REQUESTS - AFFORDABLE, 0n],
      ].sort(),
    );
    const entries = await db.ledgerEntry.groupBy({ by: ['kind'], where: { accountId: account.id }, _count: true });
    // On PostgreSQL a hold and its release per served request besides its settlement; on the wallet the holds are in
    // Redis and only the settlements reach the ledger.
    expect(Object.fromEntries(entries.map((e) => [e.kind, e._count]))).toEqual(
      TEST_BILLING_STORE === 'wallet'
        ? { top_up: 1, settlement: AFFORDABLE }
        : { top_up: 1, reservation: AFFORDABLE, release: AFFORDABLE, settlement: AFFORDABLE },
    );
    expect(await billingViolations(account.id)).toEqual([]);
  }, 180_000);
});
