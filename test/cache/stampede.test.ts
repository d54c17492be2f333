import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ON_TEST_CLUSTER, redisAvailable } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { dropKeys, requests, startCacheStack, type CacheStack } from './harness.js';

// docs/security.md case 90: a cold cache causes no stampede, whatever SUBGRAPH_DEDUP says about
// uncached fetches: identical concurrent misses share one subgraph fetch, on either store.
const sendsMissesOnce = (stack: () => Stack) =>
  it('sends identical concurrent misses to the subgraph once', async () => {
    stack().resetStats();
    const query = '{ products(first: 3, after: "p90") { name } }';
    const answers = await Promise.all(Array.from({ length: 20 }, () => stack().query(query)));
    for (const answer of answers) expect(answer.body.data.products).toHaveLength(3);
    expect(new Set(answers.map((a) => JSON.stringify(a.body.data))).size).toBe(1);
    expect(requests(stack()).product).toBeLessThanOrEqual(3);
  });

describe.skipIf(ON_TEST_CLUSTER)('cold cache with SUBGRAPH_DEDUP=false', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { CACHE_ENABLED: 'true', SUBGRAPH_DEDUP: 'false' } });
  });
  afterAll(() => stack?.stop());
  sendsMissesOnce(() => stack);
});

describe.skipIf(!(await redisAvailable()))('cold Redis cache with SUBGRAPH_DEDUP=false', () => {
  let stack: CacheStack;
  beforeAll(async () => {
    stack = await startCacheStack('stampede', { SUBGRAPH_DEDUP: 'false' });
  });
  afterAll(async () => {
    await stack?.stop();
    if (stack) await dropKeys(stack.prefix);
  });
  sendsMissesOnce(() => stack);
});
