import { usageRowToJson, UsageRecordRow } from '@gw/db';
import { usageRow } from '../../../../test/factories/usage-row.factory';
import { recentFromSettledRecord } from './recent-generations';

const MINE = '00000000-0000-4000-8000-000000000001';
const THEIRS = '00000000-0000-4000-8000-000000000002';

const ID = 'gen-01JEXAMPLE0000000000000000';
const row = (over: Partial<UsageRecordRow> = {}): UsageRecordRow =>
  usageRow(MINE, '00000000-0000-4000-8000-0000000000aa', ID, {
    inputTokens: 12,
    outputTokens: 7,
    cachedInputTokens: 4,
    cacheWriteTokens: 1,
    costMicros: 15n,
    latencyMs: 30,
    createdAt: new Date('2026-01-02T03:04:05.000Z'),
    provider: 'openai',
    reasoningTokens: 2,
    upstreamCostMicros: 14n,
    finishReason: 'stop',
    ...over,
  });

const kept = (over: Partial<UsageRecordRow> = {}) => JSON.stringify(usageRowToJson(row(over)));

describe(recentFromSettledRecord.name, () => {
  it('shows the usage record the wallet kept as the unsettled generation, to its own account', () => {
    expect(recentFromSettledRecord(MINE, kept())).toEqual({
      accountId: MINE,
      generation: {
        id: ID,
        model: 'openai/gpt-4.1-mini',
        requestedModel: 'gpt-4.1-mini',
        provider: 'openai',
        protocol: 'openai',
        stream: false,
        status: 200,
        outcome: 'completed',
        settled: false,
        inputTokens: 12,
        outputTokens: 7,
        cachedInputTokens: 4,
        cacheWriteTokens: 1,
        reasoningTokens: 2,
        costUsd: '0.000015',
        upstreamCostUsd: '0.000014',
        latencyMs: 30,
        finishReason: 'stop',
        createdAt: '2026-01-02T03:04:05.000Z',
      },
    });
  });

  it("never shows another account's record (accounts share a wallet shard)", () => {
    expect(recentFromSettledRecord(THEIRS, kept())).toBeNull();
  });

  it('reads a record without the newer columns, and refuses one it cannot read', () => {
    const old = JSON.parse(kept()) as Record<string, unknown>;
    delete old.provider;
    delete old.reasoning_tokens;
    delete old.upstream_cost_micros;
    delete old.finish_reason;
    expect(recentFromSettledRecord(MINE, JSON.stringify(old))?.generation).toMatchObject({ provider: null, upstreamCostUsd: null, reasoningTokens: 0 });
    expect(recentFromSettledRecord(MINE, '{"account_id":')).toBeNull();
    expect(recentFromSettledRecord(MINE, kept({ protocol: 'smtp' as never }))).toBeNull();
    expect(recentFromSettledRecord(MINE, JSON.stringify({ ...JSON.parse(kept()), input_tokens: -1 }))).toBeNull();
  });
});
