import { ModelCatalog } from '../../libs/catalog/src';
import { newGenerationId } from '../../libs/common/src';
import { loadConfig } from '../../libs/config/src';
import {
  BillingLedgerRepository,
  ChannelCredentials,
  HoldLivenessRepository,
  MODEL_PROVIDERS,
  ModelsRepository,
  NATIVE_PROTOCOL,
  USAGE_PROTOCOLS,
} from '../../libs/db/src';
import { CacheInvalidationBus, RedisService } from '../../libs/redis/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { createModel } from '../factories/model.factory';
import { generationEntries, postgresBillingViolations } from '../support/billing-invariants';
import { accountBooks, closeTestDb, testDb } from '../support/test-db';
import { sharedMockUrl, testEnv } from '../support/test-env';

describe('the google provider in the database and the catalog', () => {
  const config = loadConfig(testEnv());
  let redis: RedisService;

  beforeAll(() => {
    redis = new RedisService(config);
  });

  afterAll(async () => {
    await redis?.onModuleDestroy();
    await closeTestDb();
  });

  it("the database's enums and native protocols are the ones libs/db names", async () => {
    const db = await testDb();
    const values = async (type: string) =>
      (
        await db.pool.query<{ value: string }>(
          `SELECT e.enumlabel AS value FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
            WHERE t.typname = $1 ORDER BY e.enumsortorder`,
          [type],
        )
      ).rows.map((row) => row.value);
    expect(await values('Provider')).toEqual([...MODEL_PROVIDERS]);
    expect(await values('Protocol')).toEqual([...USAGE_PROTOCOLS]);
    for (const provider of MODEL_PROVIDERS) {
      const { rows } = await db.pool.query<{ protocol: string }>(
        `SELECT gw_native_protocol($1::"Provider")::text AS protocol`,
        [provider],
      );
      expect([provider, rows[0].protocol]).toEqual([provider, NATIVE_PROTOCOL[provider]]);
    }
  });

  it('the catalog serves the google demo models with their channel to the mock, credential opened', async () => {
    const catalog = new ModelCatalog(
      new ModelsRepository(await testDb(), new ChannelCredentials(config)),
      new CacheInvalidationBus(redis),
      config,
    );
    await catalog.onModuleInit();
    const flash = catalog.resolve('gemini-2.5-flash');
    expect(flash).toMatchObject({
      id: 'google/gemini-2.5-flash',
      provider: 'google',
      upstreamModel: 'gemini-2.5-flash',
      // Charged: Google's prices x PRICE_MARKUP (1.05); cache writes default to 1.25 x input.
      inputMicrosPerMTok: 315_000n,
      outputMicrosPerMTok: 2_625_000n,
      cachedInputMicrosPerMTok: 31_500n,
      cacheWriteMicrosPerMTok: 393_750n,
      markup: '1.05',
      upstream: { inputMicrosPerMTok: 300_000n, outputMicrosPerMTok: 2_500_000n, cachedInputMicrosPerMTok: 30_000n, cacheWriteMicrosPerMTok: 375_000n },
      maxOutputTokens: 65_536,
      contextWindow: 1_048_576,
      enabled: true,
      channels: [{ name: 'mock-google', baseUrl: sharedMockUrl(), apiKey: 'mock-google-key', priority: 0, weight: 1 }],
    });
    expect(catalog.resolve('google/gemini-2.5-flash')).toBe(flash);
    expect(catalog.resolve('gemini-2.5-pro')).toMatchObject({
      id: 'google/gemini-2.5-pro',
      provider: 'google',
      upstream: { inputMicrosPerMTok: 1_250_000n, outputMicrosPerMTok: 10_000_000n, cachedInputMicrosPerMTok: 125_000n },
      channels: [{ name: 'mock-google' }],
    });
  });

  it.each(MODEL_PROVIDERS)(
    "the stale sweep releases a dead proxy's hold on a model of %s and records it under the provider's own protocol",
    async (provider) => {
      const model = await createModel({ provider });
      const account = await createAccount({ balanceUsd: '1.00' });
      const { id: keyId } = await createApiKey(account.id);
      const generationId = newGenerationId();
      const db = await testDb();
      const [hold] = await new BillingLedgerRepository(db).reserve(
        account.id,
        [{ generationId, keyId, modelId: model.id, amountMicros: 40_000n }],
        'dead-proxy:1',
      );
      expect(hold.accepted).toBe(true);

      // Its proxy died: every heartbeat is older than a minute from now.
      const swept = await new HoldLivenessRepository(db).abandon(account.id, [generationId], new Date(Date.now() + 60_000));
      expect(swept).toEqual([{ generationId, outcome: 'abandoned' }]);
      expect(await db.usageRecord.findUniqueOrThrow({ where: { generationId } })).toMatchObject({
        model: model.id,
        protocol: NATIVE_PROTOCOL[provider],
        outcome: 'abandoned',
        costMicros: 0n,
        reservedMicros: 40_000n,
      });
      expect(await generationEntries(generationId)).toEqual([
        ['reservation', -40_000n],
        ['release', 40_000n],
      ]);
      expect(await accountBooks(account.id)).toEqual({
        balance: 1_000_000n,
        reserved: 0n,
        ledgerSum: 1_000_000n,
        openHolds: 0n,
      });
      expect(await postgresBillingViolations(account.id)).toEqual([]);
    },
  );
});
