import type { StoredModel } from '@gw/db';

/** A model row as the repository returns it, for unit specs: an OpenAI chat model with no settings of its own. */
export function storedModel(overrides: Partial<StoredModel> = {}): StoredModel {
  return {
    id: 'openai/test',
    provider: 'openai',
    kind: 'chat',
    upstreamModel: 'gpt-4.1-mini',
    aliases: ['test'],
    inputMicrosPerMTok: 400_000n,
    outputMicrosPerMTok: 1_600_000n,
    cachedInputMicrosPerMTok: null,
    cacheWriteMicrosPerMTok: null,
    pinnedInputMicrosPerMTok: null,
    pinnedOutputMicrosPerMTok: null,
    pinnedCachedInputMicrosPerMTok: null,
    pinnedCacheWriteMicrosPerMTok: null,
    markup: null,
    rpmPerAccount: null,
    maxOutputTokens: 1_000,
    contextWindow: 128_000,
    timeoutS: null,
    enabled: true,
    createdAt: new Date(0),
    channels: [],
    ...overrides,
  };
}
