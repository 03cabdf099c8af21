import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'undici';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { reportUpstreamPools, upstreamPoolMetrics } from '@gw/observability';
import { ConnectionGate, GateTimeoutError } from './connection-gate';
import { poolSaturated } from './upstream-errors';

/** At shutdown, how long pools may take to finish their requests before their connections are destroyed. */
const CLOSE_GRACE_MS = 5_000;

/** A connection of an origin's pool, held for one upstream attempt: release it once the answer is over. */
export interface PoolLease {
  pool: Pool;
  release: () => void;
}

interface OriginPool {
  pool: Pool;
  gate: ConnectionGate;
}

/**
 * One keep-alive connection pool per upstream origin, shared by every channel on that origin and every request of
 * this process (a channel's credential travels in its request's headers, not in the connection), with at most
 * UPSTREAM_POOL_CONNECTIONS requests at once. A request that finds them all busy waits in line at most
 * UPSTREAM_POOL_QUEUE_TIMEOUT_MS, then gets a retryable 503 (UpstreamClient tries the next channel): capacity never
 * queues silently. Saturation is on /metrics (gw_upstream_pool_*). Pools are created on first use and closed at
 * shutdown, once the in-flight requests are over (graceful shutdown ends or cuts them first); a pool that still has
 * not finished after CLOSE_GRACE_MS is destroyed, so shutdown never hangs on an upstream.
 */
@Injectable()
export class UpstreamPools implements OnApplicationShutdown {
  private readonly pools = new Map<string, OriginPool>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    reportUpstreamPools(() =>
      [...this.pools].map(([origin, { pool, gate }]) => ({
        origin,
        size: gate.size,
        inUse: gate.inUse,
        queued: gate.queued,
        connected: pool.stats.connected,
      })),
    );
  }

  /** A connection to `origin` if one is free now (the common case: no line to wait in, nothing to abort). */
  tryLease(origin: string): PoolLease | null {
    const { pool, gate } = this.of(origin);
    const release = gate.tryAcquire();
    return release === null ? null : { pool, release };
  }

  /**
   * A connection to `origin`: at once, or after waiting in line; a 503 (poolSaturated) when none came free in time.
   * `signal` (the client left, the gateway stops) takes the request out of the line with its reason.
   */
  async lease(origin: string, signal: AbortSignal): Promise<PoolLease> {
    const { pool, gate } = this.of(origin);
    const waitMs = this.config.proxy.upstreamPool.queueTimeoutMs;
    const full = gate.inUse >= gate.size;
    const started = full ? performance.now() : 0;
    try {
      return { pool, release: await gate.acquire(waitMs, signal) };
    } catch (error) {
      if (!(error instanceof GateTimeoutError)) throw error;
      upstreamPoolMetrics().waitTimeouts.inc({ origin });
      throw poolSaturated();
    } finally {
      if (full) upstreamPoolMetrics().wait.observe({ origin }, (performance.now() - started) / 1000);
    }
  }

  private of(origin: string): OriginPool {
    let entry = this.pools.get(origin);
    if (!entry) {
      const connections = this.config.proxy.upstreamPool.connections;
      const pool = new Pool(origin, {
        // As many as the gate lets through: requests wait in the gate's bounded line, never in undici's own queue.
        connections,
        pipelining: 1,
        // Idle connections are kept this long unless the server's Keep-Alive header says less (minus undici's margin).
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        // The attempt's own deadline (the model's timeout) aborts sooner when it is shorter.
        connect: { timeout: 10_000 },
      });
      entry = { pool, gate: new ConnectionGate(connections) };
      this.pools.set(origin, entry);
    }
    return entry;
  }

  async onApplicationShutdown(): Promise<void> {
    const pools = [...this.pools.values()].map((entry) => entry.pool);
    this.pools.clear();
    await Promise.allSettled(pools.map((pool) => closeWithin(pool, CLOSE_GRACE_MS)));
  }
}

async function closeWithin(pool: Pool, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    if ((await Promise.race([pool.close().then(() => 'closed' as const), late])) === 'late') await pool.destroy();
  } finally {
    clearTimeout(timer);
  }
}
