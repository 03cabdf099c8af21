import { loadConfig } from './app-config';
import { parseRedisClusterNodes } from './redis-cluster-nodes';

describe(parseRedisClusterNodes.name, () => {
  it('reads host:port lists, IPv6 hosts in brackets', () => {
    expect(parseRedisClusterNodes('10.0.0.1:6379, redis-2.internal:7000,[::1]:7001')).toEqual([
      { host: '10.0.0.1', port: 6379 },
      { host: 'redis-2.internal', port: 7000 },
      { host: '::1', port: 7001 },
    ]);
  });

  it.each(['', 'redis:', '10.0.0.1', '10.0.0.1:0', '10.0.0.1:70000', 'redis://10.0.0.1:6379'])('refuses %j', (text) => {
    expect(parseRedisClusterNodes(text)).toBeNull();
  });
});

describe('wallet configuration', () => {
  const VALID = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/chuizi' };

  it('defaults to the one Redis of REDIS_URL, 16 shards, 1 s deadlines and 60 s holds', () => {
    expect(loadConfig({ ...VALID, REDIS_URL: 'redis://cache:6379' }).wallet).toEqual({
      redisUrl: 'redis://cache:6379',
      clusterNodes: null,
      shards: 16,
      commandTimeoutMs: 1_000,
      holdTtlMs: 60_000,
      sweepEverySeconds: 10,
      writer: { batchSize: 500, pollMs: 50, gatherMs: 500, claimIdleMs: 30_000, retentionMs: 600_000 },
    });
  });

  it('takes a wallet Redis or cluster of its own, and refuses a malformed node list', () => {
    const config = loadConfig({ ...VALID, WALLET_REDIS_URL: 'redis://wallet:6379', WALLET_REDIS_CLUSTER_NODES: 'a:1,b:2' });
    expect(config.wallet).toMatchObject({ redisUrl: 'redis://wallet:6379', clusterNodes: [{ host: 'a', port: 1 }, { host: 'b', port: 2 }] });
    expect(() => loadConfig({ ...VALID, WALLET_REDIS_CLUSTER_NODES: 'a' })).toThrow(/WALLET_REDIS_CLUSTER_NODES/);
    expect(() => loadConfig({ ...VALID, WALLET_SHARDS: '0' })).toThrow(/WALLET_SHARDS/);
  });
});
