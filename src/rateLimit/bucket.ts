/** A budget: capacity in cost points, refilled continuously. */
export interface BucketPolicy {
  /** Points the bucket holds when full. */
  readonly capacity: number;
  /** Points added per second. */
  readonly refillPerSecond: number;
}

/** The answer of one `take` or `refund`: what the response's RateLimit headers say. */
export interface BucketResult {
  readonly allowed: boolean;
  /** Points left after this call (fractional; headers round down). */
  readonly remaining: number;
  /** Whole seconds until the refused cost fits; 0 when allowed. */
  readonly retryAfterSeconds: number;
  /** Whole seconds until the bucket is full again. */
  readonly resetSeconds: number;
  /** The bucket's capacity. */
  readonly limit: number;
}

/**
 * A token bucket per caller key. Implementations: `redisBucket` (shared by every gateway instance),
 * `memoryBucket` (one process), `withFallback` (Redis, and memory while Redis fails).
 */
export interface RateLimiter {
  readonly policy: BucketPolicy;
  /**
   * Takes `cost` points if the bucket holds them, else takes nothing. `now` (milliseconds) is for
   * tests; by default the store's clock (Redis `TIME`, or `Date.now()` in process).
   */
  take(key: string, cost: number, now?: number): Promise<BucketResult>;
  /** Gives back points (never above capacity), e.g. the unused part of an estimate. */
  refund(key: string, amount: number, now?: number): Promise<BucketResult>;
}

/** The stored state of one bucket. */
export interface BucketState {
  readonly tokens: number;
  /** When `tokens` was last brought up to date, in milliseconds. */
  readonly updatedMs: number;
}

/**
 * One bucket operation, pure: refill since the last update (a clock going backwards refills
 * nothing), then take `cost` if it fits; a negative cost is a refund and always fits. The Lua
 * script in `redisBucket.ts` is this function, line for line.
 */
export function applyToBucket(
  state: BucketState | undefined,
  policy: BucketPolicy,
  cost: number,
  now: number,
): { state: BucketState; allowed: boolean } {
  let tokens = state?.tokens ?? policy.capacity;
  let updatedMs = state?.updatedMs ?? now;
  if (now > updatedMs) {
    tokens += ((now - updatedMs) * policy.refillPerSecond) / 1000;
    updatedMs = now;
  }
  tokens = Math.min(tokens, policy.capacity);
  const allowed = cost <= tokens;
  if (allowed) tokens = Math.min(policy.capacity, tokens - cost);
  return { state: { tokens, updatedMs }, allowed };
}

/** The result a caller sees for a bucket left holding `tokens` after a call for `cost`. */
export function describeBucket(
  policy: BucketPolicy,
  tokens: number,
  cost: number,
  allowed: boolean,
): BucketResult {
  const perSecond = policy.refillPerSecond;
  return {
    allowed,
    remaining: tokens,
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((cost - tokens) / perSecond)),
    resetSeconds: Math.max(0, Math.ceil((policy.capacity - tokens) / perSecond)),
    limit: policy.capacity,
  };
}

/** How long an untouched bucket needs to be full again: after that its key can expire. */
export function fullAfterMs(policy: BucketPolicy): number {
  return Math.ceil((policy.capacity / policy.refillPerSecond) * 1000) + 1000;
}
