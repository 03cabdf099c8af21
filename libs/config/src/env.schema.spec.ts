import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { ConfigValidationError, loadConfig } from './app-config';
import { EnvDto } from './env.schema';

const VALID = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/chuizi' };

/** Every variable EnvDto validates (every variable any app reads). */
function envVariables(): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(EnvDto, '', true, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))].sort();
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe(EnvDto.name, () => {
  it('accepts the minimal configuration and fills in the defaults', () => {
    const config = loadConfig(VALID);
    expect(config.ports).toEqual({ proxy: 3000, admin: 3001, worker: 3002 });
    expect(config.ops).toEqual({ metricsToken: undefined, shutdownGraceMs: 30_000, shutdownDelayMs: 0 });
    expect(config.logLevel).toBe('info');
  });

  it('names every bad or missing variable, each in its own line, in one error', () => {
    const bad = {
      REDIS_URL: 'http://127.0.0.1:6379',
      PROXY_PORT: '70000',
      DEFAULT_RPM: 'lots',
      LOG_LEVEL: 'loud',
      SHUTDOWN_GRACE_MS: '-1',
      SHUTDOWN_DELAY_MS: '1.5',
      METRICS_TOKEN: 'short',
      ADMIN_TOKEN: 'too-short',
      TRUST_PROXY: 'everyone',
      REDIS_KEY_PREFIX: 'has spaces',
    };
    const problems = problemsOf(bad); // DATABASE_URL missing too
    for (const name of ['DATABASE_URL', ...Object.keys(bad)]) {
      expect({ name, named: problems.some((problem) => problem.includes(name)) }).toEqual({ name, named: true });
    }
    expect(() => loadConfig(bad)).toThrow(/^Invalid configuration:\n {2}- /);
  });

  it.each([
    ['DB_POOL_MAX', '0'],
    ['BODY_LIMIT_BYTES', '10'],
    ['BODY_LIMIT_BYTES_OPENAI', 'large'],
    ['BODY_LIMIT_BYTES_ANTHROPIC', String(512 * 1024 * 1024)],
    ['JSON_OFFLOAD_BYTES', '-1'],
    ['JSON_WORKER_THREADS', '0'],
    ['UPSTREAM_TIMEOUT_S', 'soon'],
    ['STREAM_IDLE_TIMEOUT_MS', '99'],
    ['RESERVATION_STALE_AFTER_S', '1'],
    ['CACHE_TTL_MS', 'x'],
    ['INSTANCE_ID', 'has spaces in it'],
  ])('refuses %s=%j, naming it (and nothing else)', (name, value) => {
    const problems = problemsOf({ ...VALID, [name]: value });
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).toContain(name);
  });

  it('reads the admin API settings: docs access, and the failed-authentication limit and TRUST_PROXY of the proxy', () => {
    expect(loadConfig(VALID).admin).toEqual({
      bootstrapToken: undefined,
      authFailureLimit: 30,
      trustProxy: false,
      docsAccess: 'public',
    });
    const config = loadConfig({ ...VALID, ADMIN_DOCS_ACCESS: 'staff', AUTH_FAILURE_LIMIT: '7', TRUST_PROXY: '10.0.0.0/8' });
    expect(config.admin).toMatchObject({ authFailureLimit: 7, docsAccess: 'staff' });
    expect(config.admin.trustProxy).toEqual(config.proxy.trustProxy);
    expect(problemsOf({ ...VALID, ADMIN_DOCS_ACCESS: 'everyone' })).toEqual(['ADMIN_DOCS_ACCESS must be public or staff']);
  });

  it('holds in the Redis wallet unless BILLING_STORE=postgres, and refuses any other store', () => {
    expect(loadConfig(VALID).billing.store).toBe('wallet');
    expect(loadConfig({ ...VALID, BILLING_STORE: 'postgres' }).billing.store).toBe('postgres');
    expect(problemsOf({ ...VALID, BILLING_STORE: 'redis' })).toEqual(['BILLING_STORE must be postgres or wallet']);
  });

  it("limits bodies per protocol: the provider's own limit, BODY_LIMIT_BYTES for both, a protocol's own over it", () => {
    expect(loadConfig(VALID).proxy.bodyLimitBytes).toEqual({ openai: 50 * 1024 * 1024, anthropic: 32 * 1024 * 1024, gemini: 20 * 1024 * 1024 });
    expect(loadConfig({ ...VALID, BODY_LIMIT_BYTES: '65536' }).proxy.bodyLimitBytes).toEqual({ openai: 65_536, anthropic: 65_536, gemini: 65_536 });
    const both = loadConfig({ ...VALID, BODY_LIMIT_BYTES: '65536', BODY_LIMIT_BYTES_ANTHROPIC: '100000' });
    expect(both.proxy.bodyLimitBytes).toEqual({ openai: 65_536, anthropic: 100_000, gemini: 65_536 });
    expect(loadConfig({ ...VALID, BODY_LIMIT_BYTES_OPENAI: '2048' }).proxy.bodyLimitBytes).toEqual({ openai: 2_048, anthropic: 32 * 1024 * 1024, gemini: 20 * 1024 * 1024 });
  });

  it.each([
    ['DB_QUERY_TIMEOUT_MS', '99'],
    ['REDIS_COMMAND_TIMEOUT_MS', 'soon'],
    ['HOLD_HEARTBEAT_EVERY_MS', '50'],
    ['EXACT_COUNT_MAX_BYTES', '-1'],
    ['EXACT_COUNT_TIMEOUT_MS', '0'],
    ['TOKENIZER_THREADS', '0'],
  ])('refuses the money-path deadline %s=%j, naming it', (name, value) => {
    const problems = problemsOf({ ...VALID, [name]: value });
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).toContain(name);
  });

  it('reads the deadlines, the heartbeat and the exact-count limits', () => {
    const config = loadConfig({
      ...VALID,
      DB_QUERY_TIMEOUT_MS: '1500',
      REDIS_COMMAND_TIMEOUT_MS: '700',
      HOLD_HEARTBEAT_EVERY_MS: '1000',
      RESERVATION_STALE_AFTER_S: '3',
      EXACT_COUNT_MAX_BYTES: '1000',
      EXACT_COUNT_TIMEOUT_MS: '250',
      TOKENIZER_THREADS: '2',
    });
    expect(config.db.queryTimeoutMs).toBe(1_500);
    expect(config.redis.commandTimeoutMs).toBe(700);
    expect(config.billing).toMatchObject({
      heartbeatEveryMs: 1_000,
      reservationStaleAfterS: 3,
      exactCount: { maxBytes: 1_000, timeoutMs: 250, threads: 2 },
    });
  });

  it('refuses a stale window shorter than three heartbeats (the sweep would take live holds)', () => {
    expect(problemsOf({ ...VALID, HOLD_HEARTBEAT_EVERY_MS: '5000', RESERVATION_STALE_AFTER_S: '14' })).toEqual([
      'RESERVATION_STALE_AFTER_S must be at least 3 heartbeats (3 x HOLD_HEARTBEAT_EVERY_MS)',
    ]);
    expect(problemsOf({ ...VALID, HOLD_HEARTBEAT_EVERY_MS: '5000', RESERVATION_STALE_AFTER_S: '15' })).toEqual([]);
  });

  it('refuses a wallet deadline as long as a heartbeat interval (one slow beat would let a live hold expire)', () => {
    expect(problemsOf({ ...VALID, WALLET_HOLD_TTL_S: '3', WALLET_COMMAND_TIMEOUT_MS: '1000' })).toEqual([
      'WALLET_COMMAND_TIMEOUT_MS must be under a third of WALLET_HOLD_TTL_S (the heartbeat interval)',
    ]);
    expect(problemsOf({ ...VALID, WALLET_HOLD_TTL_S: '3', WALLET_COMMAND_TIMEOUT_MS: '999' })).toEqual([]);
  });

  it('reads the policy settings: the default markup 1.05, no per-model account limit, no private webhooks', () => {
    const config = loadConfig(VALID);
    expect(config.pricing).toEqual({ defaultMarkupMillionths: 1_050_000n });
    expect(config.proxy.defaultModelRpmPerAccount).toBe(0);
    expect(config.alerts).toEqual({ allowPrivateWebhooks: false, checkEveryMs: 5_000 });
    const set = loadConfig({
      ...VALID,
      PRICE_MARKUP: '1.2',
      DEFAULT_MODEL_RPM_PER_ACCOUNT: '30',
      ALERT_WEBHOOK_ALLOW_PRIVATE: 'true',
      ALERT_CHECK_EVERY_S: '2',
    });
    expect(set.pricing.defaultMarkupMillionths).toBe(1_200_000n);
    expect(set.proxy.defaultModelRpmPerAccount).toBe(30);
    expect(set.alerts).toEqual({ allowPrivateWebhooks: true, checkEveryMs: 2_000 });
  });

  it.each([
    ['PRICE_MARKUP', '1.0000001'],
    ['PRICE_MARKUP', '-1'],
    ['PRICE_MARKUP', '101'],
    ['PRICE_MARKUP', 'five percent'],
    ['DEFAULT_MODEL_RPM_PER_ACCOUNT', '-1'],
    ['ALERT_WEBHOOK_ALLOW_PRIVATE', 'yes'],
    ['ALERT_CHECK_EVERY_S', '0'],
  ])('refuses the policy setting %s=%j, naming it', (name, value) => {
    const problems = problemsOf({ ...VALID, [name]: value });
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).toContain(name);
  });

  it('listens on an IP address or a host name, and names HOST when it is neither (not a getaddrinfo error later)', () => {
    for (const host of ['0.0.0.0', '::', '127.0.0.1', 'localhost', 'proxy', 'gw-1.internal.example.com']) {
      expect(loadConfig({ ...VALID, HOST: host }).host).toBe(host);
    }
    for (const host of ['bad host', '999.1.1.1', 'http://0.0.0.0', '0.0.0.0:3000']) {
      expect(problemsOf({ ...VALID, HOST: host })).toEqual(['HOST must be an IP address or a host name (e.g. 0.0.0.0)']);
    }
  });

  it('reads METRICS_TOKEN and SHUTDOWN_DELAY_MS', () => {
    const config = loadConfig({ ...VALID, METRICS_TOKEN: 'a-long-enough-metrics-token', SHUTDOWN_DELAY_MS: '5000' });
    expect(config.ops).toMatchObject({ metricsToken: 'a-long-enough-metrics-token', shutdownDelayMs: 5_000 });
  });
});

describe('.env.example', () => {
  const example = readFileSync(join(__dirname, '..', '..', '..', '.env.example'), 'utf8');
  /** `NAME=value` lines, commented out (`# NAME=value`, an optional variable) or not. */
  const documented = new Map<string, { value: string; commented: boolean }>();
  for (const line of example.split('\n')) {
    const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) documented.set(match[2], { value: match[3], commented: match[1] !== undefined });
  }

  it('documents every variable the apps read', () => {
    const missing = envVariables().filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });

  it('shows the real default of each variable it sets', () => {
    const defaults = new EnvDto() as unknown as Record<string, unknown>;
    const wrong = envVariables()
      .filter((name) => defaults[name] !== undefined && documented.get(name) && !documented.get(name)!.commented)
      .filter((name) => String(defaults[name]) !== documented.get(name)!.value)
      .map((name) => `${name}: .env.example says ${documented.get(name)!.value}, default is ${String(defaults[name])}`);
    expect(wrong).toEqual([]);
  });
});
