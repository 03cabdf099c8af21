import { GatewayError, GatewayShutdownError } from '@gw/common';
import { caller, fakeHoldLedger, fakeTokenLimit, modelRecord, resolved, wordCounter } from '../../../../test/factories/proxy-stage.factory';
import type { RelayResult } from '../relay/relay-result';
import { ClientGoneError } from '../relay/upstream-errors';
import type { Held } from '../context/request-context';
import type { UsageRecordRow } from '@gw/db';
import type { RecentGenerations } from '../generation/recent-generations';
import { ReserveStage } from './reserve.stage';
import { SettleStage } from './settle.stage';

const BODY = { model: 'gpt-test', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 100 };
/** A micro-dollar per token, input and output, so that charges read as token counts. */
const MICRO_PER_TOKEN = modelRecord({ inputMicrosPerMTok: 1_000_000n, outputMicrosPerMTok: 1_000_000n });
const completed = (usage: Partial<RelayResult['usage']>, extra: Partial<RelayResult> = {}): RelayResult => ({
  status: 200,
  outcome: 'completed',
  usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, ...usage },
  usageEstimated: false,
  inputReported: true,
  errorType: null,
  ...extra,
});

/** RecentGenerations without Redis: the rows it was asked to keep. */
function memory(): { recent: RecentGenerations; kept: UsageRecordRow[] } {
  const kept: UsageRecordRow[] = [];
  return { recent: { remember: (row: UsageRecordRow) => kept.push(row) } as unknown as RecentGenerations, kept };
}

async function held(model = MICRO_PER_TOKEN): Promise<{ request: Held; store: ReturnType<typeof fakeHoldLedger> }> {
  const store = fakeHoldLedger();
  const request = await new ReserveStage(store.ledger, wordCounter, fakeTokenLimit().limit).reserve(resolved(BODY, model));
  return { request, store };
}

describe(SettleStage.name, () => {
  it('charges the usage the provider reported, with the usage record', async () => {
    const { request, store } = await held();
    await new SettleStage(store.ledger, wordCounter, fakeTokenLimit().limit, memory().recent).settle(request, completed({ inputTokens: 10, outputTokens: 5 }));
    expect(store.closed).toEqual([
      {
        accountId: request.accountId,
        request: expect.objectContaining({
          generationId: request.context.generationId,
          costMicros: 15n,
          closedBy: 'settlement',
          usage: expect.objectContaining({ outcome: 'completed', inputTokens: 10, outputTokens: 5, reservedMicros: request.hold.amountMicros }),
        }),
      },
    ]);
    expect(request.context.outcome).toBe('completed');
  });

  it('keeps the record for the generation lookup before closing, with the cost at the upstream prices too', async () => {
    const store = fakeHoldLedger();
    // Charged a micro-dollar per token; upstream half that (a markup of 2).
    const half = { inputMicrosPerMTok: 500_000n, outputMicrosPerMTok: 500_000n, cachedInputMicrosPerMTok: 50_000n, cacheWriteMicrosPerMTok: 625_000n };
    const model = { ...MICRO_PER_TOKEN, upstream: half };
    const request = await new ReserveStage(store.ledger, wordCounter, fakeTokenLimit().limit).reserve(resolved(BODY, model));
    const { recent, kept } = memory();
    await new SettleStage(store.ledger, wordCounter, fakeTokenLimit().limit, recent).settle(request, completed({ inputTokens: 10, outputTokens: 5 }));
    expect(kept).toEqual([expect.objectContaining({ generationId: request.context.generationId, costMicros: 15n, upstreamCostMicros: 8n })]);
    expect(store.closed[0].request.usage).toMatchObject({ costMicros: 15n, upstreamCostMicros: 8n, provider: model.provider });
  });

  it('leaves the record to a store that keeps it with the settlement (the wallet), still closing with it', async () => {
    const store = fakeHoldLedger();
    const request = await new ReserveStage(store.ledger, wordCounter, fakeTokenLimit().limit).reserve(resolved(BODY, MICRO_PER_TOKEN));
    const { recent, kept } = memory();
    const walletLike = { ...store.ledger, keepsRecentRecords: true };
    await new SettleStage(walletLike, wordCounter, fakeTokenLimit().limit, recent).settle(request, completed({ inputTokens: 10, outputTokens: 5 }));
    expect(kept).toEqual([]);
    expect(store.closed[0].request.usage).toMatchObject({ generationId: request.context.generationId, costMicros: 15n });
  });

  it('counts what the provider did not report: the input from the request, the output from the answer', async () => {
    const { request, store } = await held();
    const result = completed({}, { inputReported: false, usageEstimated: true, outputText: 'one two three' });
    await new SettleStage(store.ledger, wordCounter, fakeTokenLimit().limit, memory().recent).settle(request, result);
    const usage = store.closed[0].request.usage!;
    expect(usage.outputTokens).toBe(3);
    expect(usage.inputTokens).toBeGreaterThanOrEqual(2);
    expect(usage.usageEstimated).toBe(true);
  });

  it('releases a hold with nothing to charge', async () => {
    const { request, store } = await held();
    await new SettleStage(store.ledger, wordCounter, fakeTokenLimit().limit, memory().recent).settle(request, completed({}));
    expect(store.closed[0].request).toMatchObject({ costMicros: 0n, closedBy: 'release' });
  });

  it('writes a free model request (nothing held) as unbilled, never through the ledger', async () => {
    const { request, store } = await held(modelRecord({ inputMicrosPerMTok: 0n, outputMicrosPerMTok: 0n, cachedInputMicrosPerMTok: 0n }));
    expect(request.hold.amountMicros).toBe(0n);
    await new SettleStage(store.ledger, wordCounter, fakeTokenLimit().limit, memory().recent).settle(request, completed({ inputTokens: 10, outputTokens: 5 }));
    expect(store.closed).toHaveLength(0);
    expect(store.unbilled).toEqual([expect.objectContaining({ costMicros: 0n, overrunMicros: 0n, outcome: 'completed' })]);
  });

  it.each([
    ['the client left', new ClientGoneError(), 499, 'client_aborted'],
    ['the gateway shut down', new GatewayShutdownError(), 503, 'gateway_shutdown'],
    ['the provider failed', GatewayError.upstream('bad gateway'), 502, 'upstream_error'],
    ['the provider refused', GatewayError.invalidRequest('no'), 400, 'rejected'],
  ])('releases it all when %s', async (_case, error, status, outcome) => {
    const { request, store } = await held();
    new SettleStage(store.ledger, wordCounter, fakeTokenLimit().limit, memory().recent).settleFailure(request, error);
    expect(store.closed[0].request).toMatchObject({ costMicros: 0n, closedBy: 'release', usage: { status, outcome } });
  });

  describe('recordUnbilled', () => {
    it('writes the record of a request that held nothing, by how its response ended', () => {
      const { ledger, unbilled } = fakeHoldLedger();
      const { recent, kept } = memory();
      const sut = new SettleStage(ledger, wordCounter, fakeTokenLimit().limit, recent);
      sut.recordUnbilled(caller(), 200);
      const refused = caller();
      refused.context.requestedModel = 'nope';
      sut.recordUnbilled(refused, 404);
      expect(unbilled).toEqual([
        expect.objectContaining({ status: 200, outcome: 'completed', reservedMicros: 0n }),
        expect.objectContaining({ status: 404, outcome: 'rejected', model: 'nope', requestedModel: 'nope' }),
      ]);
      expect(kept).toEqual(unbilled);
    });

    it('writes none for capacity refusals, nor for requests the billing stages own', () => {
      const { ledger, unbilled } = fakeHoldLedger();
      const sut = new SettleStage(ledger, wordCounter, fakeTokenLimit().limit, memory().recent);
      sut.recordUnbilled(caller(), 429);
      const shed = caller();
      shed.context.shedBy = 'in_flight';
      sut.recordUnbilled(shed, 503);
      const billed = caller();
      billed.context.billed = true;
      sut.recordUnbilled(billed, 200);
      expect(unbilled).toHaveLength(0);
    });
  });

  describe('tokens per minute', () => {
    async function heldWithTokens() {
      const store = fakeHoldLedger();
      const request = await new ReserveStage(store.ledger, wordCounter, fakeTokenLimit().limit).reserve(
        resolved(BODY, MICRO_PER_TOKEN, { tpmLimit: 10_000 }),
      );
      return { request, store };
    }

    it('replaces the estimate with the input and output tokens really used', async () => {
      const { request, store } = await heldWithTokens();
      const tokens = fakeTokenLimit();
      await new SettleStage(store.ledger, wordCounter, tokens.limit, memory().recent).settle(request, completed({ inputTokens: 10, outputTokens: 5 }));
      expect(tokens.settled).toEqual([{ generationId: request.context.generationId, estimate: request.tokens!.estimate, tokens: 15 }]);
    });

    it('hands the estimate back with no tokens when the request failed before any answer', async () => {
      const { request, store } = await heldWithTokens();
      const tokens = fakeTokenLimit();
      new SettleStage(store.ledger, wordCounter, tokens.limit, memory().recent).settleFailure(request, new ClientGoneError());
      expect(tokens.settled).toEqual([{ generationId: request.context.generationId, estimate: request.tokens!.estimate, tokens: 0 }]);
    });

    it('records nothing for a key without a limit', async () => {
      const { request, store } = await held();
      const tokens = fakeTokenLimit();
      await new SettleStage(store.ledger, wordCounter, tokens.limit, memory().recent).settle(request, completed({ inputTokens: 10, outputTokens: 5 }));
      expect(tokens.settled).toEqual([]);
    });
  });
});
