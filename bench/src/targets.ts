import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { BenchConfig, TargetName } from './bench-config';
import { BENCH_RPM, prepareBenchDatabase } from './bench-database';
import { ChildApp, listeningLine } from './child-app';

/** A server the load generator drives: where it listens and what it needs on each request to route it. */
export interface Target {
  name: TargetName;
  label: string;
  url: string;
  /** Headers this target needs on top of the common request (Portkey's routing headers). */
  extraHeaders: Record<string, string>;
  /** The process serving it (direct: the mock upstream itself, which the bench stops separately). */
  app: ChildApp | null;
}

export const TARGET_LABELS: Record<TargetName, string> = {
  direct: '(a) upstream direct',
  passthrough: '(b) Fastify + undici passthrough',
  proxy: '(c) Chuizi proxy (all features on)',
  portkey: '(d) Portkey gateway',
};

/** The same production-like environment for every Node server of the run (no dev-mode extras anywhere). */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...extra };
}

export async function startMockUpstream(config: BenchConfig): Promise<ChildApp> {
  return ChildApp.start({
    name: 'mock-upstream',
    args: [join(config.distDir, 'apps', 'mock-upstream', 'src', 'main.js')],
    env: baseEnv({ MOCK_UPSTREAM_PORT: '0', MOCK_UPSTREAM_HOST: '127.0.0.1' }),
    ready: listeningLine,
  });
}

export function proxyEnv(config: BenchConfig): Record<string, string> {
  return {
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    REDIS_KEY_PREFIX: config.redisPrefix,
    HOST: '127.0.0.1',
    PROXY_PORT: '0',
    INSTANCE_ID: 'bench-proxy',
    DEFAULT_RPM: String(BENCH_RPM),
    // Every load-generator connection comes from 127.0.0.1; no request of the run fails authentication anyway.
    AUTH_FAILURE_LIMIT: '1000000',
    // The runs measure latency at a fixed concurrency, saturation included: shedding would answer part of it 503.
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    LOG_LEVEL: 'warn',
    CHANNEL_CREDENTIALS_KEY: config.credentialsKey,
    BILLING_STORE: config.billingStore,
  };
}

export async function startProxy(config: BenchConfig, nodeFlags: string[] = []): Promise<ChildApp> {
  return ChildApp.start({
    name: 'proxy',
    args: [...nodeFlags, join(config.distDir, 'apps', 'proxy', 'src', 'main.js')],
    env: baseEnv(proxyEnv(config)),
    ready: listeningLine,
  });
}

/**
 * The proxy alone with what it serves from, for the benches that drive it by itself (translate-stage, translate-stall):
 * the mock upstream, the seeded bench database, the proxy and, on the wallet, the worker that writes its ledger. Each
 * process is added to `apps` as it starts, so that the caller stops them all (in reverse) even when a later one fails.
 */
export async function startProxyAlone(config: BenchConfig, apps: ChildApp[], nodeFlags: string[] = []): Promise<{ proxy: ChildApp; apiKey: string }> {
  const mock = await startMockUpstream(config);
  apps.push(mock);
  const seed = await prepareBenchDatabase(config.databaseUrl, config.rootDir, mock.url, config.credentialsKey, config.policy);
  const proxy = await startProxy(config, nodeFlags);
  apps.push(proxy);
  if (config.billingStore === 'wallet') apps.push(await startWorker(config));
  return { proxy, apiKey: seed.apiKey };
}

/** The worker of a proxy on the wallet: its ledger writer writes the settlements to PostgreSQL (and its sweeps run). */
export async function startWorker(config: BenchConfig): Promise<ChildApp> {
  return ChildApp.start({
    name: 'worker',
    args: [join(config.distDir, 'apps', 'worker', 'src', 'main.js')],
    env: baseEnv({ ...proxyEnv(config), WORKER_PORT: '0', INSTANCE_ID: 'bench-worker' }),
    ready: listeningLine,
  });
}

export async function startPassthrough(config: BenchConfig, upstreamUrl: string, nodeFlags: string[] = []): Promise<ChildApp> {
  return ChildApp.start({
    name: 'passthrough',
    args: [...nodeFlags, join(config.distDir, 'bench', 'passthrough', 'main.js')],
    env: baseEnv({ UPSTREAM_URL: upstreamUrl, PASSTHROUGH_PORT: '0', PASSTHROUGH_HOST: '127.0.0.1' }),
    ready: listeningLine,
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Portkey's open-source gateway as its npm package runs it (`npx @portkey-ai/gateway`): the Hono server in
 * build/start-server.js. It takes no port 0 and prints no bound address, so it gets a port picked here and is ready
 * when `GET /` answers. `--headless` leaves out its web UI and log stream.
 */
export async function startPortkey(config: BenchConfig): Promise<ChildApp> {
  let packageJson: string;
  try {
    packageJson = require.resolve('@portkey-ai/gateway/package.json', { paths: [config.rootDir] });
  } catch {
    throw new Error('@portkey-ai/gateway is not installed: run `npm ci` first (it is a devDependency)');
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return ChildApp.start({
    name: 'portkey',
    args: [join(dirname(packageJson), 'build', 'start-server.js'), `--port=${port}`, '--headless'],
    env: baseEnv({}),
    ready: async () => {
      try {
        const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(1_000) });
        return response.ok ? url : null;
      } catch {
        return null;
      }
    },
  });
}

/** Portkey routes by headers: the provider's adapter, and a custom host in place of api.openai.com/v1. */
export function portkeyHeaders(upstreamUrl: string): Record<string, string> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamUrl}/v1` };
}
