import type { AppConfig } from '@gw/config';
import type { UsageRecordRow } from '@gw/db';
import { WalletUnavailableError } from './wallet.errors';
import { accountId, generationId, keyId } from './wallet-ids';
import type { WalletLoader } from './wallet-loader';
import { WalletService } from './wallet.service';
import type { SettleReply, WalletStore } from './wallet-store';
import type { HoldContext } from './wallet-types';

const ACCOUNT = accountId('00000000-0000-4000-8000-000000000001');
const KEY = '00000000-0000-4000-8000-000000000002';
const CONFIG = { wallet: { holdTtlMs: 30_000 }, instanceId: 'spec', proxy: { shutdownGraceMs: 1_000 } } as AppConfig;

/**
 * The wallet's side of a timed-out hold, as Redis would run it: the hold script ran after all (its answer came too
 * late), and the first settlement of a generation closes it (with the usage record it carries, '' for none); every
 * later one is a duplicate. `unavailable` settlements fail first, as calls past their deadline do.
 */
class LateRedis {
  readonly closedWith = new Map<string, string>();
  readonly settlements: { generation: string; usage: string }[] = [];
  unavailable = 0;

  store(): WalletStore {
    return {
      hold: async () => {
        throw new WalletUnavailableError('hold: no answer within 500 ms');
      },
      settle: async (_account: string, generation: string, _cost: bigint, usage: string): Promise<SettleReply> => {
        if (this.unavailable > 0) {
          this.unavailable--;
          throw new WalletUnavailableError('settle: no answer within 500 ms');
        }
        this.settlements.push({ generation, usage });
        if (this.closedWith.has(generation)) return { kind: 'DUPLICATE', charged: 0n };
        this.closedWith.set(generation, usage);
        return { kind: 'SETTLED', charged: 0n, held: 10_000n, spendable: 990_000n, seq: 1n };
      },
    } as unknown as WalletStore;
  }
}

function usage(generation: string): UsageRecordRow {
  return {
    generationId: generation,
    requestId: 'req-1',
    accountId: ACCOUNT,
    keyId: KEY,
    model: 'openai/gpt-4.1-mini',
    requestedModel: 'gpt-4.1-mini',
    protocol: 'openai',
    endpoint: 'chat.completions',
    stream: false,
    status: 503,
    outcome: 'rejected',
    errorType: 'service_unavailable',
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    usageEstimated: false,
    reservedMicros: 0n,
    costMicros: 0n,
    overrunMicros: 0n,
    upstreamStatus: null,
    channelId: null,
    attempts: 0,
    latencyMs: 501,
    upstreamLatencyMs: null,
    createdAt: new Date(),
  };
}

async function timedOutHold(wallet: WalletService, generation: ReturnType<typeof generationId>): Promise<void> {
  const context: HoldContext = {
    keyId: keyId(KEY),
    model: 'openai/gpt-4.1-mini',
    requestedModel: 'gpt-4.1-mini',
    protocol: 'openai',
    endpoint: 'chat.completions',
    stream: false,
    requestId: 'req-1',
    createdAt: new Date(),
  };
  await expect(wallet.hold({ accountId: ACCOUNT, generationId: generation, amountMicros: 10_000n, context })).rejects.toBeInstanceOf(
    WalletUnavailableError,
  );
}

describe('WalletService: a hold that timed out (a 503) is closed once, by the release that carries its usage record', () => {
  it("the caller's release wins over the wallet's own cancel, even when both are retried", async () => {
    const redis = new LateRedis();
    const wallet = new WalletService(redis.store(), {} as WalletLoader, CONFIG);
    const generation = generationId('gen-01JTIMEDOUTHOLD0000000001');
    await timedOutHold(wallet, generation);
    // The reserve stage releases at once with the request's record; Redis is still slow: the release is retried.
    redis.unavailable = 1;
    expect(await wallet.release(ACCOUNT, generation, usage(generation))).toEqual({ status: 'deferred' });
    expect(await wallet.drain(5_000)).toBe(0);

    const record = JSON.parse(redis.closedWith.get(generation) ?? 'null');
    expect(record).toMatchObject({ generation_id: generation, status: 503, outcome: 'rejected' });
    expect(redis.settlements.filter((s) => s.usage === '')).toEqual([]);
  });

  it('a caller that never closes the generation: the cancel releases the hold, without a record', async () => {
    const redis = new LateRedis();
    const wallet = new WalletService(redis.store(), {} as WalletLoader, CONFIG);
    const generation = generationId('gen-01JTIMEDOUTHOLD0000000002');
    await timedOutHold(wallet, generation);
    expect(await wallet.drain(5_000)).toBe(0);
    expect(redis.settlements).toEqual([{ generation, usage: '' }]);
  });
});
