import type { UsageRecordView, UsageRepository } from '@gw/db';
import { GenerationLookup } from './generation-lookup';
import { generationView, GenerationFacts } from './generation-view';
import type { RecentGeneration, RecentGenerations } from './recent-generations';

const MINE = '00000000-0000-4000-8000-000000000001';
const THEIRS = '00000000-0000-4000-8000-000000000002';
const ID = 'gen-01JEXAMPLE0000000000000000';

const facts = (over: Partial<GenerationFacts> = {}): GenerationFacts => ({
  generationId: ID,
  model: 'openai/gpt-4.1-mini',
  requestedModel: 'gpt-4.1-mini',
  protocol: 'openai',
  stream: true,
  status: 200,
  outcome: 'completed',
  inputTokens: 12,
  outputTokens: 7,
  cachedInputTokens: 4,
  cacheWriteTokens: 0,
  costMicros: 15n,
  latencyMs: 30,
  createdAt: new Date('2026-01-02T03:04:05.000Z'),
  provider: 'openai',
  reasoningTokens: 2,
  upstreamCostMicros: 14n,
  finishReason: 'stop',
  ...over,
});

/** The lookup over a Redis record (or none) and a PostgreSQL answer (a row of the account, none, or a failure). */
function lookup(recent: RecentGeneration | null, settled: (accountId: string) => Promise<GenerationFacts | null>) {
  const redis = { recall: async () => recent } as unknown as RecentGenerations;
  const usage = {
    findOfAccount: ({ accountId }: { accountId: string }) => settled(accountId) as Promise<UsageRecordView | null>,
  } as unknown as UsageRepository;
  return new GenerationLookup(redis, usage);
}

describe(GenerationLookup.name, () => {
  const kept = (accountId: string): RecentGeneration => ({ accountId, generation: generationView(facts({ costMicros: 9n }), false) });

  it('answers the settled record from PostgreSQL, whatever Redis still keeps', async () => {
    const found = await lookup(kept(MINE), async (account) => (account === MINE ? facts() : null)).find(MINE, ID);
    expect(found).toMatchObject({ id: ID, settled: true, costUsd: '0.000015', upstreamCostUsd: '0.000014', reasoningTokens: 2 });
  });

  it('answers what the proxy kept, unsettled, while the settlement is on its way', async () => {
    expect(await lookup(kept(MINE), async () => null).find(MINE, ID)).toMatchObject({ settled: false, costUsd: '0.000009' });
  });

  it('answers what the proxy kept when PostgreSQL cannot be read, and fails without it', async () => {
    const down = async () => {
      throw new Error('connection reset');
    };
    expect(await lookup(kept(MINE), down).find(MINE, ID)).toMatchObject({ settled: false });
    await expect(lookup(null, down).find(MINE, ID)).rejects.toThrow('connection reset');
  });

  it("never answers another account's generation, kept or settled", async () => {
    expect(await lookup(kept(THEIRS), async (account) => (account === THEIRS ? facts() : null)).find(MINE, ID)).toBeNull();
  });

  it('does not look up what cannot be a generation id', async () => {
    const never = async (): Promise<null> => {
      throw new Error('queried');
    };
    expect(await lookup(null, never).find(MINE, 'req-123')).toBeNull();
    expect(await lookup(null, never).find(MINE, `gen-${'x'.repeat(100)}`)).toBeNull();
  });
});

describe(generationView.name, () => {
  it('shows money as USD strings, tokens by kind, no content and no key', () => {
    const view = generationView(facts({ reasoningTokens: null, upstreamCostMicros: null }), true);
    expect(view).toEqual({
      id: ID,
      model: 'openai/gpt-4.1-mini',
      requestedModel: 'gpt-4.1-mini',
      provider: 'openai',
      protocol: 'openai',
      stream: true,
      status: 200,
      outcome: 'completed',
      settled: true,
      inputTokens: 12,
      outputTokens: 7,
      cachedInputTokens: 4,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      costUsd: '0.000015',
      upstreamCostUsd: null,
      latencyMs: 30,
      finishReason: 'stop',
      createdAt: '2026-01-02T03:04:05.000Z',
    });
  });
});
