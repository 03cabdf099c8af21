import { ValidateBy, ValidationOptions } from 'class-validator';

export interface RedisNode {
  host: string;
  port: number;
}

/**
 * WALLET_REDIS_CLUSTER_NODES' text (`host:port,host:port`, IPv6 hosts in brackets) -> the seed nodes of a Redis
 * Cluster; null when any entry is malformed. The client discovers the rest of the cluster from any of them.
 */
export function parseRedisClusterNodes(text: string): RedisNode[] | null {
  const entries = text.split(',').map((entry) => entry.trim());
  const nodes: RedisNode[] = [];
  for (const entry of entries) {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(entry);
    if (!match) return null;
    const port = Number(match[3]);
    if (port < 1 || port > 65535) return null;
    nodes.push({ host: match[1] ?? match[2], port });
  }
  return nodes.length > 0 ? nodes : null;
}

export function IsRedisClusterNodes(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRedisClusterNodes',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseRedisClusterNodes(value) !== null,
        defaultMessage: () => 'WALLET_REDIS_CLUSTER_NODES must be a comma-separated list of host:port',
      },
    },
    options,
  );
}
