import type { INestApplicationContext } from '@nestjs/common';
import { Cluster } from 'ioredis';
import type { AppConfig } from '@gw/config';
import { coalesceClusterWrites, coalesceRedisWrites, RedisService } from '@gw/redis';
import { WalletRedis } from '@gw/wallet';

/**
 * The proxy's command connections to Redis (rate limits and lookups; the wallet's, when it is the money store) send
 * what the requests of one event-loop turn asked for in one write (libs/redis/src/coalesced-writes.ts): each request
 * makes three calls, each in its own I/O callback, so without it every call is a syscall of its own. Only the proxy,
 * the one app with many concurrent requests on its connections; the admin and the worker keep plain connections.
 */
export function coalesceProxyRedisWrites(app: INestApplicationContext, config: AppConfig): void {
  coalesceRedisWrites(app.get(RedisService).client);
  if (config.billing.store !== 'wallet') return;
  const wallet = app.get(WalletRedis).client;
  if (wallet instanceof Cluster) coalesceClusterWrites(wallet);
  else coalesceRedisWrites(wallet);
}
