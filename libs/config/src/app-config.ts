import { hostname } from 'node:os';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { parseMarkup } from '@gw/common';
import { EnvDto } from './env.schema';
import { parseCredentialsKey } from './credentials-key';
import { parseRedisClusterNodes, RedisNode } from './redis-cluster-nodes';
import { parseTrustProxy, TrustProxy } from './trust-proxy';

/** The validated, typed configuration every app receives (never process.env directly). */
export interface AppConfig {
  instanceId: string;
  host: string;
  logLevel: string;
  /** Log output of every app (docs/operations.md, "Logs"). */
  log: { format: 'json' | 'pretty'; refusalIntervalMs: number };
  /** queryTimeoutMs: the deadline of every PostgreSQL call (connection and query). */
  db: { url: string; poolMax: number; queryTimeoutMs: number };
  /** commandTimeoutMs: the deadline of every Redis command (and of connecting). */
  redis: { url: string; keyPrefix: string; commandTimeoutMs: number };
  ports: { proxy: number; admin: number; worker: number };
  admin: {
    bootstrapToken: string | undefined;
    /** Failed staff authentications per client address per minute (AUTH_FAILURE_LIMIT, as on the proxy). */
    authFailureLimit: number;
    /** Who the client is behind load balancers (TRUST_PROXY, as on the proxy). */
    trustProxy: TrustProxy;
    docsAccess: 'public' | 'staff';
  };
  /** Charged price = upstream price x markup (libs/catalog, model-prices.ts). */
  pricing: { defaultMarkupMillionths: bigint };
  proxy: {
    defaultRpm: number;
    /** Requests per minute of one account on a model without an rpmPerAccount of its own; 0: no limit. */
    defaultModelRpmPerAccount: number;
    /** Seconds a finished request's generation is kept in Redis for GET /v1/generation, until its settlement lands. */
    generationRecordTtlS: number;
    authFailureLimit: number;
    rateLimitWindowMs: number;
    trustProxy: TrustProxy;
    /** Largest request body per protocol, in bytes (413 above it). */
    bodyLimitBytes: Record<'openai' | 'anthropic' | 'gemini', number>;
    /** Large bodies are parsed and serialised in worker threads (apps/proxy/src/validation/json-offload.ts). */
    json: { offloadBytes: number; workerThreads: number };
    upstreamTimeoutS: number;
    streamIdleTimeoutMs: number;
    maxInflightRequests: number;
    /** 0: off. */
    overloadMaxEventLoopDelayMs: number;
    headersTimeoutMs: number;
    bodyTimeoutMs: number;
    upstreamPool: { connections: number; queueTimeoutMs: number };
    shutdownGraceMs: number;
    /** Per channel and per proxy instance (docs/upstreams.md). */
    breaker: { failureThreshold: number; windowMs: number; cooldownMs: number };
  };
  /**
   * The key sealing channel credentials at rest (null: stored as given, which the apps refuse unless
   * `allowPlaintext`; see assertCredentialsProtected). Never log it.
   */
  channels: { credentialsKey: Buffer | null; allowPlaintext: boolean };
  billing: {
    /** The proxy's money store (BILLING_STORE): PostgreSQL reservations, or the Redis wallet. */
    store: 'postgres' | 'wallet';
    reservationStaleAfterS: number;
    sweepEverySeconds: number;
    heartbeatEveryMs: number;
    /** Exact token counts (worker threads) when the byte bound alone would be refused. */
    exactCount: { maxBytes: number; timeoutMs: number; threads: number };
  };
  /** The Redis wallet (libs/wallet; README, "Billing"). */
  wallet: {
    redisUrl: string;
    /** Seed nodes of a Redis Cluster; null: one Redis at redisUrl. */
    clusterNodes: RedisNode[] | null;
    shards: number;
    commandTimeoutMs: number;
    holdTtlMs: number;
    sweepEverySeconds: number;
    writer: { batchSize: number; pollMs: number; gatherMs: number; claimIdleMs: number; retentionMs: number };
  };
  worker: {
    jobLockMs: number;
    reconcileBatchSize: number;
    reconcileBatchPauseMs: number;
    usageRollupEverySeconds: number;
  };
  /** Balance alerts (worker: crossing checks and webhook deliveries; admin: webhook URL checks). */
  alerts: { allowPrivateWebhooks: boolean; checkEveryMs: number };
  cache: { ttlMs: number };
  /** Metrics, logs and shutdown of every app (docs/operations.md). */
  ops: { metricsToken: string | undefined; shutdownGraceMs: number; shutdownDelayMs: number };
}

/**
 * The providers' own request size limits, the default body limits: Anthropic takes 32 MB per Messages request;
 * OpenAI takes up to 50 MB of images in one request; Gemini takes 20 MB of inline data per generateContent request.
 */
const PROVIDER_BODY_LIMIT_BYTES = { openai: 50 * 1024 * 1024, anthropic: 32 * 1024 * 1024, gemini: 20 * 1024 * 1024 } as const;

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

/** How often the wallet beats a process's open holds: a third of their TTL, so that two missed beats are survived. */
export function walletHeartbeatEveryMs(holdTtlMs: number): number {
  return Math.max(100, Math.floor(holdTtlMs / 3));
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
  // A beat that may take longer than a heartbeat interval (its deadline) lets a live request's hold expire after one
  // failed beat: the sweep would close it while the request still runs.
  const walletTimeout = dto.WALLET_COMMAND_TIMEOUT_MS;
  const holdTtl = dto.WALLET_HOLD_TTL_S;
  if (Number.isInteger(walletTimeout) && Number.isInteger(holdTtl) && walletTimeout >= walletHeartbeatEveryMs(holdTtl * 1000)) {
    problems.push('WALLET_COMMAND_TIMEOUT_MS must be under a third of WALLET_HOLD_TTL_S (the heartbeat interval)');
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
    log: { format: dto.LOG_FORMAT, refusalIntervalMs: dto.REFUSAL_LOG_INTERVAL_MS },
    db: { url: dto.DATABASE_URL, poolMax: dto.DB_POOL_MAX, queryTimeoutMs: dto.DB_QUERY_TIMEOUT_MS },
    redis: { url: dto.REDIS_URL, keyPrefix: dto.REDIS_KEY_PREFIX, commandTimeoutMs: dto.REDIS_COMMAND_TIMEOUT_MS },
    ports: { proxy: dto.PROXY_PORT, admin: dto.ADMIN_PORT, worker: dto.WORKER_PORT },
    admin: {
      bootstrapToken: dto.ADMIN_TOKEN,
      authFailureLimit: dto.AUTH_FAILURE_LIMIT,
      trustProxy: parseTrustProxy(dto.TRUST_PROXY)!,
      docsAccess: dto.ADMIN_DOCS_ACCESS as 'public' | 'staff',
    },
    pricing: { defaultMarkupMillionths: parseMarkup(dto.PRICE_MARKUP)! },
    proxy: {
      defaultRpm: dto.DEFAULT_RPM,
      defaultModelRpmPerAccount: dto.DEFAULT_MODEL_RPM_PER_ACCOUNT,
      generationRecordTtlS: dto.GENERATION_RECORD_TTL_S,
      authFailureLimit: dto.AUTH_FAILURE_LIMIT,
      rateLimitWindowMs: dto.RATE_LIMIT_WINDOW_S * 1000,
      trustProxy: parseTrustProxy(dto.TRUST_PROXY)!,
      bodyLimitBytes: {
        openai: dto.BODY_LIMIT_BYTES_OPENAI ?? dto.BODY_LIMIT_BYTES ?? PROVIDER_BODY_LIMIT_BYTES.openai,
        anthropic: dto.BODY_LIMIT_BYTES_ANTHROPIC ?? dto.BODY_LIMIT_BYTES ?? PROVIDER_BODY_LIMIT_BYTES.anthropic,
        gemini: dto.BODY_LIMIT_BYTES_GEMINI ?? dto.BODY_LIMIT_BYTES ?? PROVIDER_BODY_LIMIT_BYTES.gemini,
      },
      json: { offloadBytes: dto.JSON_OFFLOAD_BYTES, workerThreads: dto.JSON_WORKER_THREADS },
      upstreamTimeoutS: dto.UPSTREAM_TIMEOUT_S,
      streamIdleTimeoutMs: dto.STREAM_IDLE_TIMEOUT_MS,
      maxInflightRequests: dto.MAX_INFLIGHT_REQUESTS,
      overloadMaxEventLoopDelayMs: dto.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
      headersTimeoutMs: dto.HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: dto.BODY_TIMEOUT_MS,
      upstreamPool: { connections: dto.UPSTREAM_POOL_CONNECTIONS, queueTimeoutMs: dto.UPSTREAM_POOL_QUEUE_TIMEOUT_MS },
      shutdownGraceMs: dto.SHUTDOWN_GRACE_MS,
      breaker: {
        failureThreshold: dto.BREAKER_FAILURE_THRESHOLD,
        windowMs: dto.BREAKER_WINDOW_MS,
        cooldownMs: dto.BREAKER_COOLDOWN_MS,
      },
    },
    channels: {
      credentialsKey: dto.CHANNEL_CREDENTIALS_KEY === undefined ? null : parseCredentialsKey(dto.CHANNEL_CREDENTIALS_KEY),
      allowPlaintext: dto.ALLOW_PLAINTEXT_CREDENTIALS === 'true',
    },
    billing: {
      store: dto.BILLING_STORE,
      reservationStaleAfterS: dto.RESERVATION_STALE_AFTER_S,
      sweepEverySeconds: dto.RESERVATION_SWEEP_EVERY_S,
      heartbeatEveryMs: dto.HOLD_HEARTBEAT_EVERY_MS,
      exactCount: { maxBytes: dto.EXACT_COUNT_MAX_BYTES, timeoutMs: dto.EXACT_COUNT_TIMEOUT_MS, threads: dto.TOKENIZER_THREADS },
    },
    wallet: {
      redisUrl: dto.WALLET_REDIS_URL ?? dto.REDIS_URL,
      clusterNodes: dto.WALLET_REDIS_CLUSTER_NODES ? parseRedisClusterNodes(dto.WALLET_REDIS_CLUSTER_NODES) : null,
      shards: dto.WALLET_SHARDS,
      commandTimeoutMs: dto.WALLET_COMMAND_TIMEOUT_MS,
      holdTtlMs: dto.WALLET_HOLD_TTL_S * 1000,
      sweepEverySeconds: dto.WALLET_SWEEP_EVERY_S,
      writer: {
        batchSize: dto.WALLET_WRITER_BATCH,
        pollMs: dto.WALLET_WRITER_POLL_MS,
        gatherMs: dto.WALLET_WRITER_GATHER_MS,
        claimIdleMs: dto.WALLET_WRITER_CLAIM_IDLE_MS,
        retentionMs: dto.WALLET_EVENTS_RETENTION_S * 1000,
      },
    },
    worker: {
      jobLockMs: dto.JOB_LOCK_MS,
      reconcileBatchSize: dto.RECONCILE_BATCH_SIZE,
      reconcileBatchPauseMs: dto.RECONCILE_BATCH_PAUSE_MS,
      usageRollupEverySeconds: dto.USAGE_ROLLUP_EVERY_S,
    },
    alerts: { allowPrivateWebhooks: dto.ALERT_WEBHOOK_ALLOW_PRIVATE === 'true', checkEveryMs: dto.ALERT_CHECK_EVERY_S * 1000 },
    cache: { ttlMs: dto.CACHE_TTL_MS },
    ops: { metricsToken: dto.METRICS_TOKEN, shutdownGraceMs: dto.SHUTDOWN_GRACE_MS, shutdownDelayMs: dto.SHUTDOWN_DELAY_MS },
  };
}

/**
 * Every app (proxy, admin, worker) refuses to serve a deployment that would keep provider credentials in clear: it
 * needs CHANNEL_CREDENTIALS_KEY, or an explicit ALLOW_PLAINTEXT_CREDENTIALS=true (development, the demo). Checked when
 * an app builds its module (ConfigModule.forRoot), not by loadConfig, so that scripts and tests that only read the
 * configuration are not held to it.
 */
export function assertCredentialsProtected(config: AppConfig): void {
  if (config.channels.credentialsKey !== null || config.channels.allowPlaintext) return;
  throw new ConfigValidationError([
    'CHANNEL_CREDENTIALS_KEY is required: without it provider credentials are stored in clear. Set the same key on ' +
      'every app (e.g. `openssl rand -base64 32`), or ALLOW_PLAINTEXT_CREDENTIALS=true for development only',
  ]);
}
