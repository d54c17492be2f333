import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  keysMatching,
  ON_TEST_CLUSTER,
  redisAvailable,
  testRedisClient,
} from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';
import { ADMIN_TOKEN, dropKeys, invalidate, startCacheStack, type CacheStack } from './harness.js';

/**
 * `POST /cache/invalidate` takes only sane input: an id of at most 256 characters without control
 * characters, a type that is an entity type of the supergraph, a body of at most 4 KiB. Anything
 * else is 400 `BAD_REQUEST`, refused before it reaches the store or the log. The callers are admins (the
 * static token, or a JWT with `admin:cache`): allowed to invalidate anything sane.
 */

const HUGE_ID = 'x'.repeat(900 * 1024);
const body = (value: unknown) => JSON.stringify(value);

const REFUSED: readonly (readonly [string, string])[] = [
  ['a 900 KB id', body({ type: 'Product', id: HUGE_ID })],
  ['an id of 257 characters', body({ type: 'Product', id: 'p'.repeat(257) })],
  ['an id with a newline', body({ type: 'Product', id: 'p1\nforged log line' })],
  ['an id with a NUL', body({ type: 'Product', id: 'p1\u0000' })],
  ['an infinite numeric id', '{"type":"Product","id":1e400}'],
  ['a 900 KB type', body({ type: HUGE_ID })],
  ['a type that is no entity type', body({ type: 'Query' })],
  ['a type that is not in the supergraph', body({ type: 'Products' })],
  ['a 900 KB subgraph name', body({ subgraph: HUGE_ID })],
  ['a 900 KB unknown field', body({ type: 'Product', [HUGE_ID]: 1 })],
  ['a body over 4 KiB', body({ type: 'Product', id: 'p1', padding: 'x'.repeat(4096) })],
];

describe.skipIf(!(await redisAvailable()))('bounded /cache/invalidate input, on Redis', () => {
  let stack: CacheStack;
  let jwt: string;
  beforeAll(async () => {
    stack = await startCacheStack('invalidate-input');
    jwt = await devToken('u1', 'admin:cache');
  });
  afterAll(async () => {
    await stack?.stop();
    if (stack) await dropKeys(stack.prefix);
  });

  it.each(REFUSED)('answers 400 BAD_REQUEST to %s and stores nothing', async (_name, text) => {
    for (const authorization of [`Bearer ${ADMIN_TOKEN}`, `Bearer ${jwt}`]) {
      const answer = await invalidate(stack, text, authorization);
      expect(answer.status).toBe(400);
      expect(answer.body.errors?.[0]?.extensions.code).toBe('BAD_REQUEST');
      // the answer never echoes the input back
      expect(JSON.stringify(answer.body).length).toBeLessThan(1024);
    }
    const redis = testRedisClient();
    try {
      const keys = await keysMatching(redis, `${stack.prefix}*ver:*`);
      expect(keys.filter((k) => k.length > 512)).toEqual([]);
      // eslint-disable-next-line no-control-regex
      expect(keys.filter((k) => /[\u0000-\u001f]/.test(k))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it.each([
    ['an id of 256 characters', body({ type: 'Product', id: 'p'.repeat(256) })],
    ['a numeric id', body({ type: 'Product', id: 42 })],
    ['a unicode id', body({ type: 'User', id: 'ü-ß-✓' })],
    ['a whole type', body({ type: 'Payment' })],
    ['a subgraph', body({ subgraph: 'user' })],
  ])('still accepts %s', async (_name, text) => {
    const answer = await invalidate(stack, text, `Bearer ${ADMIN_TOKEN}`);
    expect(answer.status).toBe(200);
  });
});

describe.skipIf(ON_TEST_CLUSTER)('bounded /cache/invalidate input, in-process LRU', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ADMIN_TOKEN } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each(REFUSED)('answers 400 BAD_REQUEST to %s', async (_name, text) => {
    const answer = await invalidate(stack, text, `Bearer ${ADMIN_TOKEN}`);
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions.code).toBe('BAD_REQUEST');
  });

  it('still accepts a sane id', async () => {
    const answer = await invalidate(
      stack,
      body({ type: 'Product', id: 'p1' }),
      `Bearer ${ADMIN_TOKEN}`,
    );
    expect(answer.status).toBe(200);
  });
});
