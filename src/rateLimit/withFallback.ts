import { circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
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
 * primary is skipped for a cool-off (a cockatiel circuit breaker), then tried again, so budgets
 * return to Redis once it answers.
 */
export function withFallback(
  primary: RateLimiter,
  fallback: RateLimiter,
  options: FallbackOptions,
): RateLimiter {
  // why one failure opens it: a failing Redis call already waited its command timeout; after the
  // cool-off the next call is the probe (calls meanwhile wait for it, then use its verdict).
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: options.coolOffMs ?? 1000,
    breaker: new ConsecutiveBreaker(1),
  });
  let down = false; // log once per outage
  breaker.onBreak((reason) => {
    if (!down) {
      const error = 'error' in reason ? reason.error : undefined;
      options.log.warn(
        { feature: 'rateLimit', err: error instanceof Error ? error.message : String(error) },
        'rate limit falling back to in-process buckets',
      );
    }
    down = true;
  });
  breaker.onReset(() => {
    if (down) options.log.info({ feature: 'rateLimit' }, 'rate limit back on redis');
    down = false;
  });

  const run = async (
    call: (limiter: RateLimiter) => Promise<BucketResult>,
  ): Promise<BucketResult> => {
    try {
      return await breaker.execute(() => call(primary));
    } catch {
      // the primary failed (and opened the breaker), or the breaker is open: answer locally
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
