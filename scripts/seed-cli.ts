import { assertCredentialsProtected, loadConfig } from '@gw/config';
import { ChannelCredentials, PrismaService } from '@gw/db';
import { createKey, seedCatalog, seedDemoAccount } from './seed';

/**
 * Seeds the demo catalog (pointing at MOCK_UPSTREAM_URL), the demo account and a new demo key, and prints the key.
 * Used by docker-compose's `seed` service; `npm run demo` does the same in-process.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  // It writes channel credentials: held to the same rule as the apps that will read them.
  assertCredentialsProtected(config);
  const upstreamUrl = process.env.MOCK_UPSTREAM_URL ?? 'http://127.0.0.1:3900';
  const prisma = new PrismaService(config);
  await prisma.onModuleInit();
  try {
    await seedCatalog(prisma, upstreamUrl, new ChannelCredentials(config));
    const accountId = await seedDemoAccount(prisma);
    const key = await createKey(prisma, accountId, `demo ${new Date().toISOString()}`);
    console.log(`demo account ${accountId}\ndemo API key (shown once): ${key}`);
  } finally {
    await prisma.onModuleDestroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
