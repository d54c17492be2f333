/**
 * Redis faults (docs/security.md O, cases 104–108) on a private redis-server process: stopped, restarted,
 * frozen with SIGSTOP (blackholed: commands get no answer). Clients keep getting answers with data;
 * only `/ready` reports the outage, with its reason, and recovers when Redis is back.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnRedis, type OwnRedis } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

const QUERY = '{ products(first: 3) { name seller { name } } }';

let redis: OwnRedis;
let stack: Stack;
let base: string;

beforeAll(async () => {
  redis = await startOwnRedis();
  stack = await startStack({ env: { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '100' } });
  base = stack.url.replace(/\/graphql$/, '');
});
afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
});

const ready = async () => {
  const response = await fetch(`${base}/ready`);
  return { status: response.status, body: (await response.json()) as { reason?: string } };
};

/** A query answered in full, within a coarse bound that a waiting-on-Redis request would exceed. */
async function expectServed(boundMs: number) {
  const started = Date.now();
  const { status, body } = await stack.query(QUERY);
  expect(Date.now() - started).toBeLessThan(boundMs);
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  expect(body.data.products).toHaveLength(3);
  expect(body.data.products[0].seller.name).toBeTruthy();
}

async function redisPid(): Promise<number> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
  try {
    const info = await client.info('server');
    return Number(/process_id:(\d+)/.exec(info)?.[1]);
  } finally {
    client.disconnect();
  }
}

describe('Redis stopped and restarted', () => {
  it('keeps serving, reports not ready with the reason, and is ready again once Redis is back', async () => {
    await expect.poll(async () => (await ready()).status, { timeout: 10_000 }).toBe(200);
    await expectServed(5000);

    await redis.stop();
    await expect.poll(async () => (await ready()).status, { timeout: 10_000 }).toBe(503);
    expect((await ready()).body.reason).toMatch(/redis/i);
    for (let i = 0; i < 5; i += 1) await expectServed(3000);

    await redis.start();
    await expect
      .poll(async () => (await ready()).status, { timeout: 15_000, interval: 200 })
      .toBe(200);
    await expectServed(5000);
  });
});

describe('Redis blackholed (SIGSTOP: connected, never answering)', () => {
  it('costs each request at most the Redis budget, and recovers when Redis answers again', async () => {
    await expect.poll(async () => (await ready()).status, { timeout: 15_000 }).toBe(200);
    const pid = await redisPid();
    process.kill(pid, 'SIGSTOP');
    try {
      // Each Redis command has a 100 ms budget; a request that waited on Redis would hang.
      const started = Date.now();
      expect((await ready()).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(3000);
      for (let i = 0; i < 5; i += 1) await expectServed(3000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await expect
      .poll(async () => (await ready()).status, { timeout: 15_000, interval: 200 })
      .toBe(200);
    await expectServed(5000);
  });
});
