import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, startOwnRedis, type OwnRedis } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { counter, requests, startCacheStack, type CacheStack } from './harness.js';

const QUERY = '{ products(first: 3) { name price } product(id: "p3") { description } }';

describe.skipIf(!(await redisAvailable()))('Redis faults only cost speed', () => {
  let own: OwnRedis;
  let stack: CacheStack;
  beforeAll(async () => {
    own = await startOwnRedis();
    stack = await startCacheStack('fault', { REDIS_URL: own.url, REDIS_COMMAND_TIMEOUT_MS: '100' });
  });
  afterAll(async () => {
    await stack?.stop();
    await own?.stop();
  });

  it('serves every request uncached while Redis is down, and caches again once it is back', async () => {
    const fallbacks = () => counter(stack, 'redisFallbacks', { feature: 'cache' });
    const warm = await stack.query(QUERY);
    stack.resetStats();
    expect((await stack.query(QUERY)).body.data).toEqual(warm.body.data);
    expect(requests(stack).product).toBe(0);

    await own.stop(); // Redis killed mid-test
    const before = await fallbacks();
    for (let i = 0; i < 3; i++) {
      stack.resetStats();
      const answer = await stack.query(QUERY);
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual(warm.body.data);
      expect(requests(stack).product).toBeGreaterThan(0); // uncached, never failed
    }
    expect(await fallbacks()).toBeGreaterThan(before);

    await own.start(); // empty again: a restart loses the data
    await expect
      .poll(
        async () => {
          await stack.query(QUERY);
          stack.resetStats();
          await stack.query(QUERY);
          return requests(stack).product;
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBe(0);
  }, 40_000);
});

describe('Redis down at boot', () => {
  let stack: Stack;
  beforeAll(async () => {
    // a port nothing listens on
    stack = await startStack({
      env: { REDIS_URL: 'redis://127.0.0.1:1', ADMIN_TOKEN: 'cache-admin-token-for-tests' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves uncached and answers 503 to an invalidation it could not do', async () => {
    const first = await stack.query(QUERY);
    const second = await stack.query(QUERY);
    expect(first.status).toBe(200);
    expect(second.body.data).toEqual(first.body.data);
    const response = await fetch(stack.url.replace(/\/graphql$/, '/cache/invalidate'), {
      method: 'POST',
      headers: {
        authorization: 'Bearer cache-admin-token-for-tests',
        'content-type': 'application/json',
      },
      body: '{"subgraph":"product"}',
    });
    expect(response.status).toBe(503);
  });
});

describe('without Redis (npm start): the in-process store', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('caches in process', async () => {
    const first = await stack.query(QUERY);
    stack.resetStats();
    expect((await stack.query(QUERY)).body.data).toEqual(first.body.data);
    expect(requests(stack)).toEqual({ product: 0, user: 0, payment: 0 });
  });
});

describe('CACHE_ENABLED=false', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { CACHE_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('asks the subgraphs every time, sending the planned query unchanged, and still sets Cache-Control', async () => {
    await stack.query(QUERY);
    stack.resetStats();
    const again = await stack.query(QUERY);
    expect(requests(stack).product).toBeGreaterThan(0);
    expect(stack.subgraphs.product.stats.received.map((r) => r.query).join()).not.toContain(
      'gwCacheKey',
    );
    expect(again.headers.get('cache-control')).toBe('max-age=10, public');
  });
});
