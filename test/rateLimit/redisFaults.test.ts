/**
 * Budgets when Redis fails (docs/security.md O, cases 104–108), on a private redis-server process: stopped,
 * frozen (SIGSTOP: commands get no answer), restarted empty. Requests keep being served with their
 * RateLimit headers from the in-process fallback; budgets return to Redis once it answers.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnRedis, uniquePrefix, type OwnRedis } from '../helpers/redis.js';
import { metric, startStack, type Stack } from '../helpers/stack.js';
import { keyPool } from '../helpers/apiKeys.js';

const QUERY = '{ products(first: 7) { name seller { name } } }'; // costs 14
const prefix = uniquePrefix('budget-faults');
// Each caller an issued API key of its own (API_KEYS_PATH), so its own budget.
const keys = keyPool();
const caller = () => keys.next();

let redis: OwnRedis;
let stack: Stack;
beforeAll(async () => {
  redis = await startOwnRedis();
  stack = await startStack({
    env: {
      REDIS_URL: redis.url,
      REDIS_COMMAND_TIMEOUT_MS: '100',
      RATE_LIMIT_KEY_PREFIX: prefix,
      RATE_LIMIT_CAPACITY: '30',
      RATE_LIMIT_REFILL_PER_SECOND: '0.001',
      API_KEYS_PATH: keys.file.path,
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
  keys.file.remove();
});

const fallbacks = () => metric(stack, 'gateway_redis_fallbacks_total{feature="rateLimit"}');

/** The budget keys in the private Redis (empty when it is down). */
async function bucketKeys(): Promise<string[]> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 0, lazyConnect: true });
  client.on('error', () => undefined); // down is an answer here
  try {
    await client.connect();
    return await client.keys(`${prefix}*`);
  } catch {
    return [];
  } finally {
    client.disconnect();
  }
}

/** Served in full with budget headers, within a bound a request waiting on Redis would exceed. */
async function expectServed(headers: Record<string, string>): Promise<number> {
  const started = Date.now();
  const response = await stack.query(QUERY, { headers });
  expect(Date.now() - started).toBeLessThan(3000);
  expect(response.status).toBe(200);
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data.products).toHaveLength(7);
  expect(response.headers.get('ratelimit-limit')).toBe('30');
  return Number(response.headers.get('ratelimit-remaining'));
}

describe('budgets while Redis fails', () => {
  it('falls back to this process when Redis stops, and returns to Redis once it is back', async () => {
    // Wait for the gateway's connection, then spend on Redis.
    const headers = caller();
    await expect.poll(async () => (await stack.query(QUERY, { headers })).status).toBe(200);
    await expect.poll(bucketKeys).toHaveLength(1);
    const before = await fallbacks();

    await redis.stop();
    expect(await expectServed(headers)).toBe(16); // a fresh in-process bucket
    expect(await expectServed(headers)).toBe(2);
    expect(await fallbacks()).toBeGreaterThanOrEqual(before + 2);

    // Restarted empty (data and script cache lost): the script is loaded again, budgets are in Redis.
    await redis.start();
    await expect
      .poll(
        async () => {
          await expectServed(caller());
          return bucketKeys();
        },
        { timeout: 15_000, interval: 300 },
      )
      .not.toHaveLength(0);
    const settled = await fallbacks();
    await expectServed(caller());
    expect(await fallbacks()).toBe(settled);
  });

  it('does not stall while Redis is frozen (commands unanswered)', async () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    const pid = Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
    client.disconnect();
    const before = await fallbacks();
    process.kill(pid, 'SIGSTOP');
    try {
      const headers = caller();
      expect(await expectServed(headers)).toBe(16);
      expect(await expectServed(headers)).toBe(2);
      expect(await fallbacks()).toBeGreaterThan(before);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
