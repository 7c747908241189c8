import Redis, { Cluster, type RedisOptions } from 'ioredis';

export interface RedisNode {
  host: string;
  port: number;
}

/** Where Redis is: one server (REDIS_URL), or a Redis Cluster's seed nodes (REDIS_CLUSTER_NODES). */
export interface RedisTarget {
  /** redis:// or rediss:// URL; with clusterNodes, only its credentials and TLS are used. */
  url: string | null;
  clusterNodes: readonly RedisNode[] | null;
  keyPrefix: string;
}

/** Credentials, database and TLS from a redis:// URL, for connections made node by node. */
export function optionsFromUrl(url: string | null): RedisOptions {
  if (!url) return {};
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** The nodes a connection may go to: the cluster's seeds, or the one server of the URL. */
export function nodesOf(target: RedisTarget): RedisNode[] {
  if (target.clusterNodes?.length) return [...target.clusterNodes];
  const parsed = new URL(target.url!);
  return [{ host: parsed.hostname, port: Number(parsed.port || 6379) }];
}

/** Fail-fast options shared by every Warden connection: no offline queue, no retries of a command. */
export const failFast = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 2000,
  lazyConnect: true,
} as const;

/** The command client: ioredis' Cluster client when cluster nodes are given, else a plain one. */
export function createCommandClient(target: RedisTarget, commandTimeoutMs: number): Redis | Cluster {
  if (target.clusterNodes?.length) {
    return new Cluster([...target.clusterNodes], {
      keyPrefix: target.keyPrefix,
      enableOfflineQueue: false,
      lazyConnect: true,
      // Fail over: slots are re-read when a node goes; MOVED/ASK are followed.
      clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
      slotsRefreshTimeout: 2000,
      redisOptions: {
        ...optionsFromUrl(target.url),
        maxRetriesPerRequest: 0,
        connectTimeout: 2000,
        commandTimeout: commandTimeoutMs,
      },
    });
  }
  return new Redis(target.url!, {
    ...failFast,
    keyPrefix: target.keyPrefix,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (times) => Math.min(50 * times, 1000),
  });
}
