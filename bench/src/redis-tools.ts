import Redis from 'ioredis';

/** Deletes every key under the run's prefix (rate-limit windows, queues), so that each run starts from nothing. */
export async function clearRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

export async function redisVersion(redisUrl: string): Promise<string> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
}

/**
 * Microseconds Redis has spent executing commands since it started (the sum over INFO commandstats). Machine-wide:
 * other clients of the same Redis count too, so a difference over a run is an upper bound for the run's own use.
 */
export async function redisCommandUsec(redisUrl: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    const info = await redis.info('commandstats');
    let usec = 0;
    for (const match of info.matchAll(/,usec=(\d+),/g)) usec += Number(match[1]);
    return usec;
  } finally {
    redis.disconnect();
  }
}
