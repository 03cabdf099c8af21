import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BenchPolicy } from './bench-database';

export type TargetName = 'direct' | 'passthrough' | 'proxy' | 'portkey';
export type ScenarioName = 'saturation' | 'fixed-rate' | 'streaming' | 'streaming-fixed-rate';

export const ALL_TARGETS: readonly TargetName[] = ['direct', 'passthrough', 'proxy', 'portkey'];
export const ALL_SCENARIOS: readonly ScenarioName[] = ['saturation', 'fixed-rate', 'streaming', 'streaming-fixed-rate'];

/** Everything a run depends on, read once from BENCH_* variables (documented in bench/README.md). */
export interface BenchConfig {
  /** Repository root: the bench runs from `npm run bench`, whose working directory is the package root. */
  rootDir: string;
  /** Where the compiled apps are (the folder this file was compiled into). */
  distDir: string;
  resultsDir: string;
  durationS: number;
  warmupS: number;
  rounds: number;
  /** Connections of the saturation scenario (closed loop: each sends its next request when the last one is done). */
  connections: number;
  /** Requests per second of the fixed-rate scenario (open loop: requests leave on schedule, whatever the answers). */
  rate: number;
  streamConnections: number;
  /** Streams per second of the streaming-fixed-rate scenario (open loop, like the fixed-rate one). */
  streamRate: number;
  /**
   * Pause of the mock between two frames in the streaming-fixed-rate scenario, as a model emits tokens over time: the
   * first content chunk then leaves the mock well before the last, so a gateway that held it back would show.
   */
  streamChunkDelayMs: number;
  /** Content chunks per streamed answer (and output tokens per answer in every scenario). */
  outputTokens: number;
  /** Words in the prompt (0 = the short built-in one, about 60); large values mimic agents' long contexts. */
  promptWords: number;
  targets: TargetName[];
  scenarios: ScenarioName[];
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  /** BILLING_STORE of the proxy (c); `wallet` runs a worker beside it, whose ledger writer the books check needs. */
  billingStore: 'postgres' | 'wallet';
  /**
   * The key and account policy of (c) (bench-database.ts, BenchPolicy): `all` (every control of spec/policy.md on, at
   * limits the run cannot reach) or `rpm` (the key's requests per minute only), to measure what the rest costs.
   */
  policy: BenchPolicy;
  /** CHANNEL_CREDENTIALS_KEY of the run (fresh each run, as the database is): credentials sealed as in production. */
  credentialsKey: string;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

function nonNegativeInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return value;
}

function list<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[]): T[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [...allowed];
  const picked = raw.split(',').map((item) => item.trim()).filter(Boolean);
  const unknown = picked.filter((item) => !allowed.includes(item as T));
  if (unknown.length > 0) throw new Error(`${name}: unknown ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`);
  // Keep the canonical order, whatever order they were listed in: the report reads left to right the same way.
  return allowed.filter((item) => picked.includes(item));
}

function benchPolicy(raw: string | undefined): BenchPolicy {
  if (raw === undefined || raw === '' || raw === 'all') return 'all';
  if (raw === 'rpm') return 'rpm';
  throw new Error(`BENCH_POLICY must be all or rpm, got '${raw}'`);
}

function billingStore(raw: string | undefined): 'postgres' | 'wallet' {
  // The proxy's own default (BILLING_STORE): the wallet.
  if (raw === undefined || raw === '' || raw === 'wallet') return 'wallet';
  if (raw === 'postgres') return 'postgres';
  throw new Error(`BENCH_BILLING_STORE must be postgres or wallet, got '${raw}'`);
}

export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const rootDir = process.cwd();
  const outputTokens = positiveInt(env, 'BENCH_OUTPUT_TOKENS', 16);
  if (outputTokens > 4096) throw new Error('BENCH_OUTPUT_TOKENS must be at most 4096');
  return {
    rootDir,
    distDir: join(__dirname, '..', '..'),
    resultsDir: env.BENCH_RESULTS_DIR || join(rootDir, 'bench', 'results'),
    // 4 s and 1 s (5 s and 2 s before the streaming-fixed-rate scenario came) keep the whole run at about 4 minutes.
    durationS: positiveInt(env, 'BENCH_DURATION_S', 4),
    warmupS: nonNegativeInt(env, 'BENCH_WARMUP_S', 1),
    rounds: positiveInt(env, 'BENCH_ROUNDS', 3),
    connections: positiveInt(env, 'BENCH_CONNECTIONS', 32),
    rate: positiveInt(env, 'BENCH_RATE', 300),
    streamConnections: positiveInt(env, 'BENCH_STREAM_CONNECTIONS', 32),
    streamRate: positiveInt(env, 'BENCH_STREAM_RATE', 50),
    streamChunkDelayMs: nonNegativeInt(env, 'BENCH_STREAM_CHUNK_DELAY_MS', 10),
    outputTokens,
    promptWords: nonNegativeInt(env, 'BENCH_PROMPT_WORDS', 0),
    targets: list(env, 'BENCH_TARGETS', ALL_TARGETS),
    scenarios: list(env, 'BENCH_SCENARIOS', ALL_SCENARIOS),
    databaseUrl: env.BENCH_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/chuizi_bench',
    redisUrl: env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
    redisPrefix: env.BENCH_REDIS_PREFIX || 'gwbench:',
    billingStore: billingStore(env.BENCH_BILLING_STORE),
    policy: benchPolicy(env.BENCH_POLICY),
    credentialsKey: randomBytes(32).toString('hex'),
  };
}
