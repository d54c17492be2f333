import type { AdmissionRequest, AdmissionStep } from '../admission.js';
import type { RateLimitConfig } from '../config/config.js';
import type { GatewayContext } from '../context.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RedisClient } from '../redis/connection.js';
import type { ResponsePart } from '../respond.js';
import type { BucketPolicy, BucketResult, RateLimiter } from './bucket.js';
import { callerKey } from './caller.js';
import { memoryBucket } from './memoryBucket.js';
import { redisBucket } from './redisBucket.js';
import { withFallback } from './withFallback.js';

/**
 * Every request spends at least this many points, whatever its cost: a budget bounds the request
 * rate too, also of operations that cost nothing (`{ __typename }`) or found nothing.
 */
export const MIN_CHARGE = 1;
const charge = (cost: number) => Math.max(MIN_CHARGE, cost);

export interface RateLimitOptions {
  readonly config: RateLimitConfig;
  /** Shared buckets; absent = buckets in this process. */
  readonly redis: RedisClient | undefined;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  /** How long Redis is left alone after a failure. @default 1000 */
  readonly redisCoolOffMs?: number;
}

export interface RateLimit {
  /** Admission step 6: takes the estimated cost from the caller's budget; refunds after execution. */
  readonly step: AdmissionStep;
  /**
   * Its part of every response: the RateLimit headers (also on responses that never reached
   * step 6, refused earlier) and `budgetRemaining` in `extensions.cost`.
   */
  readonly part: ResponsePart;
}

/** What the rate limit step took from whose budget, kept for the refund after execution. */
interface Taken {
  readonly key: string;
  readonly limiter: RateLimiter;
  readonly cost: number;
}

/**
 * Cost budgets per caller (docs/architecture.md, request flow 6): a token bucket of `capacity` points refilled
 * at `refillPerSecond`, in Redis when configured (every instance shares it), in process otherwise
 * and while Redis fails. A `tierClaim` in the caller's JWT, or an API key's tier, may select
 * another budget.
 */
export function createRateLimit(options: RateLimitOptions): RateLimit {
  const { config, redis, log, metrics } = options;
  const limiterFor = (policy: BucketPolicy): RateLimiter =>
    redis
      ? withFallback(
          redisBucket(redis, policy, { keyPrefix: config.keyPrefix }),
          memoryBucket(policy),
          {
            log,
            coolOffMs: options.redisCoolOffMs,
            onFallback: () => metrics.redisFallbacks.inc({ feature: 'rateLimit' }),
          },
        )
      : memoryBucket(policy);
  const standard = limiterFor(config);
  const tiers = new Map(
    Object.entries(config.tiers).map(([name, policy]) => [name, limiterFor(policy)]),
  );

  const select = (context: GatewayContext) => {
    // The tier of whoever the budget belongs to: the JWT's claim, else the API key's tier.
    const tier = context.principal
      ? context.principal.claims[config.tierClaim]
      : context.apiKey?.tier;
    const limiter = (typeof tier === 'string' && tiers.get(tier)) || standard;
    return { key: callerKey(context), limiter };
  };

  const report = (request: AdmissionRequest, result: BucketResult, retryAfter?: string) => {
    request.context.state.rateLimit = retryAfter
      ? { bucket: result, retryAfter }
      : { bucket: result };
  };

  const step: AdmissionStep<Taken> = {
    name: 'rateLimit',
    async admit(request) {
      const cost = charge(request.cost?.estimated ?? 0);
      const { key, limiter } = select(request.context);
      if (cost > limiter.policy.capacity) {
        // Waiting would never help: say so with a 400, not a 429 with a Retry-After.
        report(request, await limiter.take(key, 0));
        throw new GatewayError(
          ErrorCode.COST_ESTIMATED_TOO_EXPENSIVE,
          `The operation's estimated cost ${cost} is above the caller's whole budget of ${limiter.policy.capacity}.`,
          { status: 400, extensions: { budgetCapacity: limiter.policy.capacity } },
        );
      }
      const result = await limiter.take(key, cost);
      if (!result.allowed) {
        metrics.rateLimited.inc();
        const retryAfter = String(result.retryAfterSeconds);
        report(request, result, retryAfter);
        throw new GatewayError(
          ErrorCode.REQUEST_RATE_LIMITED,
          `The operation costs ${cost}; the caller's budget holds ${Math.floor(result.remaining)}. Retry after ${retryAfter} s.`,
          { status: 429, headers: { 'retry-after': retryAfter } },
        );
      }
      report(request, result);
      return { key, limiter, cost };
    },
    async complete(request, _result, spent) {
      const actual = request.cost?.actual;
      if (!spent || actual === undefined || spent.cost - charge(actual) <= 0) return;
      // A client pays for what it fetched: the unused part of the estimate goes back.
      report(request, await spent.limiter.refund(spent.key, spent.cost - charge(actual)));
    },
  };

  const part: ResponsePart = {
    name: 'rateLimit',
    async contribute(context) {
      const reported = context.state.rateLimit;
      // `budgetRemaining` belongs beside the cost it was charged: only where cost estimated one.
      const extensions = context.state.admission?.request.cost
        ? { cost: { budgetRemaining: reported ? Math.floor(reported.bucket.remaining) : null } }
        : undefined;
      let headers: Record<string, string> | undefined;
      if (reported) headers = headersOf(reported.bucket, reported.retryAfter);
      else if (!context.warmup) {
        // Refused before step 6: the caller still learns where its budget stands.
        const { key, limiter } = select(context);
        headers = headersOf(await limiter.take(key, 0));
      }
      return { ...(extensions ? { extensions } : {}), ...(headers ? { headers } : {}) };
    },
  };

  return { step, part };
}

/** IETF draft RateLimit headers (draft-ietf-httpapi-ratelimit-headers): points, points, seconds. */
function headersOf(result: BucketResult, retryAfter?: string): Record<string, string> {
  return {
    'ratelimit-limit': String(result.limit),
    'ratelimit-remaining': String(Math.floor(result.remaining)),
    'ratelimit-reset': String(result.resetSeconds),
    ...(retryAfter ? { 'retry-after': retryAfter } : {}),
  };
}
