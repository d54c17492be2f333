import type { RedisClient } from '../redis/connection.js';
import { describeBucket, fullAfterMs, type BucketPolicy, type RateLimiter } from './bucket.js';

/** The production key prefix; one hash per caller (`tokens`, `ts`), expiring once full again. */
export const RATE_LIMIT_KEY_PREFIX = 'gw:v1:ratelimit:';

const COMMAND = 'gwRateLimitTake';

/**
 * `applyToBucket` (bucket.ts) as one atomic script, so concurrent requests on every gateway
 * instance share each budget exactly. The clock is Redis `TIME` unless the caller passes one
 * (tests): one clock for all instances, whatever their own clocks say. A negative cost refunds.
 * KEYS[1] bucket; ARGV capacity, refill per second, cost, now in ms (-1 = Redis TIME), TTL in ms.
 */
const SCRIPT = `
local capacity = tonumber(ARGV[1])
local perSecond = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = tokens + (now - ts) * perSecond / 1000
  ts = now
end
if tokens > capacity then tokens = capacity end
local allowed = 0
if cost <= tokens then
  tokens = math.min(capacity, tokens - cost)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%d', ts))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return { allowed, string.format('%.6f', tokens) }
`;

type TakeCommand = (
  key: string,
  capacity: number,
  perSecond: number,
  cost: number,
  now: number,
  ttlMs: number,
) => Promise<[number, string]>;

export interface RedisBucketOptions {
  /** @default RATE_LIMIT_KEY_PREFIX */
  readonly keyPrefix?: string;
}

/**
 * Token buckets in Redis (EVALSHA of one script; ioredis re-sends the script on NOSCRIPT, e.g.
 * after a Redis restart). Rejects when Redis fails: wrap it in `withFallback`.
 */
export function redisBucket(
  redis: RedisClient,
  policy: BucketPolicy,
  options: RedisBucketOptions = {},
): RateLimiter {
  const prefix = options.keyPrefix ?? RATE_LIMIT_KEY_PREFIX;
  const ttlMs = fullAfterMs(policy);
  // why guarded: the connection is shared, and a second definition would only repeat the first.
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: SCRIPT });
  const command = (redis as unknown as Record<typeof COMMAND, TakeCommand>)[COMMAND].bind(redis);
  const apply = async (key: string, cost: number, now: number | undefined) => {
    const [allowed, tokens] = await command(
      prefix + key,
      policy.capacity,
      policy.refillPerSecond,
      cost,
      now ?? -1,
      ttlMs,
    );
    return describeBucket(policy, Number(tokens), cost, allowed === 1);
  };
  return {
    policy,
    take: (key, cost, now) => apply(key, cost, now),
    refund: (key, amount, now) => apply(key, -Math.max(0, amount), now),
  };
}
