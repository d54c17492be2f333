import type { ApolloServerPlugin } from '@apollo/server';
import type { Admission, AdmissionRequest, AdmissionStep } from '../admission.js';
import type { RateLimitConfig } from '../config/config.js';
import type { GatewayContext } from '../context.js';
import { costExtensionOf } from '../cost/extension.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RedisClient } from '../redis/connection.js';
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
  /** Puts the RateLimit headers on responses that never reached step 6 (refused earlier). */
  headersPlugin(admission: Admission): ApolloServerPlugin<GatewayContext>;
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

  const report = (request: AdmissionRequest, result: BucketResult) => {
    setHeaders(request.headers, result);
    const extension = costExtensionOf(request);
    if (extension) extension.budgetRemaining = Math.floor(result.remaining);
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
      report(request, result);
      if (!result.allowed) {
        metrics.rateLimited.inc();
        const retryAfter = String(result.retryAfterSeconds);
        request.headers.set('retry-after', retryAfter);
        throw new GatewayError(
          ErrorCode.REQUEST_RATE_LIMITED,
          `The operation costs ${cost}; the caller's budget holds ${Math.floor(result.remaining)}. Retry after ${retryAfter} s.`,
          { status: 429, headers: { 'retry-after': retryAfter } },
        );
      }
      return { key, limiter, cost };
    },
    async complete(request, _result, spent) {
      const actual = request.cost?.actual;
      if (!spent || actual === undefined || spent.cost - charge(actual) <= 0) return;
      // A client pays for what it fetched: the unused part of the estimate goes back.
      report(request, await spent.limiter.refund(spent.key, spent.cost - charge(actual)));
    },
  };

  const headersPlugin = (admission: Admission): ApolloServerPlugin<GatewayContext> => ({
    requestDidStart() {
      return Promise.resolve({
        async willSendResponse({ contextValue, response }) {
          if (contextValue.warmup) return;
          if (admission.get(contextValue)?.headers.has('ratelimit-limit')) return;
          const { key, limiter } = select(contextValue);
          const headers = new Map<string, string>();
          setHeaders(headers, await limiter.take(key, 0));
          for (const [name, value] of headers) response.http.headers.set(name, value);
        },
      });
    },
  });

  return { step, headersPlugin };
}

/** IETF draft RateLimit headers (draft-ietf-httpapi-ratelimit-headers): points, points, seconds. */
function setHeaders(headers: Map<string, string>, result: BucketResult): void {
  headers.set('ratelimit-limit', String(result.limit));
  headers.set('ratelimit-remaining', String(Math.floor(result.remaining)));
  headers.set('ratelimit-reset', String(result.resetSeconds));
}
