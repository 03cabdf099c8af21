import { randomBytes } from 'node:crypto';
import { parseUsdToMicros } from '../../libs/common/src';
import { testDb } from '../support/test-db';

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
 * model change this one, never the demo catalog other suites rely on.
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
  return { id: model.id, alias: name };
}
