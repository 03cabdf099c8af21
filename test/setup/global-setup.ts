import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { loadConfig } from '../../libs/config/src';
import { ChannelCredentials, PrismaService } from '../../libs/db/src';
import { startMockUpstream } from '../../apps/mock-upstream/src/mock-upstream.server';
import { ensureDatabase, migrateDeploy } from '../../scripts/ensure-database';
import { seedCatalog } from '../../scripts/seed';
import { dropLeftoverScratchDatabases, MIGRATED_TEST_DATABASE_URL } from '../support/test-db';
import { DIST_DIR, TEST_DATABASE_URL, TEST_REDIS_PREFIX, TEST_REDIS_URL, testEnv } from '../support/test-env';

const ROOT = join(__dirname, '..', '..');

/**
 * Once per test run (every jest project lists this; the first one does the work): a fresh test database with every
 * migration applied, the demo catalog pointing at one shared mock upstream, and an empty Redis key space.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.GW_TEST_MOCK_URL) return;
  if (!existsSync(join(ROOT, DIST_DIR, 'apps', 'proxy', 'src', 'main.js'))) {
    throw new Error(`${DIST_DIR}/ is missing: run \`npm run build\` first (npm test does)`);
  }
  // Migrated once, in a database that nothing else connects to (a template must have none; an app left running by a
  // killed run reconnects to the test database at once), then copied: the test database now, scratchDatabase later.
  await ensureDatabase(MIGRATED_TEST_DATABASE_URL, { recreate: true });
  migrateDeploy(MIGRATED_TEST_DATABASE_URL, ROOT);
  await ensureDatabase(TEST_DATABASE_URL, { recreate: true, template: MIGRATED_TEST_DATABASE_URL });
  await dropLeftoverScratchDatabases();

  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`${TEST_REDIS_PREFIX}*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  await redis.quit();

  const mock = await startMockUpstream({ port: 0, host: '127.0.0.1' });
  (globalThis as { __gwMock?: { close(): Promise<void> } }).__gwMock = mock;
  process.env.GW_TEST_MOCK_URL = mock.url;

  const config = loadConfig(testEnv());
  const prisma = new PrismaService(config);
  await prisma.onModuleInit();
  await seedCatalog(prisma, mock.url, new ChannelCredentials(config));
  await prisma.onModuleDestroy();
}
