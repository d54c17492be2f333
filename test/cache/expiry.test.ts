import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysMatching, redisAvailable, testRedisClient } from '../helpers/redis.js';
import { waitFor } from '../helpers/waitFor.js';
import { dropKeys, received, startCacheStack, type CacheStack } from './harness.js';

describe.skipIf(!(await redisAvailable()))('real expiry in Redis, end to end', () => {
  let stack: CacheStack;
  let redis: ReturnType<typeof testRedisClient>;
  beforeAll(async () => {
    stack = await startCacheStack('expiry');
    redis = testRedisClient();
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
    if (stack) await dropKeys(stack.prefix);
  });

  const pttls = async (pattern: string) => {
    const keys = await keysMatching(redis, `${stack.prefix}${pattern}`);
    return Promise.all(keys.map((k) => redis.pttl(k)));
  };

  it('stores each field under its own TTL, and after 10 s asks again for price only', async () => {
    const query = '{ products(first: 3, after: "p60") { name price } }';
    const first = await stack.query(query);
    expect(first.body.errors).toBeUndefined();

    // Each entity field is its own Redis key with its own PX: 3 × price (10 s), 3 × name (300 s),
    // and the list of references under the root field's 300 s.
    const fields = await pttls('f:product:Product:*');
    expect(fields.filter((ms) => ms > 0 && ms <= 10_000)).toHaveLength(3);
    expect(fields.filter((ms) => ms > 250_000 && ms <= 300_000)).toHaveLength(3);
    expect((await pttls('f:product:Query:*')).every((ms) => ms > 250_000)).toBe(true);

    // The one real expiry of the suite; everything else about TTLs runs on an injected clock
    // (direct.test.ts). Waited for as Redis shows it: no price key left with a live TTL.
    await waitFor(
      'the price keys expired',
      async () => {
        const left = await pttls('f:product:Product:*');
        return left.some((ms) => ms > 0 && ms <= 10_000) ? undefined : true;
      },
      { intervalMs: 250 },
    );
    stack.resetStats();
    const later = await stack.query(query);
    expect(later.body.data).toEqual(first.body.data);
    expect(received(stack, 'product')).toEqual([
      'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{price}}}',
    ]);
    expect(stack.subgraphs.product.stats.received[0]!.variables).toEqual({
      representations: ['p61', 'p62', 'p63'].map((id) => ({ __typename: 'Product', id })),
    });
  }, 40_000);
});
