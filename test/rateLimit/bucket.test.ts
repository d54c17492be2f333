import { afterAll, describe, expect, it } from 'vitest';
import type { BucketPolicy, RateLimiter } from '../../src/rateLimit/bucket.js';
import { memoryBucket } from '../../src/rateLimit/memoryBucket.js';
import { redisBucket } from '../../src/rateLimit/redisBucket.js';
import { redisAvailable, testRedisClient, uniquePrefix } from '../helpers/redis.js';

// One contract, two stores: every case runs on the in-process bucket and on the Lua script in a
// real Redis (the test Redis, one node or the cluster, under a unique key prefix), with the clock passed in.
const hasRedis = await redisAvailable();
const redis = hasRedis ? testRedisClient({ maxRetriesPerRequest: 0 }) : undefined;
afterAll(() => redis?.disconnect());

const prefix = uniquePrefix('bucket');
let keys = 0;
type Store = [name: string, create: (policy: BucketPolicy) => RateLimiter];
const stores: Store[] = [['memory', (policy) => memoryBucket(policy)]];
if (redis) stores.push(['redis', (policy) => redisBucket(redis, policy, { keyPrefix: prefix })]);

type Step = [
  op: 'take' | 'refund',
  points: number,
  atMs: number,
  expected: Record<string, unknown>,
];

describe.each(stores)('%s bucket', (_name, create) => {
  const policy = { capacity: 30, refillPerSecond: 2 };
  const run = async (steps: Step[]) => {
    const limiter = create(policy);
    const key = `k${++keys}`;
    for (const [op, points, at, expected] of steps)
      expect(await limiter[op](key, points, 1_000_000 + at)).toMatchObject(expected);
  };

  it.each<[string, Step[]]>([
    [
      'a new caller starts full',
      [
        [
          'take',
          14,
          0,
          { allowed: true, remaining: 16, limit: 30, retryAfterSeconds: 0, resetSeconds: 7 },
        ],
      ],
    ],
    [
      'refuses what does not fit, takes nothing, and says when it fits',
      [
        ['take', 14, 0, { allowed: true, remaining: 16 }],
        ['take', 14, 0, { allowed: true, remaining: 2 }],
        ['take', 14, 0, { allowed: false, remaining: 2, retryAfterSeconds: 6 }],
        ['take', 14, 5_999, { allowed: false, retryAfterSeconds: 1 }],
        ['take', 14, 6_000, { allowed: true, remaining: 0 }],
      ],
    ],
    [
      'refills at the rate, never above capacity',
      [
        ['take', 30, 0, { allowed: true, remaining: 0, resetSeconds: 15 }],
        ['take', 0, 2_500, { remaining: 5 }],
        ['take', 0, 60_000, { remaining: 30, resetSeconds: 0 }],
      ],
    ],
    [
      'refunds, capped at capacity',
      [
        ['take', 20, 0, { remaining: 10 }],
        ['refund', 15, 0, { allowed: true, remaining: 25 }],
        ['refund', 100, 0, { remaining: 30 }],
      ],
    ],
    ['a cost of exactly the remainder fits', [['take', 30, 0, { allowed: true, remaining: 0 }]]],
    [
      'a clock going backwards refills nothing',
      [
        ['take', 10, 10_000, { remaining: 20 }],
        ['take', 0, 0, { remaining: 20 }],
      ],
    ],
  ])('%s', async (_case, steps) => {
    await run(steps);
  });
});

describe.skipIf(!redis)('redis bucket storage', () => {
  it('keys each caller under the prefix, always with a TTL', async () => {
    const limiter = redisBucket(
      redis!,
      { capacity: 10, refillPerSecond: 1 },
      { keyPrefix: prefix },
    );
    await limiter.take('ttl-check', 3);
    expect(await redis!.pttl(`${prefix}ttl-check`)).toBeGreaterThan(9_000);
    expect(await redis!.pttl(`${prefix}ttl-check`)).toBeLessThanOrEqual(11_000);
  });

  it('is atomic: 50 concurrent takes of 1 from a bucket of 20 admit exactly 20', async () => {
    const limiter = redisBucket(
      redis!,
      { capacity: 20, refillPerSecond: 0.001 },
      { keyPrefix: prefix },
    );
    const results = await Promise.all(Array.from({ length: 50 }, () => limiter.take('race', 1)));
    expect(results.filter((r) => r.allowed)).toHaveLength(20);
  });
});
