import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { parseUsdToMicros } from '../../libs/common/src';
import type { ModelProvider } from '../../libs/db/src';
import { testDb } from '../support/test-db';
import { suiteRedisPrefix, TEST_REDIS_URL } from '../support/test-env';

/** What the admin API does after a catalog change: running proxies reload their catalog (CacheInvalidationBus). */
export async function announceCatalogChange(): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    await redis.publish(`${suiteRedisPrefix()}invalidate`, JSON.stringify({ topic: 'model', id: '*' }));
  } finally {
    await redis.quit();
  }
}

/** One channel of a test's own model, with a channel row of its own. */
export interface ChannelSpec {
  /** Where it points: a test's own mock upstream, or a closed port. */
  upstreamUrl: string;
  /** The credential it sends upstream (stored as given, as rows written before CHANNEL_CREDENTIALS_KEY are). */
  apiKey?: string;
  /** Default 0 (tried first). */
  priority?: number;
  /** Default 1. */
  weight?: number;
  /** Default: the model's. A channel of another provider needs `upstreamModel` (cross-provider failover). */
  provider?: ModelProvider;
  /** The model's name at this channel's provider; default null (the model's upstreamModel). */
  upstreamModel?: string;
}

export interface ModelOptions {
  /** Default openai. A google model speaks Gemini to its channels (the mock serves it under /v1beta). */
  provider?: ModelProvider;
  kind?: 'chat' | 'embedding';
  /**
   * Its channels, each a new one. Without them (and without upstreamUrl) the model uses the demo catalog's channel of
   * its provider on the run's shared mock upstream.
   */
  channels?: ChannelSpec[];
  /** Shorthand for one channel of its own: `channels: [{ upstreamUrl, apiKey: channelApiKey }]`. */
  upstreamUrl?: string;
  channelApiKey?: string;
  /** The model's own upstream timeout; default null (UPSTREAM_TIMEOUT_S). */
  timeoutS?: number | null;
  enabled?: boolean;
  /** Default: one unique alias, the id without its provider. */
  aliases?: string[];
  /**
   * Upstream USD per million tokens; default 0.40 in, 1.60 out. Cache prices default to null (the catalog's defaults:
   * 0.1 x and 1.25 x input).
   */
  inputUsdPerMTok?: string;
  outputUsdPerMTok?: string;
  /** Default null: the defaults of a model without its own (0.1 x input for cached input, 1.25 x input for cache writes). */
  cachedInputUsdPerMTok?: string | null;
  cacheWriteUsdPerMTok?: string | null;
  /**
   * Charged = upstream x markup. Default '1': a test's model charges exactly its prices, so cost assertions need no
   * markup arithmetic; null follows PRICE_MARKUP (1.05), as models without one of their own do.
   */
  markup?: string | null;
  /** Requests per minute of one account on the model; default null (DEFAULT_MODEL_RPM_PER_ACCOUNT). */
  rpmPerAccount?: number | null;
  /** Default 4096. */
  maxOutputTokens?: number;
  /** The name sent upstream (the mock answers any of its own model names). */
  upstreamModel?: string;
}

export interface TestModel {
  /** `<provider>/test-<hex>` */
  id: string;
  /** `test-<hex>` (an alias unless `aliases` said otherwise) */
  alias: string;
  /** Its channels, in the order of `channels` (the demo channel when it has none of its own). */
  channelIds: string[];
}

function usdOrNull(usd: string | null | undefined): bigint | null {
  return usd === undefined || usd === null ? null : parseUsdToMicros(usd)!;
}

const DEFAULT_CHAT_MODEL: Record<ModelProvider, string> = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-haiku-4-5',
  google: 'gemini-2.5-flash',
};

function defaultUpstreamModel(provider: ModelProvider, kind: 'chat' | 'embedding'): string {
  return kind === 'embedding' ? 'text-embedding-3-small' : DEFAULT_CHAT_MODEL[provider];
}

/**
 * A model of the test's own, with a unique id, so that tests which change a model, count upstream calls or break
 * channels never touch the demo catalog other suites rely on. Running proxies are told to reload their catalog, so the
 * model is usable at once (after the reload's few milliseconds); proxies started later load it at boot.
 */
export async function createModel(options: ModelOptions = {}): Promise<TestModel> {
  const db = await testDb();
  const provider = options.provider ?? 'openai';
  const kind = options.kind ?? 'chat';
  const name = `test-${randomBytes(5).toString('hex')}`;
  const specs =
    options.channels ??
    (options.upstreamUrl === undefined ? [] : [{ upstreamUrl: options.upstreamUrl, apiKey: options.channelApiKey }]);
  const channelIds: string[] = [];
  for (const [index, spec] of specs.entries()) {
    const channel = await db.channel.create({
      data: {
        name: `${name}-${index}`,
        provider: spec.provider ?? provider,
        baseUrl: spec.upstreamUrl,
        apiKey: spec.apiKey ?? 'test-channel-key',
      },
    });
    channelIds.push(channel.id);
  }
  if (specs.length === 0) {
    channelIds.push((await db.channel.findUniqueOrThrow({ where: { name: `mock-${provider}` } })).id);
  }
  const model = await db.model.create({
    data: {
      id: `${provider}/${name}`,
      provider,
      kind,
      upstreamModel: options.upstreamModel ?? defaultUpstreamModel(provider, kind),
      aliases: options.aliases ?? [name],
      inputMicrosPerMTok: parseUsdToMicros(options.inputUsdPerMTok ?? '0.40')!,
      outputMicrosPerMTok: parseUsdToMicros(options.outputUsdPerMTok ?? '1.60')!,
      cachedInputMicrosPerMTok: usdOrNull(options.cachedInputUsdPerMTok),
      cacheWriteMicrosPerMTok: usdOrNull(options.cacheWriteUsdPerMTok),
      markup: options.markup === undefined ? '1' : options.markup,
      rpmPerAccount: options.rpmPerAccount ?? null,
      maxOutputTokens: options.maxOutputTokens ?? 4_096,
      timeoutS: options.timeoutS ?? null,
      enabled: options.enabled ?? true,
    },
  });
  await db.modelChannel.createMany({
    data: channelIds.map((channelId, index) => ({
      modelId: model.id,
      channelId,
      priority: specs[index]?.priority ?? 0,
      weight: specs[index]?.weight ?? 1,
      upstreamModel: specs[index]?.upstreamModel ?? null,
    })),
  });
  await announceCatalogChange();
  return { id: model.id, alias: name, channelIds };
}
