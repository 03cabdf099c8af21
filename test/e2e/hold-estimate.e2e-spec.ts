import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { boundQuote, countOpenAiTokens, exactQuote, holdPlan } from '../../libs/billing/src';
import { formatMicrosAsCents } from '../../libs/common/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { billingViolations } from '../support/billing-invariants';
import { catalogModelOf } from '../support/catalog-model';
import { callGateway } from '../support/gateway-call';
import { settledBooks, usageOf } from '../support/settlement';
import { accountBooks, closeTestDb, testDb } from '../support/test-db';
import { waitFor } from '../support/wait-for';
import { afterSettlements } from '../support/books';

/**
 * 10 MB of text without a single space: the kind of text a BPE tokenizer takes minutes over (its cost grows with the
 * square of a word's length). Counted on the event loop, it froze a proxy for a minute before its 402.
 */
const TEN_MB_WORD = 'abcdefghijklmnopqrstuvwxyz'.repeat(384_000).slice(0, 9_900_000);
/** Generous bounds: behaviour, not speed. A frozen event loop misses them by tens of seconds. */
const PROMPT_MS = 15_000;
const HEALTHY_MS = 2_000;

/**
 * Dense text: the mock counts whitespace-separated words as input tokens, and single-character words make one token
 * per two characters, denser than any per-character guess of a tokenizer. 75,000 of them at USD 1 per million input
 * tokens: USD 0.075 per request. A hold of one token per 3 characters (USD 0.05) let nine of ten through on USD 0.50 and left
 * the account at -0.175.
 */
const REQUESTS = 10;
const WORDS = 75_000;
const PROMPT = `${'a '.repeat(WORDS)}mock:output_tokens=3`;

/** Polls /healthz until `work` settles; resolves with the work's outcome and the slowest /healthz answer. */
async function whileHealthy<T>(proxy: AppProcess, work: Promise<T>): Promise<{ result: T; slowestHealthMs: number; probes: number }> {
  let done = false;
  let slowest = 0;
  let probes = 0;
  const settled = work.finally(() => (done = true));
  const polling = (async () => {
    while (!done) {
      const sentAt = Date.now();
      const response = await fetch(`${proxy.url}/healthz`, { signal: AbortSignal.timeout(PROMPT_MS * 2) });
      expect(response.status).toBe(200);
      slowest = Math.max(slowest, Date.now() - sentAt);
      probes++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const result = await settled;
  await polling;
  return { result, slowestHealthMs: slowest, probes };
}

describe('holds: upper bounds of what a request can cost, estimated without freezing the proxy', () => {
  let proxy: AppProcess;
  /** Gives every exact count up at once: a count past its time, whatever the machine's speed. */
  let slowCounting: AppProcess;

  beforeAll(async () => {
    [proxy, slowCounting] = await AppProcess.together([
      AppProcess.start('proxy', { DEFAULT_RPM: '100000' }),
      AppProcess.start('proxy', { DEFAULT_RPM: '100000', EXACT_COUNT_TIMEOUT_MS: '10' }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([proxy?.stop(), slowCounting?.stop()]);
    await closeTestDb();
  }, 60_000);

  it.each([
    ['/v1/chat/completions', 'openai', { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: TEN_MB_WORD }] }],
    ['/anthropic/v1/messages', 'anthropic', { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: TEN_MB_WORD }] }],
  ])('a 10 MB body from a $0 key gets its 402 promptly on %s, and /healthz answers promptly meanwhile', async (path, protocol, body) => {
    const account = await createAccount({ balanceUsd: '0' });
    const { key } = await createApiKey(account.id);
    const { result, slowestHealthMs, probes } = await whileHealthy(
      proxy,
      callGateway(`${proxy.url}${path}`, { apiKey: key, body, timeoutMs: PROMPT_MS * 4 }),
    );
    expect(result.status).toBe(402);
    expect(result.body.error.type).toBe('insufficient_quota');
    if (protocol === 'anthropic') expect(result.body.type).toBe('error');
    expect(result.receivedAt - result.sentAt).toBeLessThan(PROMPT_MS);
    expect(probes).toBeGreaterThan(0);
    expect(slowestHealthMs).toBeLessThan(HEALTHY_MS);
    expect(await (await testDb()).reservation.count({ where: { accountId: account.id } })).toBe(0);
  }, 120_000);

  it.each([
    ['too big to count (over EXACT_COUNT_MAX_BYTES)', TEN_MB_WORD, () => proxy],
    ['too slow to count (past EXACT_COUNT_TIMEOUT_MS, in a worker thread)', TEN_MB_WORD.slice(0, 1_000_000), () => slowCounting],
  ])('a body the byte bound refuses but a small balance might cover, %s, keeps its byte bound: 402, and /healthz never waits', async (_why, content, gateway) => {
    // 10 cents: more than the request costs with its text free, less than its byte bound (USD 0.40 per MB).
    const account = await createAccount({ balanceUsd: '0.10' });
    const { key } = await createApiKey(account.id);
    const body = { model: 'gpt-4.1-mini', max_tokens: 16, messages: [{ role: 'user', content }] };
    const { result, slowestHealthMs } = await whileHealthy(
      gateway(),
      callGateway(`${gateway().url}/v1/chat/completions`, { apiKey: key, body, timeoutMs: PROMPT_MS * 4 }),
    );
    expect(result.status).toBe(402);
    expect(result.receivedAt - result.sentAt).toBeLessThan(PROMPT_MS);
    expect(slowestHealthMs).toBeLessThan(HEALTHY_MS);
    expect(await (await testDb()).reservation.count({ where: { accountId: account.id } })).toBe(0);
  }, 120_000);

  it('accepts a request whose exact count fits the balance when its byte bound does not, and holds the exact amount', async () => {
    // USD 10 per million input tokens; "hello world " x 20,000 is 240,000 bytes (the byte bound: USD 2.40) and
    // 40,000 o200k tokens (USD 0.40). A dollar covers the exact hold only.
    const model = await createModel({ inputUsdPerMTok: '10.00', outputUsdPerMTok: '10.00', maxOutputTokens: 100 });
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key } = await createApiKey(account.id);
    const content = `${'hello world '.repeat(20_000)}mock:output_tokens=3`;
    const openai = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const { data, response } = await openai.chat.completions
      .create({ model: model.id, max_tokens: 16, messages: [{ role: 'user', content }] })
      .withResponse();
    expect(data.choices[0].message.content).toBeTruthy();

    const record = await catalogModelOf(model.id);
    const plan = holdPlan('chat.completions', { messages: [{ role: 'user', content }], max_tokens: 16 }, record);
    const exact = exactQuote(plan, plan.input.pieces.reduce((sum, piece) => sum + countOpenAiTokens(piece), 0));
    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage).toMatchObject({ outcome: 'completed', reservedMicros: exact.amountMicros });
    expect(usage.costMicros).toBeLessThanOrEqual(usage.reservedMicros);
    await settledBooks(account.id);
    expect(await billingViolations(account.id)).toEqual([]);
  }, 60_000);

  it('names the exact amount in the 402 of a $0 key (a small text is counted), not the byte bound', async () => {
    // USD 10 per million input tokens; "hello world " x 2,000 is 24,000 bytes (the byte bound) and 4,000 o200k tokens.
    // Nothing could fit a $0 balance: the count only names what the request needs.
    const model = await createModel({ inputUsdPerMTok: '10.00', outputUsdPerMTok: '10.00', maxOutputTokens: 100 });
    const account = await createAccount({ balanceUsd: '0' });
    const { key } = await createApiKey(account.id);
    const content = 'hello world '.repeat(2_000);
    const body = { model: model.id, max_tokens: 16, messages: [{ role: 'user', content }] };
    const result = await callGateway(`${proxy.url}/v1/chat/completions`, { apiKey: key, body });

    const plan = holdPlan('chat.completions', body, await catalogModelOf(model.id));
    const exact = exactQuote(plan, plan.input.pieces.reduce((sum, piece) => sum + countOpenAiTokens(piece), 0));
    // Held at the dearest input price (cache writes, 1.25 x): USD 0.05 counted, USD 0.30 by the byte bound.
    expect(formatMicrosAsCents(exact.amountMicros)).toBe('0.05');
    expect(formatMicrosAsCents(boundQuote(plan).amountMicros)).toBe('0.30');
    expect(result.status).toBe(402);
    expect(result.body.error.message).toBe('Insufficient balance. Current: $0.00, Required: $0.05');
    expect(await (await testDb()).reservation.count({ where: { accountId: account.id } })).toBe(0);
  }, 60_000);

  it("sends the model's max output upstream when the client sets none, so that no answer outgrows its hold", async () => {
    // Both models first: the proxy's catalog reload (by broadcast) has the time the account takes to be created.
    const model = await createModel({ maxOutputTokens: 5 });
    const anthropicModel = await createModel({ provider: 'anthropic', maxOutputTokens: 5 });
    const account = await createAccount({ balanceUsd: '1.00' });
    const { key } = await createApiKey(account.id);
    const openai = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const { data, response } = await openai.chat.completions
      .create({ model: model.id, messages: [{ role: 'user', content: 'a long one mock:output_tokens=50' }] })
      .withResponse();
    // The mock honours the limit it is sent, as providers do: 5 tokens, not the 50 it was told to write.
    expect(data.usage?.completion_tokens).toBe(5);
    expect(data.choices[0].finish_reason).toBe('length');
    const usage = await usageOf(response.headers.get('x-chuizi-generation-id')!);
    expect(usage.outputTokens).toBe(5);
    expect(usage.overrunMicros).toBe(0n);

    const anthropic = new Anthropic({ apiKey: key, baseURL: `${proxy.url}/anthropic`, maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: anthropicModel.id,
      max_tokens: 4_096, // above the model's max output: lowered to it
      messages: [{ role: 'user', content: 'a long one mock:output_tokens=50' }],
    });
    expect(message.usage.output_tokens).toBe(5);
    expect(message.stop_reason).toBe('max_tokens');
    await settledBooks(account.id);
    expect(await billingViolations(account.id)).toEqual([]);
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
    await waitFor(async () => (await afterSettlements(() => db.usageRecord.count({ where: { accountId: account.id } }))) === REQUESTS, 30_000);
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
