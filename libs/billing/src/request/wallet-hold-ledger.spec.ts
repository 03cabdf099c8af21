import { accountId, generationId, keyId } from '@gw/common';
import type { DeliveredSoFar } from '@gw/db';
import { HoldRequest, SettleRequest, WalletClosedError, WalletService, WalletUnavailableError } from '@gw/wallet';
import { usageRow } from '../../../../test/factories/usage-row.factory';
import { BillingClosedError, type BillingService } from '../billing.service';
import type { ExactTokenCounter } from '../estimate/exact-token-counter';
import { boundQuote, exactQuote, HoldPlan } from '../estimate/hold-plan';
import { HoldPlacer } from '../estimate/hold-placer';
import type { HoldSubject } from './hold-ledger.port';
import { WalletHoldLedger } from './wallet-hold-ledger';

const ACCOUNT = accountId('0b6c58a2-3d5e-4f7a-9c1b-2e4d6f8a0b1c');
const GENERATION = generationId('gen-01JWALLETLEDGER00000000000');
const PRICE = { inputMicrosPerMTok: 1_000_000n, outputMicrosPerMTok: 2_000_000n, cachedInputMicrosPerMTok: null, cacheWriteMicrosPerMTok: null };
// 1,000 bytes of text (the byte bound: 1,000 tokens), 200 exact tokens; 10 tokens of allowances; 100 output tokens.
const plan = (overrides: Partial<HoldPlan> = {}): HoldPlan => ({
  price: PRICE,
  input: { pieces: ['word '.repeat(200)], allowanceTokens: 10 },
  outputTokens: 100,
  encoding: 'o200k_base',
  ...overrides,
});
const BOUND = boundQuote(plan()).amountMicros; // 1,210
const EXACT = exactQuote(plan(), 200).amountMicros; // 410
const RECEIVED_AT = new Date('2026-01-02T03:04:05Z');
const SUBJECT: HoldSubject = {
  generationId: GENERATION,
  keyId: keyId('5d7e9f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a'),
  modelId: 'openai/gpt-test',
  requestedModel: 'gpt-test',
  protocol: 'openai',
  endpoint: 'chat.completions',
  stream: true,
  requestId: 'req_1',
  receivedAt: RECEIVED_AT,
  dailyLimitMicros: null,
};
const HEARTBEAT_MS = 1_000;

/** A wallet with `balance` spendable (holds up to it accepted), recording every call; a counter answering 200. */
function setUp(balance: bigint, hold?: (request: HoldRequest) => Promise<Awaited<ReturnType<WalletService['hold']>>>) {
  const held: HoldRequest[] = [];
  const settled: SettleRequest[] = [];
  const reported: [string, bigint, unknown][] = [];
  const wallet = {
    heartbeatEveryMs: HEARTBEAT_MS,
    hold: jest.fn(
      hold ??
        (async (request: HoldRequest) => {
          held.push(request);
          return request.amountMicros <= balance
            ? { status: 'held' as const, spendableMicros: balance - request.amountMicros, expiresAt: new Date() }
            : { status: 'refused' as const, spendableMicros: balance, dailyLeftMicros: null };
        }),
    ),
    settle: jest.fn(async (request: SettleRequest) => {
      settled.push(request);
      return { status: 'settled' as const, chargedMicros: request.costMicros, heldMicros: BOUND, spendableMicros: 0n };
    }),
    reportDelivered: jest.fn((generation: string, cost: bigint, usage: unknown) => void reported.push([generation, cost, usage])),
    drain: jest.fn(async () => 2),
  };
  const billing = { recordUnbilled: jest.fn(), drain: jest.fn(async () => 1) };
  const counter = { count: jest.fn(async () => 200) } as unknown as ExactTokenCounter;
  const sut = new WalletHoldLedger(
    wallet as unknown as WalletService,
    new HoldPlacer(counter),
    billing as unknown as BillingService,
  );
  return { sut, wallet, billing, held, settled, reported };
}

describe(WalletHoldLedger.name, () => {
  afterEach(() => jest.useRealTimers());

  it('holds the byte bound in the wallet, with what the sweep would record of the request', async () => {
    const { sut, held } = setUp(10_000n);
    expect(await sut.place(ACCOUNT, SUBJECT, plan(), null)).toEqual({
      accepted: true,
      quote: expect.objectContaining({ amountMicros: BOUND, exact: false }),
      balanceMicros: 10_000n - BOUND,
      refusal: null,
    });
    expect(held).toEqual([
      {
        accountId: ACCOUNT,
        generationId: GENERATION,
        amountMicros: BOUND,
        dailyLimitMicros: null,
        context: {
          keyId: SUBJECT.keyId,
          model: 'openai/gpt-test',
          requestedModel: 'gpt-test',
          protocol: 'openai',
          endpoint: 'chat.completions',
          stream: true,
          requestId: 'req_1',
          createdAt: RECEIVED_AT,
        },
      },
    ]);
  });

  it('counts exactly only when the bound is refused, and holds the exact amount on the same generation', async () => {
    const { sut, held } = setUp(500n);
    expect(await sut.place(ACCOUNT, SUBJECT, plan(), null)).toMatchObject({
      accepted: true,
      quote: { amountMicros: EXACT, exact: true },
      balanceMicros: 500n - EXACT,
    });
    expect(held.map((h) => [h.generationId, h.amountMicros])).toEqual([
      [GENERATION, BOUND],
      [GENERATION, EXACT],
    ]);
  });

  it('refuses with the spendable balance the wallet reported (the 402 message)', async () => {
    const { sut } = setUp(300n);
    expect(await sut.place(ACCOUNT, SUBJECT, plan(), null)).toMatchObject({ accepted: false, balanceMicros: 300n, quote: { amountMicros: EXACT } });
  });

  it("passes the key's daily limit to the wallet's hold and reports its refusal as the daily limit's (the 403)", async () => {
    const { sut, held } = setUp(0n, async () => ({ status: 'daily_limit', spendableMicros: 9_000n, dailyLeftMicros: 0n }));
    const subject = { ...SUBJECT, dailyLimitMicros: 1_000n };
    expect(await sut.place(ACCOUNT, subject, plan(), null)).toMatchObject({ accepted: false, refusal: 'daily_limit' });
    expect((sut as unknown as { wallet: { hold: jest.Mock } }).wallet.hold).toHaveBeenCalledWith(
      expect.objectContaining({ dailyLimitMicros: 1_000n }),
    );
    expect(held).toEqual([]);
  });

  it('takes a retried hold the wallet already had as placed', async () => {
    const { sut } = setUp(0n, async () => ({ status: 'already_held', spendableMicros: 7n, expiresAt: new Date() }));
    expect(await sut.place(ACCOUNT, SUBJECT, plan(), null)).toMatchObject({ accepted: true, balanceMicros: 7n });
  });

  it("reports the wallet's shutdown as billing's, and lets unavailability and a reused generation fail the hold", async () => {
    await expect(setUp(0n, async () => Promise.reject(new WalletClosedError())).sut.place(ACCOUNT, SUBJECT, plan(), null)).rejects.toBeInstanceOf(
      BillingClosedError,
    );
    const unavailable = new WalletUnavailableError('deadline');
    await expect(setUp(0n, async () => Promise.reject(unavailable)).sut.place(ACCOUNT, SUBJECT, plan(), null)).rejects.toBe(unavailable);
    await expect(setUp(0n, async () => ({ status: 'closed' })).sut.place(ACCOUNT, SUBJECT, plan(), null)).rejects.toThrow(
      /settled already/,
    );
  });

  it('holds nothing in the wallet for a free model', async () => {
    const { sut, wallet } = setUp(0n);
    const free = plan({ price: { ...PRICE, inputMicrosPerMTok: 0n, outputMicrosPerMTok: 0n } });
    expect(await sut.place(ACCOUNT, SUBJECT, free, async () => null)).toMatchObject({ accepted: true, quote: { amountMicros: 0n } });
    expect(wallet.hold).not.toHaveBeenCalled();
  });

  it("hands what a running request delivered to the wallet's heartbeats, until its hold is closed", async () => {
    jest.useFakeTimers();
    const { sut, reported } = setUp(10_000n);
    let delivered: DeliveredSoFar | null = null;
    await sut.place(ACCOUNT, SUBJECT, plan(), async () => delivered);
    await jest.advanceTimersByTimeAsync(HEARTBEAT_MS * 2);
    expect(reported).toEqual([]); // nothing known yet: nothing reported
    delivered = { inputTokens: 5, outputTokens: 7, cachedInputTokens: 1, cacheWriteTokens: 0, costMicros: 19n };
    await jest.advanceTimersByTimeAsync(HEARTBEAT_MS);
    expect(reported).toEqual([[GENERATION, 19n, { inputTokens: 5, outputTokens: 7, cachedInputTokens: 1, cacheWriteTokens: 0 }]]);
    sut.close(ACCOUNT, { generationId: GENERATION, costMicros: 30n, closedBy: 'settlement', usage: usageRow(ACCOUNT, 'key', GENERATION) });
    await jest.advanceTimersByTimeAsync(HEARTBEAT_MS * 3);
    expect(reported).toHaveLength(1);
  });

  it('settles the cost with the usage record (0: a release), and never throws when the wallet refuses', async () => {
    const { sut, wallet, settled } = setUp(10_000n);
    const usage = usageRow(ACCOUNT, 'key', GENERATION, { costMicros: 30n });
    sut.close(ACCOUNT, { generationId: GENERATION, costMicros: 30n, closedBy: 'settlement', usage });
    sut.close(ACCOUNT, { generationId: GENERATION, costMicros: 0n, closedBy: 'release', usage });
    expect(settled).toEqual([
      { accountId: ACCOUNT, generationId: GENERATION, costMicros: 30n, usage },
      { accountId: ACCOUNT, generationId: GENERATION, costMicros: 0n, usage },
    ]);
    wallet.settle.mockRejectedValueOnce(new Error('CONFLICT'));
    expect(() => sut.close(ACCOUNT, { generationId: GENERATION, costMicros: 1n, closedBy: 'settlement', usage })).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve)); // the rejection is handled (jest fails on an unhandled one)
  });

  it('writes the record of a request that held nothing through the batched PostgreSQL insert, not the wallet', () => {
    const { sut, wallet, billing } = setUp(10_000n);
    const row = usageRow(ACCOUNT, 'key', GENERATION, { status: 404, outcome: 'rejected' });
    sut.recordUnbilled(row);
    expect(billing.recordUnbilled).toHaveBeenCalledWith(row);
    expect(wallet.settle).not.toHaveBeenCalled();
  });

  it("drains both: the wallet's holds and settlements, and the unbilled records' writes", async () => {
    const { sut, wallet, billing } = setUp(10_000n);
    expect(await sut.drain(500)).toBe(3);
    expect(wallet.drain).toHaveBeenCalledWith(500);
    expect(billing.drain).toHaveBeenCalledWith(500);
  });
});
