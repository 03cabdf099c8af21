import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { parseUsdToMicros } from '../../libs/common/src';
import { testDb } from '../support/test-db';
import { TEST_REDIS_PREFIX, TEST_REDIS_URL } from '../support/test-env';

/** What the admin API does after a catalog change: running proxies reload their catalog (CacheInvalidationBus). */
async function announceCatalogChange(): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    await redis.publish(`${TEST_REDIS_PREFIX}invalidate`, JSON.stringify({ topic: 'model', id: '*' }));
  } finally {
    await redis.quit();
  }
}

export interface ModelOptions {
  /** USD per million tokens. */
  inputUsdPerMTok?: string;
  outputUsdPerMTok?: string;
  /** The name sent to the mock upstream (it answers any of its own model names). */
  upstreamModel?: string;
  maxOutputTokens?: number;
}

/**
 * An OpenAI chat model of its own (unique id and alias), served by the shared mock's channel: tests that change a
 * model change this one, never the demo catalog other suites rely on. Running proxies are told to reload, so the model
 * is usable at once (after the reload's few milliseconds).
 */
export async function createModel(options: ModelOptions = {}) {
  const db = await testDb();
  const name = `e2e-${randomBytes(4).toString('hex')}`;
  const channel = await db.channel.findUniqueOrThrow({ where: { name: 'mock-openai' } });
  const model = await db.model.create({
    data: {
      id: `openai/${name}`,
      provider: 'openai',
      kind: 'chat',
      upstreamModel: options.upstreamModel ?? 'gpt-4.1-mini',
      aliases: [name],
      inputMicrosPerMTok: parseUsdToMicros(options.inputUsdPerMTok ?? '1.00')!,
      outputMicrosPerMTok: parseUsdToMicros(options.outputUsdPerMTok ?? '2.00')!,
      cachedInputMicrosPerMTok: null,
      maxOutputTokens: options.maxOutputTokens ?? 1_000,
      channels: { create: { channelId: channel.id, priority: 0, weight: 1 } },
    },
  });
  await announceCatalogChange();
  return { id: model.id, alias: name };
}
