import { generateApiKey, displayPrefix, parseUsdToMicros, sha256Hex } from '@gw/common';
import { ChannelCredentials, LedgerRepository, MODEL_PROVIDERS, type ModelProvider, PrismaService } from '@gw/db';
import { CatalogEntry, DEMO_CATALOG } from './demo-catalog';

export const DEMO_ACCOUNT_NAME = 'Demo account';
const DEMO_CREDIT_REFERENCE = 'demo-initial-credit';
const DEMO_CREDIT_USD = '10.00';

function micros(usd: string): bigint {
  const value = parseUsdToMicros(usd);
  if (value === null) throw new Error(`bad price ${usd}`);
  return value;
}

function modelData(entry: CatalogEntry) {
  return {
    provider: entry.provider,
    kind: entry.kind,
    upstreamModel: entry.upstreamModel,
    aliases: entry.aliases,
    inputMicrosPerMTok: micros(entry.input),
    outputMicrosPerMTok: micros(entry.output),
    cachedInputMicrosPerMTok: entry.cachedInput ? micros(entry.cachedInput) : null,
    cacheWriteMicrosPerMTok: entry.cacheWrite ? micros(entry.cacheWrite) : null,
    // Charged = these x the markup: a re-run also drops the charged prices pinned through the admin API.
    pinnedInputMicrosPerMTok: null,
    pinnedOutputMicrosPerMTok: null,
    pinnedCachedInputMicrosPerMTok: null,
    pinnedCacheWriteMicrosPerMTok: null,
    maxOutputTokens: entry.maxOutputTokens,
    contextWindow: entry.contextWindow,
  };
}

/**
 * The demo catalog with one channel per provider (mock-openai, mock-anthropic, mock-google) pointing at the mock
 * upstream, which speaks each provider's protocol at that provider's paths (Gemini under /v1beta). Idempotent: models
 * and channels are upserted, so re-running it resets prices and channel URLs to the demo's. The mock's credentials are
 * written as the admin API writes any credential: sealed with CHANNEL_CREDENTIALS_KEY when there is one (the seal binds
 * the base URL, so they are sealed again on every run, for the URL of that run).
 */
export async function seedCatalog(
  prisma: PrismaService,
  upstreamBaseUrl: string,
  credentials: ChannelCredentials,
): Promise<void> {
  const mockChannel = async (provider: ModelProvider) => {
    const name = `mock-${provider}`;
    const apiKey = credentials.seal(`mock-${provider}-key`, upstreamBaseUrl);
    return prisma.channel.upsert({
      where: { name },
      create: { name, provider, baseUrl: upstreamBaseUrl, apiKey },
      update: { baseUrl: upstreamBaseUrl, apiKey, enabled: true },
    });
  };
  const channelIds = {} as Record<ModelProvider, string>;
  for (const provider of MODEL_PROVIDERS) channelIds[provider] = (await mockChannel(provider)).id;
  for (const entry of DEMO_CATALOG) {
    const data = modelData(entry);
    await prisma.model.upsert({ where: { id: entry.id }, create: { id: entry.id, ...data }, update: data });
    const channelId = channelIds[entry.provider];
    await prisma.modelChannel.upsert({
      where: { modelId_channelId: { modelId: entry.id, channelId } },
      create: { modelId: entry.id, channelId, priority: 0, weight: 1 },
      update: {},
    });
  }
}

/** The demo account, credited $10.00 once (the credit's reference makes a re-run a no-op). */
export async function seedDemoAccount(prisma: PrismaService): Promise<string> {
  const existing = await prisma.account.findFirst({ where: { name: DEMO_ACCOUNT_NAME }, orderBy: { createdAt: 'asc' } });
  const account = existing ?? (await prisma.account.create({ data: { name: DEMO_ACCOUNT_NAME, email: 'demo@example.com' } }));
  const credited = await prisma.ledgerEntry.findFirst({
    where: { accountId: account.id, kind: 'top_up', reference: DEMO_CREDIT_REFERENCE },
  });
  if (!credited) await new LedgerRepository(prisma).post(account.id, 'top_up', micros(DEMO_CREDIT_USD), DEMO_CREDIT_REFERENCE, null);
  return account.id;
}

/** A new key for the account; the plaintext is returned here once and stored nowhere. */
export async function createKey(prisma: PrismaService, accountId: string, name: string): Promise<string> {
  const key = generateApiKey();
  await prisma.apiKey.create({ data: { accountId, name, keyHash: sha256Hex(key), prefix: displayPrefix(key) } });
  return key;
}
