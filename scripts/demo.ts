import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { randomAlphanumeric } from '@gw/common';
import { loadConfig } from '@gw/config';
import { ChannelCredentials, PrismaService } from '@gw/db';
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

interface Service {
  name: string;
  script: string;
  port: number;
  /** Answers 200 once the service is up. */
  readyPath: string;
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not become healthy within ${timeoutMs} ms`);
}

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

  const services: Service[] = [
    // The mock speaks only the providers' protocols (and its own control routes), no /healthz.
    { name: 'mock-upstream', script: 'apps/mock-upstream/src/main.js', port: Number(env.MOCK_UPSTREAM_PORT), readyPath: '/__mock/stats' },
    { name: 'proxy', script: 'apps/proxy/src/main.js', port: config.ports.proxy, readyPath: '/readyz' },
    { name: 'admin', script: 'apps/admin/src/main.js', port: config.ports.admin, readyPath: '/readyz' },
    { name: 'worker', script: 'apps/worker/src/main.js', port: config.ports.worker, readyPath: '/readyz' },
  ];
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const child of children) child.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const run = (name: string, command: string, args: string[], output: 'inherit' | 'pipe' = 'inherit') => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', output, output] });
    children.push(child);
    child.on('exit', (code, signal) => {
      // SIGTERM drains and exits 0 (docs/operations.md); anything else is worth saying.
      if (code !== 0 && signal !== 'SIGTERM') console.error(`${name} exited (${code ?? signal})`);
      if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(0);
    });
    return child;
  };

  if (WATCH) {
    console.log('• compiler (watching apps/, libs/, scripts/)');
    const swc = join(ROOT, 'node_modules', '.bin', 'swc');
    const compiler = run('swc', swc, ['apps', 'libs', 'scripts', '-d', DIST, '--watch', '--ignore', '**/*.spec.ts'], 'pipe');
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
  for (const service of services) {
    console.log(`• ${service.name}`);
    const script = join(DIST, service.script);
    const child = run(service.name, process.execPath, WATCH ? ['--watch', script] : [script]);
    await waitForHealth(`http://127.0.0.1:${service.port}${service.readyPath}`, child);
  }

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
