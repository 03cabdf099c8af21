import { randomBytes } from 'node:crypto';
import { boundQuote, holdPlan, BilledEndpoint } from '../../libs/billing/src';
import { formatMicrosAsExactUsd, formatMicrosAsUsd } from '../../libs/common/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { AppProcess } from '../support/app-process';
import { afterSettlements, heldNow, nothingInFlight } from '../support/books';
import { catalogModelOf } from '../support/catalog-model';
import { mockRequestWith } from '../support/mock-control';
import {
  authHeaders,
  errorBody,
  generationRequest,
  KEY_INFO_PATH,
  Protocol,
  PROTOCOLS,
  sdkGenerate,
} from '../support/protocol-clients';
import { closeTestDb, testDb } from '../support/test-db';
import { sharedMockUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

const PROVIDER = { openai: 'openai', anthropic: 'anthropic', gemini: 'google' } as const;
const ENDPOINT: Record<Protocol, BilledEndpoint> = { openai: 'chat.completions', anthropic: 'messages', gemini: 'generate_content' };
const nonce = () => `n${randomBytes(5).toString('hex')}`;

/** What the usage records of the key charged (every settlement written, whatever the store). */
async function chargedToKey(keyId: string): Promise<bigint> {
  return afterSettlements(async () => {
    const { rows } = await (await testDb()).pool.query<{ cost: string }>(
      'SELECT COALESCE(SUM(cost_micros), 0)::text AS cost FROM usage_records WHERE key_id = $1',
      [keyId],
    );
    return BigInt(rows[0].cost);
  });
}

async function spentToday(proxyUrl: string, key: string): Promise<string> {
  const response = await fetch(`${proxyUrl}${KEY_INFO_PATH.openai}`, { headers: authHeaders('openai', key) });
  return ((await response.json()) as { data: { spentTodayUsd: string } }).data.spentTodayUsd;
}

describe('Per-key daily spending limit (dailyLimitUsd): settled charges plus open holds of the UTC day', () => {
  const models = {} as Record<Protocol, string>;
  // Per provider: 1 micro-dollar per input token, 100 per output token.
  let cheapModel: string;
  let proxies: AppProcess[] = [];

  beforeAll(async () => {
    for (const protocol of PROTOCOLS) {
      models[protocol] = (await createModel({ provider: PROVIDER[protocol], inputUsdPerMTok: '1.00', outputUsdPerMTok: '100.00' })).alias;
    }
    // As in billing-concurrency: the real cost of a CHEAP request equals its hold.
    cheapModel = (await createModel({ inputUsdPerMTok: '0.001', outputUsdPerMTok: '2.00' })).alias;
    proxies = await AppProcess.together([AppProcess.start('proxy', { DEFAULT_RPM: '100000' }), AppProcess.start('proxy', { DEFAULT_RPM: '100000' })]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    await closeTestDb();
  });

  /** The hold the proxy places for a request of `maxTokens` with `content` (the store refuses or accepts exactly it). */
  async function holdOf(protocol: Protocol, model: string, content: string, maxTokens: number): Promise<bigint> {
    const catalog = await catalogModelOf(`${PROVIDER[protocol]}/${model}`);
    const { body } = generationRequest(protocol, model, content, maxTokens);
    return boundQuote(holdPlan(ENDPOINT[protocol], body, catalog)).amountMicros;
  }

  describe.each(PROTOCOLS)('%s', (protocol) => {
    const LIMIT = 5_000n; // $0.005
    const ask = (key: string, content: string, maxTokens: number) =>
      sdkGenerate(protocol, { baseUrl: proxies[0].url, key, model: models[protocol], content, maxTokens });

    it("counts a settled request at its cost, not its hold, and refuses the hold that would cross the day's limit", async () => {
      const account = await createAccount({ balanceUsd: '10.00' });
      const { id: keyId, key } = await createApiKey(account.id, { dailyLimitUsd: '0.005' });
      const first = `first ${nonce()} mock:output_tokens=2`;
      const second = `second ${nonce()} mock:output_tokens=2`;
      const third = `third ${nonce()} mock:output_tokens=2`;
      const [firstHold, secondHold, thirdHold] = await Promise.all([
        holdOf(protocol, models[protocol], first, 30),
        holdOf(protocol, models[protocol], second, 30),
        holdOf(protocol, models[protocol], third, 48),
      ]);
      // Either of the first two fits alone, both held at once would not; the third fits alone.
      expect(firstHold + secondHold).toBeGreaterThan(LIMIT);
      expect(thirdHold).toBeLessThan(LIMIT);

      expect(await ask(key, first, 30)).toMatchObject({ ok: true, outputTokens: 2 });
      const afterFirst = await waitFor(async () => {
        const spent = await chargedToKey(keyId);
        return spent > 0n && (await spentToday(proxies[1].url, key)) === formatMicrosAsUsd(spent) ? spent : null;
      });
      expect(afterFirst).toBeLessThan(firstHold);
      // The first hold was moved to its cost: the second fits.
      expect(await ask(key, second, 30)).toMatchObject({ ok: true });
      const afterSecond = await waitFor(async () => {
        const spent = await chargedToKey(keyId);
        return spent > afterFirst && (await spentToday(proxies[0].url, key)) === formatMicrosAsUsd(spent) ? spent : null;
      });
      expect(afterSecond + thirdHold).toBeGreaterThan(LIMIT);

      const refused = await ask(key, third, 48);
      expect(refused).toMatchObject({ ok: false, status: 403 });
      expect((refused as { message: string }).message).toContain('Daily spending limit of $0.005 reached for this key');
      // Nothing reserved, nothing sent upstream, nothing charged.
      expect(await heldNow(account.id)).toBe(0n);
      expect(await mockRequestWith(sharedMockUrl(), third.split(' ')[1])).toBeUndefined();
      expect(await chargedToKey(keyId)).toBe(afterSecond);
      expect(await spentToday(proxies[1].url, key)).toBe(formatMicrosAsUsd(afterSecond));
    });

    it('answers in the protocol error format, with the limit in two decimals ($0.40); other keys are not limited', async () => {
      const account = await createAccount({ balanceUsd: '50.00' });
      const { key } = await createApiKey(account.id, { dailyLimitUsd: '10' });
      const { key: unlimited } = await createApiKey(account.id);
      const { path, body } = generationRequest(protocol, models[protocol], 'a long one', 4_096);
      const big = await holdOf(protocol, models[protocol], 'a long one', 4_096);
      // The model's max output (4,096) at 100 micro-dollars a token is $0.41: a limit below it refuses at once.
      const { key: tight } = await createApiKey(account.id, { dailyLimitUsd: '0.4' });
      expect(big).toBeGreaterThan(400_000n);
      const response = await fetch(`${proxies[1].url}${path}`, {
        method: 'POST',
        headers: { ...authHeaders(protocol, tight), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual(errorBody(protocol, 403, 'Daily spending limit of $0.40 reached for this key'));
      expect(await ask(key, 'fine mock:output_tokens=1', 20)).toMatchObject({ ok: true });
      expect(await ask(unlimited, 'fine mock:output_tokens=1', 4_096)).toMatchObject({ ok: true });
    });
  });

  it('N concurrent requests on two proxies against a limit for k of them: exactly k served, 403 for the rest', async () => {
    const N = 12;
    const k = 4;
    const content = `count to fifty please ${nonce()} mock:output_tokens=50`;
    const hold = await holdOf('openai', cheapModel, content, 50);
    const limit = BigInt(k) * hold + hold / 2n;
    const account = await createAccount({ balanceUsd: '10.00' });
    const { id: keyId, key } = await createApiKey(account.id, { dailyLimitUsd: formatMicrosAsUsd(limit) });
    const outcomes = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        sdkGenerate('openai', { baseUrl: proxies[i % 2].url, key, model: cheapModel, content, maxTokens: 50 }),
      ),
    );
    const served = outcomes.filter((outcome) => outcome.ok);
    expect(served).toHaveLength(k);
    for (const outcome of outcomes.filter((o) => !o.ok)) {
      expect(outcome).toMatchObject({ status: 403 });
      expect((outcome as { message: string }).message).toContain(
        `Daily spending limit of $${formatMicrosAsExactUsd(limit)} reached for this key`,
      );
    }
    await waitFor(() => nothingInFlight(account.id));
    // Each served request cost exactly its hold: what the key spent today is k holds, within the limit.
    expect(await chargedToKey(keyId)).toBe(BigInt(k) * hold);
    expect(await spentToday(proxies[0].url, key)).toBe(formatMicrosAsUsd(BigInt(k) * hold));
  });
});
