import type { PersistedQueryOptions } from '@apollo/server';
import type { RedisClient } from '../redis/connection.js';

const PREFIX = 'gw:v1:apq:';

type KeyValueCache = NonNullable<PersistedQueryOptions['cache']>;

/**
 * Automatic persisted queries in Redis, shared by every gateway instance. A Redis error is a miss
 * (the client then sends the full document again), never a failed request.
 */
export function redisApqCache(redis: RedisClient, prefix = PREFIX): KeyValueCache {
  return {
    async get(key) {
      try {
        return (await redis.get(prefix + key)) ?? undefined;
      } catch {
        return undefined;
      }
    },
    async set(key, value, options) {
      try {
        if (options?.ttl) await redis.set(prefix + key, value, 'EX', options.ttl);
        else await redis.set(prefix + key, value);
      } catch {
        // why: registering is best effort; the next request re-registers.
      }
    },
    async delete(key) {
      try {
        await redis.del(prefix + key);
      } catch {
        // best effort
      }
    },
  };
}
