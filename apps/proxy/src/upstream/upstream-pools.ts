import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'undici';

/** At shutdown, how long pools may take to finish their requests before their connections are destroyed. */
const CLOSE_GRACE_MS = 5_000;

/**
 * One keep-alive connection pool per upstream origin, shared by every channel on that origin and every request of
 * this process (a channel's credential travels in its request's headers, not in the connection). Pools are created on
 * first use and closed at shutdown, once the in-flight requests are over (graceful shutdown ends or cuts them first);
 * a pool that still has not finished after CLOSE_GRACE_MS is destroyed, so shutdown never hangs on an upstream.
 */
@Injectable()
export class UpstreamPools implements OnApplicationShutdown {
  private readonly pools = new Map<string, Pool>();

  get(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        // Concurrent requests (streams hold theirs for their whole length) per origin; more wait in the pool's queue.
        connections: 512,
        pipelining: 1,
        // Idle connections are kept this long unless the server's Keep-Alive header says less (minus undici's margin).
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        // The attempt's own deadline (the model's timeout) aborts sooner when it is shorter.
        connect: { timeout: 10_000 },
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async onApplicationShutdown(): Promise<void> {
    const pools = [...this.pools.values()];
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
