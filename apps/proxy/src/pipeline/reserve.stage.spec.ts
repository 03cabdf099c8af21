import { BillingClosedError, boundQuote, holdPlan } from '@gw/billing';
import { translateForProvider } from '../translate/translation';
import { fakeHoldLedger, fakeTokenLimit, modelRecord, resolved, wordCounter } from '../../../../test/factories/proxy-stage.factory';
import { ReserveStage } from './reserve.stage';

const BODY = { model: 'gpt-test', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 100 };

describe(ReserveStage.name, () => {
  it('holds the bound on the payer account, typed ids, and asks the provider for no more output than it covers', async () => {
    const { ledger } = fakeHoldLedger();
    const request = resolved({ model: 'gpt-test', messages: BODY.messages });
    const held = await new ReserveStage(ledger, wordCounter, fakeTokenLimit().limit).reserve(request);
    expect(ledger.place).toHaveBeenCalledWith(
      request.accountId,
      {
        generationId: request.context.generationId,
        keyId: request.keyId,
        modelId: 'openai/gpt-test',
        // What the usage record of a hold swept after a crash says of the request.
        requestedModel: 'gpt-test',
        protocol: 'openai',
        endpoint: 'chat.completions',
        stream: false,
        requestId: request.context.requestId,
        receivedAt: request.context.receivedAt,
        // The key's daily limit goes with the hold: the store checks both in one atomic step.
        dailyLimitMicros: null,
      },
      expect.objectContaining({ outputTokens: 1_000 }),
      expect.any(Function),
    );
    expect(held.hold.amountMicros).toBeGreaterThan(0n);
    expect(held.hold.amountMicros).toBe(boundQuote((ledger.place as jest.Mock).mock.calls[0][2]).amountMicros);
    // No limit sent: the model's max output is made explicit, so the hold stays an upper bound.
    expect(held.body).toMatchObject({ max_completion_tokens: 1_000 });
    expect(request.body).not.toHaveProperty('max_completion_tokens');
    expect(request.context.billed).toBe(true);
  });

  it("plans a translated request's hold on its provider body and endpoint, with the provider's output limit", async () => {
    const { ledger } = fakeHoldLedger();
    const claude = modelRecord({ id: 'anthropic/claude', provider: 'anthropic', upstreamModel: 'claude-x', maxOutputTokens: 2_000 });
    const clientBody = { model: 'claude', messages: BODY.messages, max_completion_tokens: 50_000 };
    const { body, translation } = translateForProvider('openai-chat', 'anthropic', clientBody, claude, false, {});
    const request = { ...resolved(clientBody, claude), body, translation };
    const held = await new ReserveStage(ledger, wordCounter, fakeTokenLimit().limit).reserve(request);
    const plan = (ledger.place as jest.Mock).mock.calls[0][2];
    expect(plan).toEqual(holdPlan('messages', { ...body, max_tokens: 2_000 }, claude));
    expect(plan.outputTokens).toBe(2_000);
    // Anthropic's max_tokens, capped to the model's max: what goes upstream is what the hold covers.
    expect(held.body).toMatchObject({ model: 'claude-x', max_tokens: 2_000 });
    expect(held.body).not.toHaveProperty('max_completion_tokens');
  });

  it('refuses with 402 and the balance in dollars when the hold does not fit, holding nothing', async () => {
    const { ledger, closed } = fakeHoldLedger(async (_a, _s, plan) => ({
      accepted: false,
      quote: boundQuote(plan),
      balanceMicros: 1_234n,
      refusal: 'balance',
    }));
    const request = resolved(BODY);
    await expect(new ReserveStage(ledger, wordCounter, fakeTokenLimit().limit).reserve(request)).rejects.toMatchObject({
      status: 402,
      message: expect.stringMatching(/^Insufficient balance\. Current: \$0\.01, Required: \$\d+\.\d{2}$/),
    });
    expect(closed).toHaveLength(0);
    expect(request.context.billed).toBeUndefined();
  });

  it("refuses with 403 and the key's daily limit, exactly as set, when the store says the hold would cross it", async () => {
    for (const [limit, shown] of [
      [10_000_000n, '$10.00'],
      [5_000n, '$0.005'],
      [0n, '$0.00'],
    ] as const) {
      const { ledger, closed } = fakeHoldLedger(async (_a, subject, plan) => {
        expect(subject.dailyLimitMicros).toBe(limit);
        return { accepted: false, quote: boundQuote(plan), balanceMicros: 1_000_000n, refusal: 'daily_limit' };
      });
      const base = resolved(BODY);
      const request = { ...base, key: { ...base.key, dailyLimitMicros: limit } };
      await expect(new ReserveStage(ledger, wordCounter, fakeTokenLimit().limit).reserve(request)).rejects.toMatchObject({
        status: 403,
        type: 'permission_error',
        message: `Daily spending limit of ${shown} reached for this key`,
      });
      expect(closed).toHaveLength(0);
      expect(request.context.billed).toBeUndefined();
    }
  });

  it('answers 503 while shutting down, without touching the store again', async () => {
    const { ledger, closed } = fakeHoldLedger(async () => Promise.reject(new BillingClosedError()));
    await expect(new ReserveStage(ledger, wordCounter, fakeTokenLimit().limit).reserve(resolved(BODY))).rejects.toMatchObject({
      status: 503,
      message: 'The gateway is shutting down; retry',
    });
    expect(closed).toHaveLength(0);
  });

  it('answers 503 when the store did not decide, releasing the hold it may have placed (with the usage record)', async () => {
    const { ledger, closed } = fakeHoldLedger(async () => Promise.reject(new Error('deadline exceeded')));
    const request = resolved(BODY);
    await expect(new ReserveStage(ledger, wordCounter, fakeTokenLimit().limit).reserve(request)).rejects.toMatchObject({
      status: 503,
      message: 'Billing is temporarily unavailable',
    });
    expect(closed).toEqual([
      {
        accountId: request.accountId,
        request: expect.objectContaining({
          generationId: request.context.generationId,
          costMicros: 0n,
          closedBy: 'release',
          usage: expect.objectContaining({ status: 503, outcome: 'rejected', errorType: 'service_unavailable', reservedMicros: 0n }),
        }),
      },
    ]);
    expect(request.context.billed).toBe(true);
  });

  it("gives the heartbeat what a stream has delivered, priced, its input counted when the provider did not report it", async () => {
    const { ledger } = fakeHoldLedger();
    const request = resolved(BODY, modelRecord({ inputMicrosPerMTok: 1_000_000n, outputMicrosPerMTok: 1_000_000n }));
    await new ReserveStage(ledger, wordCounter, fakeTokenLimit().limit).reserve(request);
    const probe = (ledger.place as jest.Mock).mock.calls[0][3];
    await expect(probe()).resolves.toBeNull();
    request.context.delivered = () => ({
      usage: { inputTokens: 0, outputTokens: 3, cachedInputTokens: 0, cacheWriteTokens: 0 },
      inputReported: false,
    });
    // "hello there" is 2 words for the fake counter, plus the chat allowance the estimate adds.
    const beat = await probe();
    expect(beat.outputTokens).toBe(3);
    expect(beat.inputTokens).toBeGreaterThanOrEqual(2);
    expect(beat.costMicros).toBe(BigInt(beat.inputTokens + 3));
  });

  describe('tokens per minute', () => {
    const TPM_KEY = { tpmLimit: 50_000 };

    it("takes the request's estimate (input bound plus output limit) before the hold, and reports what is left", async () => {
      const { ledger } = fakeHoldLedger();
      const tokens = fakeTokenLimit();
      const request = resolved(BODY, modelRecord(), TPM_KEY);
      const held = await new ReserveStage(ledger, wordCounter, tokens.limit).reserve(request);
      const plan = (ledger.place as jest.Mock).mock.calls[0][2];
      const estimate = boundQuote(plan).inputTokens + 100;
      expect(tokens.taken).toEqual([{ keyId: request.keyId, estimate }]);
      expect(held.tokens).toEqual({ estimate });
      expect(held.rateLimit.tokens).toEqual({ limit: 50_000, remaining: 50_000 - estimate });
    });

    it("offers the input counted exactly with the model's tokenizer, and the least any count could make it", async () => {
      const tokens = fakeTokenLimit();
      const request = resolved(BODY, modelRecord({ upstreamModel: 'gpt-4.1-mini' }), TPM_KEY);
      await new ReserveStage(fakeHoldLedger().ledger, wordCounter, tokens.limit).reserve(request);
      const plan = holdPlan('chat.completions', { ...BODY, max_tokens: 100 }, request.model);
      const [estimate] = tokens.estimates;
      // The words of the texts the provider reads (the word counter's tokens), the plan's allowances, the output limit.
      const words = plan.input.pieces.join(' ').split(/\s+/).filter(Boolean).length;
      expect(words).toBeGreaterThanOrEqual(2);
      const exact = words + plan.input.allowanceTokens + 100;
      expect(await estimate.exact()).toBe(exact);
      expect(estimate.floor).toBe(plan.input.allowanceTokens + 100);
      expect(estimate.bound).toBeGreaterThan(exact);
    });

    it('has no exact count for a model without a tokenizer the gateway knows', async () => {
      const tokens = fakeTokenLimit();
      const claude = modelRecord({ id: 'anthropic/claude', provider: 'anthropic', upstreamModel: 'claude-x' });
      await new ReserveStage(fakeHoldLedger().ledger, wordCounter, tokens.limit).reserve(resolved({ ...BODY, model: 'claude' }, claude, TPM_KEY));
      expect(await tokens.estimates[0].exact()).toBeNull();
    });

    it('takes nothing for a key without a limit', async () => {
      const tokens = fakeTokenLimit();
      const held = await new ReserveStage(fakeHoldLedger().ledger, wordCounter, tokens.limit).reserve(resolved(BODY));
      expect(tokens.taken).toEqual([]);
      expect(held.tokens).toBeUndefined();
      expect(held.rateLimit.tokens).toBeUndefined();
    });

    it('holds nothing when the tokens are refused', async () => {
      const { ledger } = fakeHoldLedger();
      const refusal = new Error('429');
      await expect(new ReserveStage(ledger, wordCounter, fakeTokenLimit(refusal).limit).reserve(resolved(BODY, modelRecord(), TPM_KEY))).rejects.toBe(
        refusal,
      );
      expect(ledger.place).not.toHaveBeenCalled();
    });

    it('hands the estimate back when the hold is refused (402) or the store fails (503)', async () => {
      const refusedHold = fakeHoldLedger(async (_a, _s, plan) => ({ accepted: false, quote: boundQuote(plan), balanceMicros: 0n, refusal: 'balance' as const }));
      const failedStore = fakeHoldLedger(async () => Promise.reject(new Error('deadline exceeded')));
      for (const [store, status] of [[refusedHold, 402], [failedStore, 503]] as const) {
        const tokens = fakeTokenLimit();
        const request = resolved(BODY, modelRecord(), TPM_KEY);
        await expect(new ReserveStage(store.ledger, wordCounter, tokens.limit).reserve(request)).rejects.toMatchObject({ status });
        expect(tokens.settled).toEqual([{ generationId: request.context.generationId, estimate: tokens.taken[0].estimate, tokens: 0 }]);
      }
    });

    describe('taken at admission', () => {
      const admittedWith = () => ({ ...resolved(BODY, modelRecord(), TPM_KEY), tokens: { estimate: 321 } });

      it('takes nothing more, and hands them on to the settlement', async () => {
        const tokens = fakeTokenLimit();
        const request = admittedWith();
        const held = await new ReserveStage(fakeHoldLedger().ledger, wordCounter, tokens.limit).reserve(request);
        expect(tokens.limit.take).not.toHaveBeenCalled();
        expect(held.tokens).toBe(request.tokens);
        expect(held.rateLimit).toBe(request.rateLimit);
      });

      it('leaves them to the admission when the hold is refused (402), and hands them back itself when billed (503)', async () => {
        const refusedHold = fakeHoldLedger(async (_a, _s, plan) => ({ accepted: false, quote: boundQuote(plan), balanceMicros: 0n, refusal: 'balance' as const }));
        const failedStore = fakeHoldLedger(async () => Promise.reject(new Error('deadline exceeded')));
        for (const [store, status, handedBack] of [[refusedHold, 402, 0], [failedStore, 503, 1]] as const) {
          const tokens = fakeTokenLimit();
          const request = admittedWith();
          await expect(new ReserveStage(store.ledger, wordCounter, tokens.limit).reserve(request)).rejects.toMatchObject({ status });
          // Refused unbilled: the admission hands them back when the response closes (AdmitStage); billed: from here.
          expect(request.context.billed === true).toBe(handedBack === 1);
          expect(tokens.settled).toHaveLength(handedBack);
        }
      });
    });
  });
});
