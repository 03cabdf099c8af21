import { randomBytes } from 'node:crypto';
import { testDb } from '../support/test-db';

export interface TestModelOptions {
  provider: 'openai' | 'anthropic';
  /** Where its one channel points (the shared mock, or a test's own). */
  upstreamUrl: string;
  kind?: 'chat' | 'embedding';
  /** The credential the channel sends upstream. */
  channelApiKey?: string;
  timeoutS?: number;
  enabled?: boolean;
  aliases?: string[];
  /** USD per million tokens as micro-dollars; default 0.40 in, 1.60 out. */
  inputMicrosPerMTok?: bigint;
  outputMicrosPerMTok?: bigint;
  maxOutputTokens?: number;
}

/**
 * A model of the test's own (unique id `<provider>/test-<hex>`), with one channel of its own. Create it before
 * starting the proxy that should serve it: proxies load the catalog at boot.
 */
export async function createTestModel(options: TestModelOptions): Promise<string> {
  const db = await testDb();
  const suffix = randomBytes(5).toString('hex');
  const { provider } = options;
  const channel = await db.channel.create({
    data: {
      name: `test-${provider}-${suffix}`,
      provider,
      baseUrl: options.upstreamUrl,
      apiKey: options.channelApiKey ?? 'test-channel-key',
    },
  });
  const kind = options.kind ?? 'chat';
  const model = await db.model.create({
    data: {
      id: `${provider}/test-${suffix}`,
      provider,
      kind,
      upstreamModel: kind === 'embedding' ? 'text-embedding-3-small' : provider === 'openai' ? 'gpt-4.1-mini' : 'claude-haiku-4-5',
      aliases: options.aliases ?? [],
      inputMicrosPerMTok: options.inputMicrosPerMTok ?? 400_000n,
      outputMicrosPerMTok: options.outputMicrosPerMTok ?? 1_600_000n,
      maxOutputTokens: options.maxOutputTokens ?? 4_096,
      timeoutS: options.timeoutS ?? 120,
      enabled: options.enabled ?? true,
    },
  });
  await db.modelChannel.create({ data: { modelId: model.id, channelId: channel.id } });
  return model.id;
}
