import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  isFQDN,
  isIP,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
} from 'class-validator';
import { parseMarkup } from '@gw/common';
import { IsCredentialsKey } from './credentials-key';
import { IsRedisClusterNodes } from './redis-cluster-nodes';
import { IsTrustProxy } from './trust-proxy';

/** The most any body limit may be set to. */
const MAX_BODY_LIMIT_BYTES = 256 * 1024 * 1024;

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

/**
 * Every environment variable the apps read, validated once at boot (see .env.example for the documentation of each).
 * Nothing else in the code reads process.env.
 */
export class EnvDto {
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgresql:// URL' })
  DATABASE_URL!: string;

  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true }, {
    message: 'REDIS_URL must be a redis:// or rediss:// URL',
  })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  @Matches(/^[A-Za-z0-9:_-]{1,32}$/, { message: 'REDIS_KEY_PREFIX must be 1-32 of [A-Za-z0-9:_-]' })
  REDIS_KEY_PREFIX: string = 'gw:';

  /** Checked here: a bad one would otherwise fail only at listen, as a getaddrinfo error that does not name HOST. */
  @ValidateBy(
    {
      name: 'isListenHost',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && (isIP(value) || isFQDN(value, { require_tld: false, allow_underscores: true })),
      },
    },
    { message: 'HOST must be an IP address or a host name (e.g. 0.0.0.0)' },
  )
  HOST: string = '0.0.0.0';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PROXY_PORT: number = 3000;

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  ADMIN_PORT: number = 3001;

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  WORKER_PORT: number = 3002;

  /** Bootstrap admin token for the admin API. Required by the admin app. */
  @IsOptional() @IsString() @MinLength(24, { message: 'ADMIN_TOKEN must be at least 24 characters' }) @MaxLength(256)
  ADMIN_TOKEN?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  DEFAULT_RPM: number = 60;

  /**
   * Requests per minute of one account on one model, for models without an rpmPerAccount of their own; 0: no limit.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(1_000_000)
  DEFAULT_MODEL_RPM_PER_ACCOUNT: number = 0;

  /**
   * Seconds a finished request's generation stays readable from Redis (GET /v1/generation) while its settlement is on
   * its way to PostgreSQL (the wallet's batched ledger writer, a stream settled after its last byte).
   */
  @Transform(toInt) @IsInt() @Min(10) @Max(86_400)
  GENERATION_RECORD_TTL_S: number = 900;

  /**
   * Charged price = upstream price x this, rounded up to the micro-dollar, for models without a markup of their own:
   * a decimal with up to 6 places, 0 to 100.
   */
  @ValidateBy(
    { name: 'isMarkup', validator: { validate: (value: unknown) => typeof value === 'string' && parseMarkup(value) !== null } },
    { message: 'PRICE_MARKUP must be a decimal from 0 to 100 with up to 6 places (e.g. 1.05)' },
  )
  PRICE_MARKUP: string = '1.05';

  /**
   * Failed authentications per client address per minute before the proxy (API keys) or the admin API (staff tokens)
   * answers 429; each app counts its own. The proxy counts only guesses (well-formed keys that exist nowhere).
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  AUTH_FAILURE_LIMIT: number = 30;

  /**
   * Length of the sliding RPM window. 60 in production (the limits are per minute); tests shorten it to exercise
   * windows that free up without waiting a minute.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(60)
  RATE_LIMIT_WINDOW_S: number = 60;

  /**
   * Whose X-Forwarded-For to believe for the client address (false, true, hop count, or proxy addresses/CIDRs), on
   * the proxy and the admin API.
   */
  @IsTrustProxy()
  TRUST_PROXY: string = 'false';

  /** Largest request body on every protocol, unless one has its own limit below; unset: each provider's own limit. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(MAX_BODY_LIMIT_BYTES)
  BODY_LIMIT_BYTES?: number;

  /** Largest request body on the OpenAI protocol (default: BODY_LIMIT_BYTES, else 50 MiB). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(MAX_BODY_LIMIT_BYTES)
  BODY_LIMIT_BYTES_OPENAI?: number;

  /** Largest request body on the Anthropic protocol (default: BODY_LIMIT_BYTES, else 32 MiB). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(MAX_BODY_LIMIT_BYTES)
  BODY_LIMIT_BYTES_ANTHROPIC?: number;

  /** Largest request body on the Gemini protocol (default: BODY_LIMIT_BYTES, else 20 MiB). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(MAX_BODY_LIMIT_BYTES)
  BODY_LIMIT_BYTES_GEMINI?: number;

  /** Request bodies of at least this many bytes are parsed, validated and serialised in worker threads. */
  @Transform(toInt) @IsInt() @Min(0) @Max(MAX_BODY_LIMIT_BYTES)
  JSON_OFFLOAD_BYTES: number = 256 * 1024;

  /** Worker threads of each proxy for large request bodies (started on demand, stopped when idle). */
  @Transform(toInt) @IsInt() @Min(1) @Max(64)
  JSON_WORKER_THREADS: number = 2;

  /** Default upstream timeout per attempt; a model's own timeoutS overrides it. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  UPSTREAM_TIMEOUT_S: number = 120;

  /** A stream that sends no byte for this long is cut with the protocol's error event and settled. */
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000)
  STREAM_IDLE_TIMEOUT_MS: number = 60_000;

  /**
   * Admitted requests (authenticated, body received) in progress per proxy instance beyond which it sheds load with
   * 503 instead of queueing: the hard cap beside the event-loop bound.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  MAX_INFLIGHT_REQUESTS: number = 2048;

  /** Mean event-loop delay (per 500 ms sample) above which the proxy sheds new requests with 503; 0 turns it off. */
  @Transform(toInt) @IsInt() @Min(0) @Max(10_000)
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: number = 50;

  /** Time a client has to send a request's headers, from its first byte (slow-header clients are cut with 408). */
  @Transform(toInt) @IsInt() @Min(100) @Max(600_000)
  HEADERS_TIMEOUT_MS: number = 15_000;

  /** Time a client has, beyond HEADERS_TIMEOUT_MS, to send the whole body (slow-body clients are cut with 408). */
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000)
  BODY_TIMEOUT_MS: number = 60_000;

  /** Connections (concurrent upstream requests, streams included) per provider origin and proxy instance. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000)
  UPSTREAM_POOL_CONNECTIONS: number = 512;

  /** Longest wait for a free upstream connection before the channel is skipped (failover, else 503); 0: no wait. */
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000)
  UPSTREAM_POOL_QUEUE_TIMEOUT_MS: number = 1_000;

  /** Failed attempts in a row on a channel (each within BREAKER_WINDOW_MS of the previous) that open its circuit. */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000)
  BREAKER_FAILURE_THRESHOLD: number = 10;

  /** A failure older than this before the next one starts the count again. */
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000)
  BREAKER_WINDOW_MS: number = 30_000;

  /** How long an open circuit skips its channel before one trial request probes it. */
  @Transform(toInt) @IsInt() @Min(10) @Max(3_600_000)
  BREAKER_COOLDOWN_MS: number = 10_000;

  /**
   * AES-256-GCM key sealing the channels' provider credentials at rest. Required by every app unless
   * ALLOW_PLAINTEXT_CREDENTIALS=true (then credentials are stored as given: development and demos only).
   */
  @IsOptional() @IsCredentialsKey()
  CHANNEL_CREDENTIALS_KEY?: string;

  /** Lets the apps start without CHANNEL_CREDENTIALS_KEY, storing provider credentials in clear. Never in production. */
  @IsIn(['true', 'false'], { message: 'ALLOW_PLAINTEXT_CREDENTIALS must be true or false' })
  ALLOW_PLAINTEXT_CREDENTIALS: string = 'false';

  /**
   * Who may read the admin API's OpenAPI document (/admin/docs, /admin/docs-json): `public` (anyone who reaches the
   * port) or `staff` (a staff token, as a Bearer token or as the password of HTTP Basic authentication).
   */
  @IsIn(['public', 'staff'], { message: 'ADMIN_DOCS_ACCESS must be public or staff' })
  ADMIN_DOCS_ACCESS: string = 'public';

  /**
   * An open reservation whose proxy has not refreshed it (heartbeat) for this long is presumed orphaned (its proxy
   * died) and closed by the sweep, charged what it had delivered. At least 3 heartbeats (HOLD_HEARTBEAT_EVERY_MS).
   */
  @Transform(toInt) @IsInt() @Min(2) @Max(7 * 24 * 3600)
  RESERVATION_STALE_AFTER_S: number = 30;

  /** How often the worker runs the stale-reservation sweep (one run per interval across all workers). */
  @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  RESERVATION_SWEEP_EVERY_S: number = 10;

  /** How often a proxy refreshes the holds of its running requests, with what each has delivered so far. */
  @Transform(toInt) @IsInt() @Min(100) @Max(600_000)
  HOLD_HEARTBEAT_EVERY_MS: number = 5_000;

  /**
   * Largest text (UTF-8 bytes) counted exactly with the model's tokenizer when the byte bound alone would be refused
   * (OpenAI models); larger requests are held at the byte bound. 0 never counts.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(100 * 1024 * 1024)
  EXACT_COUNT_MAX_BYTES: number = 2 * 1024 * 1024;

  /** An exact count not done within this (waiting included) is given up: the byte bound stands. */
  @Transform(toInt) @IsInt() @Min(10) @Max(60_000)
  EXACT_COUNT_TIMEOUT_MS: number = 2_000;

  /** Worker threads running exact token counts (never on the event loop). */
  @Transform(toInt) @IsInt() @Min(1) @Max(64)
  TOKENIZER_THREADS: number = 1;

  /**
   * Where the proxy holds and settles money: `wallet` (the default: the Redis wallet, one script to hold and one to
   * settle; the worker's ledger writer writes the ledger in batches) or `postgres` (reservations in PostgreSQL, two
   * transactions a request). Switch every proxy at once (README, "Switching the money store").
   */
  @IsIn(['postgres', 'wallet'], { message: 'BILLING_STORE must be postgres or wallet' })
  BILLING_STORE: 'postgres' | 'wallet' = 'wallet';

  /**
   * The Redis of the wallet (holds, spendable balances, settlement streams): REDIS_URL when unset. Ignored when
   * WALLET_REDIS_CLUSTER_NODES is set.
   */
  @IsOptional()
  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true }, {
    message: 'WALLET_REDIS_URL must be a redis:// or rediss:// URL',
  })
  WALLET_REDIS_URL?: string;

  /** Seed nodes (`host:port,host:port`) of a Redis Cluster holding the wallet; unset: one Redis (WALLET_REDIS_URL). */
  @IsOptional() @IsRedisClusterNodes()
  WALLET_REDIS_CLUSTER_NODES?: string;

  /**
   * Wallet shards: each account belongs to one (a hash of its id), and a shard's keys share one Redis Cluster slot.
   * Fixed for a deployment (the wallet refuses to start on a Redis that holds another count).
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(1024)
  WALLET_SHARDS: number = 16;

  /**
   * Deadline of every wallet call to Redis; past it the call fails (the proxy answers 503) instead of waiting. Under a
   * third of WALLET_HOLD_TTL_S (checked at start-up).
   */
  @Transform(toInt) @IsInt() @Min(10) @Max(60_000)
  WALLET_COMMAND_TIMEOUT_MS: number = 1_000;

  /**
   * A hold lives this long past its last heartbeat (a running request beats every third of it); then the sweep
   * releases it, charging what its last heartbeat said was delivered.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(3_600)
  WALLET_HOLD_TTL_S: number = 60;

  /** How often the worker sweeps expired holds and relays credits not yet applied to the wallet. */
  @Transform(toInt) @IsInt() @Min(1) @Max(3_600)
  WALLET_SWEEP_EVERY_S: number = 10;

  /** Settlement events per ledger-writer transaction at most. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  WALLET_WRITER_BATCH: number = 500;

  /** How long an idle ledger writer waits before it looks for new settlement events again. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000)
  WALLET_WRITER_POLL_MS: number = 50;

  /**
   * While settlement events trickle in (a pass finds some, fewer than WALLET_WRITER_BATCH), a ledger writer starts its
   * passes this far apart, so that each PostgreSQL transaction carries many events: a transaction has a fixed cost of
   * about a millisecond of PostgreSQL CPU. 0: back to back. The ledger lags the wallet by about this much more.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(10_000)
  WALLET_WRITER_GATHER_MS: number = 500;

  /**
   * Settlement events delivered to a writer and not acknowledged for this long (their writer died, or they wait for
   * an earlier event of their account) are claimed by another writer.
   */
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000)
  WALLET_WRITER_CLAIM_IDLE_MS: number = 30_000;

  /** Settlement events stay in their Redis stream this long after they were written to PostgreSQL (inspection). */
  @Transform(toInt) @IsInt() @Min(0) @Max(7 * 24 * 3600)
  WALLET_EVENTS_RETENTION_S: number = 600;

  /**
   * How long a worker holds a job's lock without renewing it. A worker that dies mid-job (killed, crashed) is noticed
   * within about this long, and its job is retried by another worker.
   */
  @Transform(toInt) @IsInt() @Min(5_000) @Max(600_000)
  JOB_LOCK_MS: number = 30_000;

  /** Accounts and records per batch of a reconciliation run (each batch is one consistent read). */
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000)
  RECONCILE_BATCH_SIZE: number = 1_000;

  /** Pause after each batch of a reconciliation run, to spread its load on the database (0: none). */
  @Transform(toInt) @IsInt() @Min(0) @Max(60_000)
  RECONCILE_BATCH_PAUSE_MS: number = 0;

  /** Lets balance-alert webhooks point at loopback and private addresses (the demo and tests; never in production). */
  @IsIn(['true', 'false'], { message: 'ALERT_WEBHOOK_ALLOW_PRIVATE must be true or false' })
  ALERT_WEBHOOK_ALLOW_PRIVATE: string = 'false';

  /** How often the worker compares spendable balances with the alert thresholds (an alert goes out within this). */
  @Transform(toInt) @IsInt() @Min(1) @Max(60)
  ALERT_CHECK_EVERY_S: number = 5;

  /** How often the worker recomputes the daily usage rollups of today and yesterday (UTC). */
  @Transform(toInt) @IsInt() @Min(10) @Max(86_400)
  USAGE_ROLLUP_EVERY_S: number = 600;

  @Transform(toInt) @IsInt() @Min(1) @Max(500)
  DB_POOL_MAX: number = 20;

  /**
   * Deadline of every PostgreSQL call (getting a connection, and each query): past it the caller fails, and a request
   * gets a prompt 503, instead of waiting on a hung link. The worker's batch jobs (reconciliation, rollups) allow more.
   */
  @Transform(toInt) @IsInt() @Min(100) @Max(600_000)
  DB_QUERY_TIMEOUT_MS: number = 3_000;

  /** Deadline of every Redis command (and of connecting): past it the caller fails, and a request gets a prompt 503. */
  @Transform(toInt) @IsInt() @Min(50) @Max(60_000)
  REDIS_COMMAND_TIMEOUT_MS: number = 2_000;

  /** On SIGTERM, how long in-flight requests and streams may take to finish before the process exits. */
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000)
  SHUTDOWN_GRACE_MS: number = 30_000;

  /**
   * On SIGTERM, how long readiness reports "draining" before the listener closes, so that load balancers stop sending
   * new requests first. 0 (the default) closes at once; behind a load balancer, set it above its health-check period.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(120_000)
  SHUTDOWN_DELAY_MS: number = 0;

  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>` (every app). Unset: open. */
  @IsOptional() @IsString() @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' }) @MaxLength(256)
  METRICS_TOKEN?: string;

  /** Safety net on the in-process caches (keys, models): pub/sub invalidation is the fast path. */
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000)
  CACHE_TTL_MS: number = 60_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  /** `json` (one object per line, for machines: the default) or `pretty` (coloured lines for a person: the demo). */
  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  /**
   * Expected refusals (503 for an unavailable dependency, load shedding, upstream overload) are logged once per this
   * interval and kind, at warn, with the number of those left out; unexpected 500s are always logged with their stack.
   */
  @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000)
  REFUSAL_LOG_INTERVAL_MS: number = 10_000;

  /** Identifies this process in reservations and logs; defaults to hostname:pid. */
  @IsOptional() @Matches(/^[\x21-\x7e]{1,64}$/, { message: 'INSTANCE_ID must be 1-64 printable ASCII characters' })
  INSTANCE_ID?: string;
}
