import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';

export type { Redis } from 'ioredis';

export interface RedisOptions {
  readonly url: string;
  readonly log: Logger;
  /** Per command, in milliseconds: a slow Redis costs at most this much per request. @default 100 */
  readonly commandTimeoutMs?: number;
}

/**
 * One ioredis connection with settings that never stall a request while Redis is down: no offline
 * queue (commands fail at once while disconnected), a short command timeout, no per-command retries,
 * and reconnection in the background. Callers treat every error as "Redis unavailable" and degrade.
 */
export function createRedis(options: RedisOptions): Redis {
  const redis = new Redis(options.url, {
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs ?? 100,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    lazyConnect: false,
  });
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

/** Whether Redis answers now (for `/ready`). */
export async function redisAnswers(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
