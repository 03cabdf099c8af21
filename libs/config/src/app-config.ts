import { hostname } from 'node:os';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { EnvDto } from './env.schema';
import { parseCredentialsKey } from './credentials-key';
import { parseTrustProxy, TrustProxy } from './trust-proxy';

/** The validated, typed configuration every app receives (never process.env directly). */
export interface AppConfig {
  instanceId: string;
  host: string;
  logLevel: string;
  /** queryTimeoutMs: the deadline of every PostgreSQL call (connection and query). */
  db: { url: string; poolMax: number; queryTimeoutMs: number };
  /** commandTimeoutMs: the deadline of every Redis command (and of connecting). */
  redis: { url: string; keyPrefix: string; commandTimeoutMs: number };
  ports: { proxy: number; admin: number; worker: number };
  admin: { bootstrapToken: string | undefined };
  proxy: {
    defaultRpm: number;
    authFailureLimit: number;
    rateLimitWindowMs: number;
    trustProxy: TrustProxy;
    bodyLimitBytes: number;
    upstreamTimeoutS: number;
    streamIdleTimeoutMs: number;
    maxInflightRequests: number;
    shutdownGraceMs: number;
    /** Per channel and per proxy instance (docs/upstreams.md). */
    breaker: { failureThreshold: number; windowMs: number; cooldownMs: number };
  };
  /** The key sealing channel credentials at rest (null: stored as given). Never log it. */
  channels: { credentialsKey: Buffer | null };
  billing: {
    reservationStaleAfterS: number;
    sweepEverySeconds: number;
    heartbeatEveryMs: number;
    /** Exact token counts (worker threads) when the byte bound alone would be refused. */
    exactCount: { maxBytes: number; timeoutMs: number; threads: number };
  };
  worker: {
    jobLockMs: number;
    reconcileBatchSize: number;
    reconcileBatchPauseMs: number;
    usageRollupEverySeconds: number;
  };
  cache: { ttlMs: number };
  /** Metrics, logs and shutdown of every app (docs/operations.md). */
  ops: { metricsToken: string | undefined; shutdownGraceMs: number; shutdownDelayMs: number };
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? message : `${error.property}: ${message}`,
    ),
  );
}

/** Rules between variables, checked once each is valid on its own. */
function crossFieldProblems(dto: EnvDto): string[] {
  const problems: string[] = [];
  const heartbeat = dto.HOLD_HEARTBEAT_EVERY_MS;
  const stale = dto.RESERVATION_STALE_AFTER_S;
  // A hold must survive a couple of missed or slow heartbeats before the sweep may take it from a live request.
  if (Number.isInteger(heartbeat) && Number.isInteger(stale) && stale * 1000 < 3 * heartbeat) {
    problems.push('RESERVATION_STALE_AFTER_S must be at least 3 heartbeats (3 x HOLD_HEARTBEAT_EVERY_MS)');
  }
  return problems;
}

/** Validates the environment and returns the typed config; throws listing every bad or missing variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const dto = plainToInstance(EnvDto, defined, { exposeDefaultValues: true });
  const errors = validateSync(dto, { whitelist: true, forbidUnknownValues: false });
  const problems = [...describe(errors), ...crossFieldProblems(dto)];
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return {
    instanceId: dto.INSTANCE_ID ?? `${hostname()}:${process.pid}`,
    host: dto.HOST,
    logLevel: dto.LOG_LEVEL,
    db: { url: dto.DATABASE_URL, poolMax: dto.DB_POOL_MAX, queryTimeoutMs: dto.DB_QUERY_TIMEOUT_MS },
    redis: { url: dto.REDIS_URL, keyPrefix: dto.REDIS_KEY_PREFIX, commandTimeoutMs: dto.REDIS_COMMAND_TIMEOUT_MS },
    ports: { proxy: dto.PROXY_PORT, admin: dto.ADMIN_PORT, worker: dto.WORKER_PORT },
    admin: { bootstrapToken: dto.ADMIN_TOKEN },
    proxy: {
      defaultRpm: dto.DEFAULT_RPM,
      authFailureLimit: dto.AUTH_FAILURE_LIMIT,
      rateLimitWindowMs: dto.RATE_LIMIT_WINDOW_S * 1000,
      trustProxy: parseTrustProxy(dto.TRUST_PROXY)!,
      bodyLimitBytes: dto.BODY_LIMIT_BYTES,
      upstreamTimeoutS: dto.UPSTREAM_TIMEOUT_S,
      streamIdleTimeoutMs: dto.STREAM_IDLE_TIMEOUT_MS,
      maxInflightRequests: dto.MAX_INFLIGHT_REQUESTS,
      shutdownGraceMs: dto.SHUTDOWN_GRACE_MS,
      breaker: {
        failureThreshold: dto.BREAKER_FAILURE_THRESHOLD,
        windowMs: dto.BREAKER_WINDOW_MS,
        cooldownMs: dto.BREAKER_COOLDOWN_MS,
      },
    },
    channels: {
      credentialsKey: dto.CHANNEL_CREDENTIALS_KEY === undefined ? null : parseCredentialsKey(dto.CHANNEL_CREDENTIALS_KEY),
    },
    billing: {
      reservationStaleAfterS: dto.RESERVATION_STALE_AFTER_S,
      sweepEverySeconds: dto.RESERVATION_SWEEP_EVERY_S,
      heartbeatEveryMs: dto.HOLD_HEARTBEAT_EVERY_MS,
      exactCount: { maxBytes: dto.EXACT_COUNT_MAX_BYTES, timeoutMs: dto.EXACT_COUNT_TIMEOUT_MS, threads: dto.TOKENIZER_THREADS },
    },
    worker: {
      jobLockMs: dto.JOB_LOCK_MS,
      reconcileBatchSize: dto.RECONCILE_BATCH_SIZE,
      reconcileBatchPauseMs: dto.RECONCILE_BATCH_PAUSE_MS,
      usageRollupEverySeconds: dto.USAGE_ROLLUP_EVERY_S,
    },
    cache: { ttlMs: dto.CACHE_TTL_MS },
    ops: { metricsToken: dto.METRICS_TOKEN, shutdownGraceMs: dto.SHUTDOWN_GRACE_MS, shutdownDelayMs: dto.SHUTDOWN_DELAY_MS },
  };
}
