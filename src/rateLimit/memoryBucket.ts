import { LRUCache } from 'lru-cache';
import {
  applyToBucket,
  describeBucket,
  fullAfterMs,
  type BucketPolicy,
  type BucketState,
  type RateLimiter,
} from './bucket.js';

export interface MemoryBucketOptions {
  /** Callers remembered; the least recently seen is forgotten first (its bucket starts full). */
  readonly maxKeys?: number;
}

/**
 * Token buckets in this process: the store without `REDIS_URL`, and the fallback while Redis
 * fails. Bounded: at most `maxKeys` callers, each forgotten once its bucket would be full anyway.
 */
export function memoryBucket(policy: BucketPolicy, options: MemoryBucketOptions = {}): RateLimiter {
  const buckets = new LRUCache<string, BucketState>({
    max: options.maxKeys ?? 100_000,
    ttl: fullAfterMs(policy),
  });
  const apply = (key: string, cost: number, now = Date.now()) => {
    const { state, allowed } = applyToBucket(buckets.get(key), policy, cost, now);
    buckets.set(key, state);
    return Promise.resolve(describeBucket(policy, state.tokens, cost, allowed));
  };
  return {
    policy,
    take: (key, cost, now) => apply(key, cost, now),
    refund: (key, amount, now) => apply(key, -Math.max(0, amount), now),
  };
}
