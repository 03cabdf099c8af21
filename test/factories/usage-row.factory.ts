import type { UsageRecordRow } from '../../libs/db/src';

/** A usage record as the proxy hands it to settlement (gw_settle), for tests that drive billing without a proxy. */
export function usageRow(accountId: string, keyId: string, generationId: string, facts: Partial<UsageRecordRow> = {}): UsageRecordRow {
  return {
    generationId,
    requestId: `req-${generationId}`,
    accountId,
    keyId,
    model: 'openai/gpt-4.1-mini',
    requestedModel: 'gpt-4.1-mini',
    protocol: 'openai',
    endpoint: 'chat.completions',
    stream: false,
    status: 200,
    outcome: 'completed',
    errorType: null,
    inputTokens: 10,
    outputTokens: 20,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    usageEstimated: false,
    reservedMicros: 0n,
    costMicros: 0n,
    overrunMicros: 0n,
    upstreamStatus: 200,
    channelId: null,
    attempts: 1,
    latencyMs: 5,
    upstreamLatencyMs: 3,
    createdAt: new Date(),
    ...facts,
  };
}
