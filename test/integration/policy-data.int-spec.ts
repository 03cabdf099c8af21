import { randomUUID } from 'node:crypto';
import { newGenerationId } from '../../libs/common/src';
import { BalanceAlertService, SpendableBalance, SpendableBalanceReader } from '../../libs/billing/src';
import { loadConfig } from '../../libs/config/src';
import {
  AlertDeliveriesRepository,
  BalanceAlertsRepository,
  BillingLedgerRepository,
  ChannelCredentials,
  LedgerRepository,
  PrismaService,
  UsageRepository,
  usageRowToJson,
} from '../../libs/db/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { usageRow } from '../factories/usage-row.factory';
import { closeTestDb, testDb } from '../support/test-db';
import { testEnv } from '../support/test-env';

const MODEL_ID = 'openai/gpt-4.1-mini';

describe('policy data on PostgreSQL: usage records, balance alerts and their deliveries', () => {
  let prisma: PrismaService;
  let alerts: BalanceAlertsRepository;
  let deliveries: AlertDeliveriesRepository;
  let ledger: LedgerRepository;

  beforeAll(() => {
    prisma = new PrismaService(loadConfig(testEnv({ DB_POOL_MAX: '8' })));
    alerts = new BalanceAlertsRepository(prisma);
    deliveries = new AlertDeliveriesRepository(prisma);
    ledger = new LedgerRepository(prisma);
  });

  afterAll(async () => {
    await prisma.onModuleDestroy();
    await closeTestDb();
  });

  describe('usage records', () => {
    it('keep provider, reasoning tokens, upstream cost and finish reason written through gw_settle', async () => {
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const billing = new BillingLedgerRepository(prisma);
      const generationId = newGenerationId();
      await billing.reserve(account.id, [{ generationId, keyId, modelId: MODEL_ID, amountMicros: 1_000n }], 'int');
      const usage = usageRow(account.id, keyId, generationId, {
        provider: 'openai',
        outputTokens: 20,
        reasoningTokens: 12,
        costMicros: 105n,
        upstreamCostMicros: 100n,
        finishReason: 'length',
      });
      await billing.close(account.id, [{ generationId, costMicros: 105n, closedBy: 'settlement', usage }]);
      const record = await new UsageRepository(prisma).findByGenerationId(generationId);
      expect(record).toMatchObject({ provider: 'openai', reasoningTokens: 12, upstreamCostMicros: 100n, finishReason: 'length', costMicros: 105n });
    });

    it('still take a settlement in the old JSON shape (a settle job queued by the previous version): the new columns are null', async () => {
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const billing = new BillingLedgerRepository(prisma);
      const generationId = newGenerationId();
      await billing.reserve(account.id, [{ generationId, keyId, modelId: MODEL_ID, amountMicros: 1_000n }], 'int');
      const {
        provider: _provider,
        reasoning_tokens: _reasoning,
        upstream_cost_micros: _upstream,
        finish_reason: _finish,
        ...oldShape
      } = usageRowToJson(usageRow(account.id, keyId, generationId, { costMicros: 50n }));
      const [result] = await billing.settle(account.id, [
        { generation_id: generationId, cost_micros: '50', closed_by: 'settlement', usage: oldShape },
      ]);
      expect(result.outcome).toBe('settled');
      expect(await new UsageRepository(prisma).findByGenerationId(generationId)).toMatchObject({
        costMicros: 50n,
        provider: null,
        reasoningTokens: null,
        upstreamCostMicros: null,
        finishReason: null,
      });
    });

    it("are found by an account's own lookup only", async () => {
      const [owner, stranger] = [await createAccount(), await createAccount()];
      const { id: keyId } = await createApiKey(owner.id);
      const generationId = newGenerationId();
      await new BillingLedgerRepository(prisma).insertUsageRecords([usageRow(owner.id, keyId, generationId, { status: 402, outcome: 'rejected' })]);
      const usage = new UsageRepository(prisma);
      expect(await usage.findOfAccount({ accountId: owner.id }, generationId)).toMatchObject({ generationId, status: 402 });
      expect(await usage.findOfAccount({ accountId: stranger.id }, generationId)).toBeNull();
    });
  });

  describe('balance alerts', () => {
    async function alerted(thresholdsMicros: bigint[], balanceUsd = '5.00') {
      const account = await createAccount({ balanceUsd });
      const db = await testDb();
      await db.$transaction((tx) => alerts.saveSettings({ accountId: account.id, thresholdsMicros, webhookUrl: 'https://hooks.example.com/x', sealedSecret: 's' }, tx));
      return account.id;
    }
    const fire = async (accountId: string, thresholdMicros: bigint) =>
      alerts.fire({ accountId, thresholdMicros, balanceMicros: 1n }, { id: randomUUID(), payload: '{}' }, { ledgerPosition: await alerts.ledgerPosition(), creditSeq: null });

    it('fire once however many workers try at the same time', async () => {
      const accountId = await alerted([10_000_000n]);
      const fired = await Promise.all(Array.from({ length: 8 }, () => fire(accountId, 10_000_000n)));
      expect(fired.filter((id) => id !== null)).toHaveLength(1);
      expect(await prisma.balanceAlertDelivery.count({ where: { accountId } })).toBe(1);
      expect(await alerts.findThresholdStates(accountId)).toEqual([
        expect.objectContaining({ thresholdMicros: 10_000_000n, armed: false, firedAt: expect.any(Date) }),
      ]);
    });

    it('are re-armed by a credit written after they fired, not by a debit', async () => {
      const accountId = await alerted([10_000_000n, 1_000_000n]);
      await fire(accountId, 10_000_000n);
      expect(await alerts.rearmAfterCredit(accountId, [10_000_000n])).toEqual([]);
      await ledger.post(accountId, 'adjustment', -1_000n, 'a debit', null);
      expect(await alerts.rearmAfterCredit(accountId, [10_000_000n])).toEqual([]);
      await ledger.post(accountId, 'top_up', 20_000_000n, 'a top-up', null);
      // Only fired thresholds are re-armed; the armed one is left as it is.
      expect(await alerts.rearmAfterCredit(accountId, [10_000_000n, 1_000_000n])).toEqual([10_000_000n]);
      expect((await alerts.findThresholdStates(accountId)).every((state) => state.armed)).toBe(true);
    });

    it('are re-armed by a top-up committed between the balance read and the firing (the checker, end to end)', async () => {
      const accountId = await alerted([10_000_000n], '8.00');
      // A store whose read races a top-up: the balance it returns (8) is from just before USD 20 landed.
      let raced = false;
      const reader = {
        read: async (ids: readonly string[]) => {
          const found = new Map<string, SpendableBalance>();
          if (!ids.includes(accountId)) return found;
          const balance = (await prisma.account.findUniqueOrThrow({ where: { id: accountId } })).balanceMicros;
          if (!raced) {
            raced = true;
            await ledger.post(accountId, 'top_up', 20_000_000n, 'a top-up racing the check', null);
          }
          return found.set(accountId, { spendableMicros: balance, creditSeq: null });
        },
      } as SpendableBalanceReader;
      await expectRearmedAfterTwoChecks(accountId, reader);
    });

    it('are re-armed by a top-up committed before a wallet read that did not include it yet (on its way to Redis)', async () => {
      const accountId = await alerted([10_000_000n], '8.00');
      // Committed in PostgreSQL (so before the checker's ledger position) and not yet applied to the Redis wallet.
      const topUp = await ledger.post(accountId, 'top_up', 20_000_000n, 'a top-up on its way to the wallet', null);
      let reads = 0;
      const reader = {
        read: async (ids: readonly string[]) => {
          const found = new Map<string, SpendableBalance>();
          if (!ids.includes(accountId)) return found;
          // First the wallet before the credit reached it (USD 8, credits up to the one before), then after (USD 28).
          const applied = reads++ > 0;
          return found.set(
            accountId,
            applied
              ? { spendableMicros: 28_000_000n, creditSeq: topUp.creditSeq }
              : { spendableMicros: 8_000_000n, creditSeq: topUp.creditSeq - 1n },
          );
        },
      } as SpendableBalanceReader;
      await expectRearmedAfterTwoChecks(accountId, reader);
    });

    /** The first check reads the balance below the threshold and fires it; the second reads it lifted, and re-arms it. */
    async function expectRearmedAfterTwoChecks(accountId: string, reader: SpendableBalanceReader): Promise<void> {
      const noDeliveries = { claimDue: async () => [] } as unknown as AlertDeliveriesRepository;
      const config = loadConfig(testEnv());
      const checker = new BalanceAlertService(alerts, noDeliveries, reader, new ChannelCredentials(config), config);
      try {
        await checker.run(); // reads 8: fires the 10 (right: it was below when read)
        expect(await alerts.findThresholdStates(accountId)).toEqual([expect.objectContaining({ armed: false })]);
        await checker.run(); // reads 28: the top-up was not in the first figure, so it re-arms
        expect(await alerts.findThresholdStates(accountId)).toEqual([expect.objectContaining({ armed: true })]);
      } finally {
        await checker.onModuleDestroy();
      }
    }

    it('keep the state of kept thresholds when the settings change, arm new ones and forget removed ones', async () => {
      const accountId = await alerted([10_000_000n, 1_000_000n]);
      await fire(accountId, 10_000_000n);
      await prisma.$transaction((tx) =>
        alerts.saveSettings({ accountId, thresholdsMicros: [10_000_000n, 5_000_000n], webhookUrl: 'https://hooks.example.com/y', sealedSecret: 's' }, tx),
      );
      expect((await alerts.findThresholdStates(accountId)).map((s) => [s.thresholdMicros, s.armed])).toEqual([
        [10_000_000n, false],
        [5_000_000n, true],
      ]);
    });

    it('are listed for the checker by account id, only those with thresholds', async () => {
      const withThresholds = await alerted([2_000_000n]);
      const without = await alerted([]);
      const seen: string[] = [];
      for (let after: string | null = null; ; ) {
        const page = await alerts.findAlertingPage(after, 50);
        if (page.length === 0) break;
        seen.push(...page.map((account) => account.accountId));
        after = page[page.length - 1].accountId;
      }
      expect(seen).toContain(withThresholds);
      expect(seen).not.toContain(without);
      expect([...seen].sort()).toEqual(seen);
    });
  });

  describe('deliveries', () => {
    async function pendingDelivery(): Promise<{ accountId: string; id: string }> {
      const account = await createAccount({ balanceUsd: '5.00' });
      await prisma.$transaction((tx) =>
        alerts.saveSettings({ accountId: account.id, thresholdsMicros: [9_000_000n], webhookUrl: 'https://hooks.example.com/x', sealedSecret: 's' }, tx),
      );
      const id = (await alerts.fire({ accountId: account.id, thresholdMicros: 9_000_000n, balanceMicros: 5_000_000n }, { id: randomUUID(), payload: '{"a":1}' }, { ledgerPosition: await alerts.ledgerPosition(), creditSeq: null }))!;
      return { accountId: account.id, id };
    }

    it('are claimed by one worker at a time (a lease), and come back once the lease is over', async () => {
      const { id } = await pendingDelivery();
      const claims = await Promise.all(Array.from({ length: 6 }, () => deliveries.claimDue(500, 60_000)));
      expect(claims.flat().filter((claimed) => claimed.id === id)).toEqual([
        expect.objectContaining({ id, payload: '{"a":1}', attempt: 1 }),
      ]);
      expect((await deliveries.claimDue(500, 60_000)).map((claimed) => claimed.id)).not.toContain(id);

      await prisma.balanceAlertDelivery.update({ where: { id }, data: { nextAttemptAt: new Date(Date.now() - 1) } });
      expect((await deliveries.claimDue(500, 60_000)).map((claimed) => claimed.id)).toContain(id);
    });

    it('record each attempt, and never revive a finished one', async () => {
      const { accountId, id } = await pendingDelivery();
      await deliveries.recordAttempt(id, { kind: 'retry', statusCode: 503, error: 'the webhook answered 503', retryAt: new Date(Date.now() + 5_000) });
      await deliveries.recordAttempt(id, { kind: 'delivered', statusCode: 200 });
      await deliveries.recordAttempt(id, { kind: 'failed', statusCode: null, error: 'late' });
      const { items } = await deliveries.findPage({ accountId }, 10, null);
      expect(items).toEqual([
        expect.objectContaining({ id, status: 'delivered', attempts: 2, lastStatusCode: 200, lastError: null, deliveredAt: expect.any(Date) }),
      ]);
    });
  });
});
