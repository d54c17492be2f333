import type { RedisClient } from '../redis/connection.js';

/**
 * Closes the Redis connection at shutdown: `QUIT` lets replies still on the wire arrive; when Redis
 * is down or slow (no answer within `timeoutMs`) the socket is simply dropped. Never throws.
 */
export async function closeRedis(redis: RedisClient | undefined, timeoutMs = 1_000): Promise<void> {
  if (!redis) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.quit(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('quit')), timeoutMs))),
    ]);
  } catch {
    // why: nothing more to do with a Redis that does not answer; fall through to disconnect.
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
