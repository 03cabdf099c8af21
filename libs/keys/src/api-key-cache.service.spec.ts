import type { AppConfig } from '@gw/config';
import type { ApiKeyAuthRecord, ApiKeysRepository } from '@gw/db';
import type { CacheInvalidationBus } from '@gw/redis';
import { apiKeyRecord } from '../../../test/factories/api-key-record.factory';
import { ApiKeyCache } from './api-key-cache.service';

function record(id: string, accountId: string, rpm: number | null): ApiKeyAuthRecord {
  return apiKeyRecord({ id, accountId, account: { rpmLimit: rpm, accountRpmLimit: null } });
}

describe(ApiKeyCache.name, () => {
  let accountRpm: Record<string, number | null>;
  let loads: string[];
  let handlers: Record<string, (id: string) => void>;
  let sut: ApiKeyCache;
  const owners: Record<string, [string, string]> = { h1: ['k1', 'a1'], h2: ['k2', 'a1'], h3: ['k3', 'a2'] };

  beforeEach(() => {
    accountRpm = { a1: 5, a2: 7 };
    loads = [];
    handlers = {};
    const repository = {
      findForAuth: async (hash: string) => {
        loads.push(hash);
        const [id, accountId] = owners[hash];
        return record(id, accountId, accountRpm[accountId]);
      },
    } as unknown as ApiKeysRepository;
    const bus = { on: (topic: string, handler: (id: string) => void) => (handlers[topic] = handler) } as unknown as CacheInvalidationBus;
    sut = new ApiKeyCache(repository, bus, { cache: { ttlMs: 60_000 } } as AppConfig);
    sut.onModuleInit();
  });

  it("reloads every key of an account whose limits changed, and no other account's", async () => {
    await Promise.all(['h1', 'h2', 'h3'].map((hash) => sut.get(hash)));
    accountRpm = { a1: 50, a2: 70 };
    handlers.account('a1');
    expect(sut.peek('h1')).toBeUndefined();
    expect(sut.peek('h2')).toBeUndefined();
    expect(sut.peek('h3')?.account.rpmLimit).toBe(7);
    expect((await sut.get('h1'))?.account.rpmLimit).toBe(50);
    expect((await sut.get('h2'))?.account.rpmLimit).toBe(50);
    expect(loads).toEqual(['h1', 'h2', 'h3', 'h1', 'h2']);
  });

  it("drops everything on an 'account' message for '*' (a resubscription)", async () => {
    await Promise.all(['h1', 'h3'].map((hash) => sut.get(hash)));
    handlers.account('*');
    expect(sut.peek('h1')).toBeUndefined();
    expect(sut.peek('h3')).toBeUndefined();
  });

  it('keeps the account index right when a key is invalidated on its own', async () => {
    await Promise.all(['h1', 'h2'].map((hash) => sut.get(hash)));
    handlers['api-key']('k1');
    expect(sut.peek('h1')).toBeUndefined();
    expect(sut.peek('h2')).toBeDefined();
    handlers.account('a1');
    expect(sut.peek('h2')).toBeUndefined();
  });
});
