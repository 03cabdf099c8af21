import { randomBytes } from 'node:crypto';
import { testDb } from '../support/test-db';

/**
 * A chat model of its own (unique id, no aliases) served by one channel at `upstreamUrl`, so that a test can count
 * the upstream calls of its own mock without the shared demo models. Create it before starting the proxies: they load
 * the catalog at boot.
 */
export async function createPrivateChatModel(upstreamUrl: string, provider: 'openai' | 'anthropic' = 'openai') {
  const db = await testDb();
  const suffix = randomBytes(4).toString('hex');
  const upstreamModel = provider === 'openai' ? 'gpt-4.1-mini' : 'claude-haiku-4-5';
  const channel = await db.channel.create({
    data: { name: `private-${provider}-${suffix}`, provider, baseUrl: upstreamUrl, apiKey: 'private-mock-key' },
  });
  const model = await db.model.create({
    data: {
      id: `${provider}/private-${suffix}`,
      provider,
      kind: 'chat',
      upstreamModel,
      inputMicrosPerMTok: 400_000n,
      outputMicrosPerMTok: 1_600_000n,
      maxOutputTokens: 1_000,
    },
  });
  await db.modelChannel.create({ data: { modelId: model.id, channelId: channel.id } });
  return model.id;
}
