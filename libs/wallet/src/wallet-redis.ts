import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis, { Cluster, RedisOptions } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { AUTO_PIPELINING } from '@gw/redis';
import { ACK_LUA, CREDIT_LUA, HEARTBEAT_LUA, HOLD_LUA, INSPECT_LUA, LOAD_LUA, SETTLE_LUA, SWEEP_LUA } from './lua';
import { withinDeadline } from './deadline';
import { WalletLayoutError } from './wallet.errors';
import { WalletKeys } from './wallet-keys';

/** The wallet's scripts, each registered once per connection (EVALSHA, falling back to EVAL after a restart). */
export const WALLET_SCRIPTS = {
  gwWalletHold: HOLD_LUA,
  gwWalletSettle: SETTLE_LUA,
  gwWalletHeartbeat: HEARTBEAT_LUA,
  gwWalletSweep: SWEEP_LUA,
  gwWalletCredit: CREDIT_LUA,
  gwWalletLoad: LOAD_LUA,
  gwWalletAck: ACK_LUA,
  gwWalletInspect: INSPECT_LUA,
} as const;
export type WalletScript = keyof typeof WALLET_SCRIPTS;

type ScriptFn = (numberOfKeys: number, ...keysThenArgs: (string | number)[]) => Promise<unknown>;
export type WalletClient = Redis | Cluster;

/**
 * The wallet's Redis connection: one Redis (WALLET_REDIS_URL, default REDIS_URL) or a Redis Cluster
 * (WALLET_REDIS_CLUSTER_NODES). Every call has a deadline (WALLET_COMMAND_TIMEOUT_MS): past it the caller gets a
 * WalletUnavailableError (503) instead of waiting, whatever the client is doing (reconnecting, refreshing slots).
 * Integer replies arrive as strings (stringNumbers), so that money is parsed into bigint exactly.
 */
@Injectable()
export class WalletRedis implements OnModuleDestroy {
  private readonly logger = new Logger(WalletRedis.name);
  readonly client: WalletClient;
  readonly keys: WalletKeys;
  readonly timeoutMs: number;
  private layoutChecked?: Promise<void>;
  /** Resolves on the first connection: calls made before it wait for it (within their deadline), not fail at once. */
  private readonly firstConnection: Promise<void>;
  private everConnected = false;
  /** Each script's command, bound to the client once (a bind per call is an allocation on the request path). */
  private readonly scripts = new Map<WalletScript, ScriptFn>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.timeoutMs = config.wallet.commandTimeoutMs;
    this.keys = new WalletKeys(config.redis.keyPrefix, config.wallet.shards);
    this.client = createWalletClient(config);
    for (const [name, lua] of Object.entries(WALLET_SCRIPTS)) {
      this.client.defineCommand(name, { lua });
      const command = (this.client as unknown as Record<string, ScriptFn>)[name];
      this.scripts.set(name as WalletScript, command.bind(this.client));
    }
    this.client.on('error', () => undefined); // reported through readiness and the callers' 503s
    this.firstConnection = new Promise((resolve) => this.client.once('ready', () => resolve()));
    void this.firstConnection.then(() => (this.everConnected = true));
  }

  /** Runs one wallet script (one round trip), within the deadline. */
  async script<T>(name: WalletScript, keys: string[], args: (string | number)[]): Promise<T> {
    await this.beforeCall();
    return this.within(name, this.scriptFn(name)(keys.length, ...keys, ...args)) as Promise<T>;
  }

  private scriptFn(name: WalletScript): ScriptFn {
    const fn = this.scripts.get(name);
    if (!fn) throw new Error(`unknown wallet script ${name}`);
    return fn;
  }

  /** Any other command (stream reads, trimming), within the deadline. */
  async call<T>(what: string, run: (client: WalletClient) => Promise<T>): Promise<T> {
    await this.beforeCall();
    return this.within(what, run(this.client));
  }

  /** Resolves once connected for the first time (a command-line tool waits for this before its first call). */
  async connected(timeoutMs = 10_000): Promise<void> {
    if (!this.everConnected) await withinDeadline('connect', timeoutMs, this.firstConnection);
  }

  async ping(): Promise<void> {
    await this.within('ping', this.client.ping());
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private within<T>(what: string, pending: Promise<T>): Promise<T> {
    return withinDeadline(what, this.timeoutMs, pending);
  }

  /**
   * Before a call. Until the process has connected once, a call waits for that (within its deadline) rather than fail
   * at once; afterwards, while Redis is unreachable, calls fail fast (no offline queue). Then, once per process, the
   * shard count this Redis was set up with must be ours (an account's shard is part of its key names). Not at boot, so
   * that an app starts while Redis is down, as every app does.
   */
  private async beforeCall(): Promise<void> {
    if (!this.everConnected) await this.connected(this.timeoutMs).catch(() => undefined);
    return this.verifyLayoutOnce();
  }

  private verifyLayoutOnce(): Promise<void> {
    this.layoutChecked ??= this.verifyLayout().catch((error: unknown) => {
      // Unreachable: check again on the next call. A wrong layout stays wrong: every call refuses, without a new read.
      if (!(error instanceof WalletLayoutError)) this.layoutChecked = undefined;
      throw error;
    });
    return this.layoutChecked;
  }

  private async verifyLayout(): Promise<void> {
    const key = this.keys.layout();
    const shards = String(this.keys.shards);
    const stored = await this.within('layout', this.client.set(key, shards, 'NX', 'GET'));
    if (stored !== null && stored !== shards) {
      const error = new WalletLayoutError(this.keys.shards, stored);
      this.logger.error(error.message);
      throw error;
    }
  }
}

function createWalletClient(config: AppConfig): WalletClient {
  const { clusterNodes, redisUrl } = config.wallet;
  // No ioredis commandTimeout: every call already has the wallet's deadline (withinDeadline), which also bounds the wait
  // for the first connection; a second timer per command would only cost.
  const options: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    stringNumbers: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  };
  if (!clusterNodes) return new Redis(redisUrl, { ...options, enableAutoPipelining: AUTO_PIPELINING });
  const { enableOfflineQueue: _queue, retryStrategy: _retry, ...nodeOptions } = options;
  return new Cluster(clusterNodes, {
    redisOptions: nodeOptions,
    // Commands wait for the first slot map rather than fail at boot; the deadline above bounds the wait.
    enableOfflineQueue: true,
    // Never on a cluster, whatever AUTO_PIPELINING says: it routes a defined script by its first argument (the key
    // count), not by its first key, so a script would miss the node of its shard's slot.
    enableAutoPipelining: false,
    scaleReads: 'master',
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
}
