import { Cluster, Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';

export type { Redis } from 'ioredis';

/** One Redis node or a Redis Cluster: every Redis user takes either. */
export type RedisClient = Redis | Cluster;

export interface RedisOptions {
  /** One node (`REDIS_URL`); exclusive with `clusterNodes`. */
  readonly url?: string;
  /** Seed nodes of a Redis Cluster (`REDIS_CLUSTER_NODES`); exclusive with `url`. */
  readonly clusterNodes?: readonly { readonly host: string; readonly port: number }[];
  readonly log: Logger;
  /** Per command, in milliseconds: a slow Redis costs at most this much per request. @default 100 */
  readonly commandTimeoutMs?: number;
}

/**
 * One ioredis connection (or Cluster client) with settings that never stall a request while Redis
 * is down: no offline queue (commands fail at once while disconnected), a short command timeout,
 * no per-command retries, and reconnection in the background. Callers treat every error as "Redis
 * unavailable" and degrade.
 */
export function createRedis(options: RedisOptions): RedisClient {
  const commandTimeout = options.commandTimeoutMs ?? 100;
  const nodeOptions = {
    commandTimeout,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
  } as const;
  let redis: RedisClient;
  if (options.clusterNodes) {
    // why these: MOVED/ASK redirects and slot-map refreshes are the client's; a failover shows up
    // as connection errors or CLUSTERDOWN for the replica's election, during which each command
    // fails at once (no offline queue, one short retry at most) and the caller degrades as it
    // does for a single node down. Autopipelining sends the per-slot commands of one lookup to
    // each node as one pipeline.
    redis = new Cluster(
      options.clusterNodes.map((n) => ({ host: n.host, port: n.port })),
      {
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        enableReadyCheck: true,
        maxRedirections: 4,
        retryDelayOnFailover: 50,
        retryDelayOnClusterDown: 50,
        retryDelayOnTryAgain: 50,
        slotsRefreshTimeout: 1_000,
        slotsRefreshInterval: 2_000,
        clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
        redisOptions: nodeOptions,
      },
    );
  } else {
    if (!options.url) throw new Error('createRedis needs a url or cluster nodes');
    redis = new Redis(options.url, {
      ...nodeOptions,
      enableOfflineQueue: false,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
      lazyConnect: false,
    });
  }
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return; // once per outage
    down = true;
    options.log.warn({ err: error.message }, 'redis unavailable; degrading until it is back');
  });
  redis.on('ready', () => {
    if (down) options.log.info('redis is back');
    down = false;
  });
  return redis;
}

/** Whether Redis answers now (for `/ready`); on a cluster, whether every slot is served. */
export async function redisAnswers(redis: RedisClient): Promise<boolean> {
  try {
    if (redis instanceof Cluster) {
      const info = await redis.cluster('INFO');
      return /cluster_state:ok/.test(String(info));
    }
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
