import type { ModelRecord } from '@gw/db';

/** A model as the in-memory catalog serves it (charged prices, one channel), for unit specs: no database. */
export function modelRecord(overrides: Partial<ModelRecord> = {}): ModelRecord {
  return {
    id: 'openai/gpt-test',
    provider: 'openai',
    kind: 'chat',
    upstreamModel: 'gpt-test',
    aliases: ['gpt-test'],
    inputMicrosPerMTok: 400_000n,
    outputMicrosPerMTok: 1_600_000n,
    cachedInputMicrosPerMTok: 100_000n,
    cacheWriteMicrosPerMTok: null,
    maxOutputTokens: 1_000,
    contextWindow: 128_000,
    timeoutS: 30,
    enabled: true,
    createdAt: new Date(0),
    channels: [{ id: 'ch-1', name: 'primary', baseUrl: 'http://127.0.0.1:1', apiKey: 'sk-test', priority: 0, weight: 1 }],
    ...overrides,
  };
}
