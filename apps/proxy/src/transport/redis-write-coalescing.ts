import type { INestApplicationContext } from '@nestjs/common';
import { Cluster } from 'ioredis';
import type { AppConfig } from '@gw/config';
import { coalesceClusterWrites, coalesceRedisWrites, RedisService } from '@gw/redis';
import { WalletRedis } from '@gw/wallet';
import { AdmitStage } from '../pipeline/admit.stage';

/**
 * From how many admitted requests in progress the writes of a turn are held back to leave together. Below it, a turn
 * rarely has two requests' calls to batch and the wait would only add latency (libs/redis/src/coalesced-writes.ts).
 */
export const BATCH_REDIS_WRITES_FROM_IN_FLIGHT = 4;

/**
 * The proxy's command connections to Redis (rate limits and lookups; the wallet's, when it is the money store) send
 * what the requests of one event-loop turn asked for in one write (libs/redis/src/coalesced-writes.ts) once enough
 * requests are in flight for a turn to hold several of them: each request makes three or four calls, each in its own
 * I/O callback, so under load without it every call is a syscall of its own. Only the proxy, the one app with many
 * concurrent requests on its connections; the admin and the worker keep plain connections.
 */
export function coalesceProxyRedisWrites(app: INestApplicationContext, config: AppConfig): void {
  const admit = app.get(AdmitStage);
  const busy = (): boolean => admit.inFlight >= BATCH_REDIS_WRITES_FROM_IN_FLIGHT;
  coalesceRedisWrites(app.get(RedisService).client, busy);
  if (config.billing.store !== 'wallet') return;
  const wallet = app.get(WalletRedis).client;
  if (wallet instanceof Cluster) coalesceClusterWrites(wallet, busy);
  else coalesceRedisWrites(wallet, busy);
}
