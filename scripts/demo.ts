import { join } from 'node:path';
import { randomAlphanumeric } from '@gw/common';
import { loadConfig } from '@gw/config';
import { ChannelCredentials, PrismaService } from '@gw/db';
import { DemoProcesses, DemoService } from './demo-processes';
import { ensureDatabase, migrateDeploy } from './ensure-database';
import { createKey, seedCatalog, seedDemoAccount } from './seed';

/**
 * `npm run demo`: database, migrations, seed, then the mock upstream, proxy, admin and worker as child processes,
 * and, once all of them answer, a banner with the demo key, the admin token and a ready curl. Ctrl-C stops everything.
 *
 * `npm run dev` (`--watch`): the same, plus one swc compiler watching apps/, libs/ and scripts/, and every app run
 * under `node --watch`, so that a saved change is compiled once and restarts the apps that load it.
 */
const WATCH = process.argv.includes('--watch');
// This file runs as <dist>/scripts/demo.js: the repository root is two levels up.
const ROOT = join(__dirname, '..', '..');
const DIST = join(__dirname, '..');
const DEFAULTS = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/chuizi',
  REDIS_URL: 'redis://127.0.0.1:6379',
  MOCK_UPSTREAM_PORT: '3900',
};

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...DEFAULTS, ...process.env };
  env.ADMIN_TOKEN ??= `adm-${randomAlphanumeric(40)}`;
  // Lines for a person reading the terminal (production keeps JSON, the default).
  env.LOG_FORMAT ??= 'pretty';
  // A local demo against the mock may keep channel credentials in clear (the apps refuse to otherwise); set
  // CHANNEL_CREDENTIALS_KEY to run it as production does.
  const plaintextCredentials = !env.CHANNEL_CREDENTIALS_KEY;
  if (plaintextCredentials) env.ALLOW_PLAINTEXT_CREDENTIALS = 'true';
  // Balance alerts may go to a receiver on this machine (e.g. `npx http-echo-server`): the demo is all local.
  env.ALERT_WEBHOOK_ALLOW_PRIVATE ??= 'true';
  // Run with those development opt-ins, the demo listens on this machine only (the apps' own default is every
  // interface, for containers); HOST=0.0.0.0 (and MOCK_UPSTREAM_HOST) open it to the network.
  env.HOST ??= '127.0.0.1';
  env.MOCK_UPSTREAM_HOST ??= '127.0.0.1';
  const upstreamUrl = env.MOCK_UPSTREAM_URL ?? `http://127.0.0.1:${env.MOCK_UPSTREAM_PORT}`;
  const config = loadConfig(env);

  console.log('• database');
  await ensureDatabase(config.db.url);
  migrateDeploy(config.db.url, ROOT);
  const prisma = new PrismaService(config);
  await prisma.onModuleInit();
  await seedCatalog(prisma, upstreamUrl, new ChannelCredentials(config));
  const accountId = await seedDemoAccount(prisma);
  const demoKey = await createKey(prisma, accountId, `demo ${new Date().toISOString()}`);
  await prisma.onModuleDestroy();

  const processes = new DemoProcesses({ cwd: ROOT, env, onAllExited: () => process.exit(0) });
  const stop = () => void processes.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  if (WATCH) {
    console.log('• compiler (watching apps/, libs/, scripts/)');
    const swc = join(ROOT, 'node_modules', '.bin', 'swc');
    const compiler = processes.run('swc', swc, ['apps', 'libs', 'scripts', '-d', DIST, '--watch', '--ignore', '**/*.spec.ts'], 'pipe');
    compiler.stdout!.pipe(process.stdout);
    compiler.stderr!.pipe(process.stderr);
    // Its first pass rewrites every file: start the apps after it, or each would restart at once.
    await new Promise<void>((resolve, reject) => {
      const onOutput = (chunk: Buffer) => /Successfully compiled/.test(chunk.toString()) && resolve();
      compiler.stdout!.on('data', onOutput);
      compiler.stderr!.on('data', onOutput);
      compiler.once('exit', (code) => reject(new Error(`the compiler exited (${code})`)));
    });
  }
  const app = (name: string, script: string, port: number, readyPath: string): DemoService => ({
    name,
    command: process.execPath,
    args: WATCH ? ['--watch', join(DIST, script)] : [join(DIST, script)],
    healthUrl: `http://127.0.0.1:${port}${readyPath}`,
  });
  await processes.startInOrder(
    [
      // The mock speaks only the providers' protocols (and its own control routes), no /healthz.
      app('mock-upstream', 'apps/mock-upstream/src/main.js', Number(env.MOCK_UPSTREAM_PORT), '/__mock/stats'),
      app('proxy', 'apps/proxy/src/main.js', config.ports.proxy, '/readyz'),
      app('admin', 'apps/admin/src/main.js', config.ports.admin, '/readyz'),
      app('worker', 'apps/worker/src/main.js', config.ports.worker, '/readyz'),
    ],
    (service) => console.log(`• ${service.name}`),
  );

  const proxy = `http://127.0.0.1:${config.ports.proxy}`;
  console.log(`
Chuizi Gateway is up (demo account: $10.00; upstream: the built-in mock at ${upstreamUrl}).${
    plaintextCredentials
      ? '\nChannel credentials are stored in clear (ALLOW_PLAINTEXT_CREDENTIALS=true): a demo only, see the README.'
      : ''
  }

  Demo API key (shown once):  ${demoKey}
  Admin token:                ${env.ADMIN_TOKEN}
  Proxy:                      ${proxy}   (OpenAI: ${proxy}/v1, Anthropic: ${proxy}/anthropic, Gemini: ${proxy}/gemini)
  Admin API:                  http://127.0.0.1:${config.ports.admin}/admin/v1   (docs: /admin/docs)
  Staff console:              http://127.0.0.1:${config.ports.admin}/console   (sign in with the admin token)

Try it:

  curl ${proxy}/v1/chat/completions \\
    -H "Authorization: Bearer ${demoKey}" -H "Content-Type: application/json" \\
    -d '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"Hello!"}]}'

  curl http://127.0.0.1:${config.ports.admin}/admin/v1/accounts/${accountId}/ledger -H "Authorization: Bearer ${env.ADMIN_TOKEN}"

${WATCH ? 'Watching: a saved change is compiled and the apps that load it restart.\n' : ''}Ctrl-C stops everything.
`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
