import type { AppConfig } from '@gw/config';
import type { ModelsRepository, StoredModel } from '@gw/db';
import type { CacheInvalidationBus } from '@gw/redis';
import { MISS_RELOAD_INTERVAL_MS, ModelCatalog } from './model-catalog.service';
import { storedModel } from './testing/stored-model';

const stored = (id: string) => storedModel({ id, aliases: [] });

const CONFIG = {
  cache: { ttlMs: 60_000 },
  pricing: { defaultMarkupMillionths: 1_000_000n },
  proxy: { defaultModelRpmPerAccount: 0 },
} as unknown as AppConfig;

/** A catalog over an in-memory table; `rows` may change between loads, as the database does under the admin API. */
async function catalogOver(rows: StoredModel[]) {
  const loads = { count: 0 };
  const repository = {
    findAllWithChannels: async () => {
      loads.count++;
      return [...rows];
    },
  } as unknown as ModelsRepository;
  const handlers: Array<() => void> = [];
  const bus = { on: (_topic: string, handler: () => void) => handlers.push(handler) } as unknown as CacheInvalidationBus;
  const catalog = new ModelCatalog(repository, bus, CONFIG);
  await catalog.onModuleInit();
  return { catalog, loads, announce: () => handlers.forEach((handler) => handler()) };
}

describe(ModelCatalog.name, () => {
  afterEach(() => jest.useRealTimers());

  it('finds a model created after the last load: a miss reloads once, then looks again', async () => {
    const rows = [stored('openai/a')];
    const { catalog, loads } = await catalogOver(rows);
    rows.push(stored('openai/b'));
    expect(catalog.resolve('openai/b')).toBeUndefined();
    expect((await catalog.resolveAfterReload('openai/b'))?.id).toBe('openai/b');
    expect(loads.count).toBe(2);
  });

  it('waits for a reload an invalidation started instead of answering from the old snapshot', async () => {
    const rows = [stored('openai/a')];
    const { catalog, loads, announce } = await catalogOver(rows);
    await catalog.resolveAfterReload('unknown'); // spends this second's miss reload
    rows.push(stored('openai/b'));
    announce(); // the admin API's 'model' invalidation arrives: a reload starts
    expect((await catalog.resolveAfterReload('openai/b'))?.id).toBe('openai/b');
    expect(loads.count).toBe(3);
  });

  it('reloads on misses at most once per interval, so unknown names cannot hammer the database', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { catalog, loads } = await catalogOver([stored('openai/a')]);
    for (let i = 0; i < 20; i++) expect(await catalog.resolveAfterReload(`unknown-${i}`)).toBeUndefined();
    expect(loads.count).toBe(2);
    jest.setSystemTime(1_000_000 + MISS_RELOAD_INTERVAL_MS);
    await catalog.resolveAfterReload('unknown');
    expect(loads.count).toBe(3);
  });
});
