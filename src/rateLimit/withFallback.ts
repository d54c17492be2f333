import type { Logger } from '../observability/logger.js';
import type { BucketResult, RateLimiter } from './bucket.js';

export interface FallbackOptions {
  readonly log: Logger;
  /** Called each time the fallback answers instead of the primary (a metric). */
  readonly onFallback: () => void;
  /** After a failure, the primary is left alone this long (a slow Redis then costs nothing). @default 1000 */
  readonly coolOffMs?: number;
}

/**
 * Uses `primary` (Redis) and, while it fails, `fallback` (this process's buckets): a Redis outage
 * never refuses or stalls a request, it only makes budgets per instance for a while (fail open, as
 * Envoy's and Kong's rate limiters do by default). Logs once per outage; after each failure the
 * primary is skipped for a cool-off, then tried again, so budgets return to Redis once it answers.
 */
export function withFallback(
  primary: RateLimiter,
  fallback: RateLimiter,
  options: FallbackOptions,
): RateLimiter {
  const coolOffMs = options.coolOffMs ?? 1000;
  let down = false;
  let retryAt = 0;

  const run = async (
    call: (limiter: RateLimiter) => Promise<BucketResult>,
  ): Promise<BucketResult> => {
    if (!down || Date.now() >= retryAt) {
      try {
        const result = await call(primary);
        if (down) options.log.info({ feature: 'rateLimit' }, 'rate limit back on redis');
        down = false;
        return result;
      } catch (error) {
        if (!down)
          options.log.warn(
            { feature: 'rateLimit', err: error instanceof Error ? error.message : String(error) },
            'rate limit falling back to in-process buckets',
          );
        down = true;
        retryAt = Date.now() + coolOffMs;
      }
    }
    options.onFallback();
    return call(fallback);
  };

  return {
    policy: primary.policy,
    take: (key, cost, now) => run((limiter) => limiter.take(key, cost, now)),
    refund: (key, amount, now) => run((limiter) => limiter.refund(key, amount, now)),
  };
}
