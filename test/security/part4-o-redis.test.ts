/**
 * docs/security.md Part 4, O: Redis faults (cases 104–113) on a private redis-server per file
 * (`startOwnRedis`): stopped, SIGSTOPped (blackhole), slowed by a busy Lua script, restarted empty,
 * turned read-only (REPLICAOF), filled with garbage, out of memory.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnRedis, type OwnRedis } from '../helpers/redis.js';
import { metric, startStack, type Stack } from '../helpers/stack.js';
import { createTestIssuer } from '../helpers/tokens.js';
import { waitFor } from '../helpers/waitFor.js';
import { requestsCounted } from './helpers.js';

const QUERY = '{ products(first: 3) { name seller { name } } }';
const RL_PREFIX = 'gw:v1:ratelimit:';
const CACHE_PREFIX = 'gw:v1:cache:';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: OwnRedis;
let admin: Redis;
let stack: Stack;

beforeAll(async () => {
  redis = await startOwnRedis();
  admin = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
  admin.on('error', () => undefined);
  stack = await startStack({ env: { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '100' } });
}, 60_000);
afterAll(async () => {
  admin?.disconnect();
  await stack?.stop();
  await redis?.stop();
});

/** A federated query answered in full within a coarse bound a Redis-stalled request would exceed. */
async function expectServed(on: Stack = stack, boundMs = 3000): Promise<void> {
  const started = Date.now();
  const { status, body } = await on.query(QUERY);
  expect(Date.now() - started).toBeLessThan(boundMs);
  expect(status, JSON.stringify(body).slice(0, 300)).toBe(200);
  expect(body.errors).toBeUndefined();
  expect(body.data.products).toHaveLength(3);
  expect(body.data.products[0].seller.name).toBeTruthy();
}

async function keys(pattern: string): Promise<string[]> {
  return admin.keys(pattern);
}

async function redisPid(): Promise<number> {
  return Number(/process_id:(\d+)/.exec(await admin.info('server'))?.[1]);
}

async function ensureRedisUp(): Promise<void> {
  await redis.start().catch(() => undefined);
  await expect.poll(async () => admin.ping().catch(() => 'down'), { timeout: 10_000 }).toBe('PONG');
}

describe('O. Redis faults', { timeout: 60_000 }, () => {
  it('case 104: Redis down at boot: the gateway starts and serves, the outage counted', async () => {
    const down = await startOwnRedis();
    await down.stop();
    const gw = await startStack({ env: { REDIS_URL: down.url, REDIS_COMMAND_TIMEOUT_MS: '100' } });
    try {
      for (let i = 0; i < 3; i += 1) await expectServed(gw);
      const fallbacks = await gw.gateway.metrics.registry
        .getSingleMetric('gateway_redis_fallbacks_total')
        ?.get();
      expect((fallbacks?.values ?? []).reduce((s, v) => s + v.value, 0)).toBeGreaterThan(0);
    } finally {
      await gw.stop();
    }
  });

  it('case 105: Redis killed under load: no 5xx, every request answered in full', async () => {
    await ensureRedisUp();
    const statuses: number[] = [];
    const errors: unknown[] = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const { status, body } = await stack.query(QUERY);
        statuses.push(status);
        if (body.errors) errors.push(body.errors);
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await waitFor('traffic before the kill', () =>
      Promise.resolve(statuses.length >= 10 ? true : undefined),
    );
    await redis.stop();
    const atKill = statuses.length;
    await waitFor('traffic after the kill', () =>
      Promise.resolve(statuses.length >= atKill + 20 ? true : undefined),
    );
    stop = true;
    await Promise.all(workers);
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(errors).toEqual([]);
    await ensureRedisUp();
  });

  it('case 106: Redis blackholed (SIGSTOP): each request costs at most the Redis budget', async () => {
    await ensureRedisUp();
    const pid = await redisPid();
    process.kill(pid, 'SIGSTOP');
    try {
      for (let i = 0; i < 5; i += 1) await expectServed(stack, 2000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await expectServed();
  });

  it('case 107: Redis slow (500 ms per command): the same latency bound holds', async () => {
    await ensureRedisUp();
    const slow = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    slow.on('error', () => undefined);
    // A Lua script spinning 500 ms blocks the single-threaded server: every command waits.
    const spin =
      "local s=redis.call('TIME') repeat local n=redis.call('TIME') until (n[1]-s[1])*1000000+(n[2]-s[2]) > 500000 return 1";
    let stop = false;
    const slower = (async () => {
      while (!stop) await slow.eval(spin, 0).catch(() => sleep(50));
    })();
    try {
      await sleep(100);
      for (let i = 0; i < 5; i += 1) await expectServed(stack, 2500);
    } finally {
      stop = true;
      await slower;
      slow.disconnect();
    }
    await expectServed();
  });

  it('case 108: Redis restarted empty: counters reset, the rate-limit script reloads, no errors', async () => {
    await ensureRedisUp();
    await expectServed();
    await redis.stop();
    await redis.start();
    await ensureRedisUp();
    // NOSCRIPT after the restart: the bucket script is loaded again and counters are written.
    await expect
      .poll(
        async () => {
          await expectServed();
          return (await keys(`${RL_PREFIX}*`)).length;
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBeGreaterThan(0);
  });

  it('case 109: READONLY (demoted primary): no 5xx, writes resume once it is primary again', async () => {
    await ensureRedisUp();
    await admin.call('REPLICAOF', '127.0.0.1', '1');
    try {
      await admin.flushall().catch(() => undefined);
      for (let i = 0; i < 5; i += 1) await expectServed();
    } finally {
      await admin.call('REPLICAOF', 'NO', 'ONE');
    }
    await admin.flushall();
    await expect
      .poll(
        async () => {
          await expectServed();
          return (await keys(`${RL_PREFIX}*`)).length;
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBeGreaterThan(0);
  });

  it('case 110: garbage in the cache (not JSON, WRONGTYPE, truncated): a miss, never served', async () => {
    await ensureRedisUp();
    await expectServed();
    await expectServed();
    const cached = await keys(`${CACHE_PREFIX}*`);
    expect(cached.length).toBeGreaterThan(0);
    const garbage = ['not json', '{"data":{"name":', '\u0000\u00ff'];
    for (const [i, key] of cached.entries()) {
      const ttl = Math.max(await admin.pttl(key), 60_000);
      if (i % 4 === 3) {
        await admin.del(key);
        await admin.lpush(key, 'wrong type');
        await admin.pexpire(key, ttl);
      } else await admin.set(key, garbage[i % 3]!, 'PX', ttl);
    }
    for (let i = 0; i < 3; i += 1) {
      const { status, body } = await stack.query(QUERY);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      const text = JSON.stringify(body);
      expect(text).not.toContain('not json');
      expect(text).not.toContain('wrong type');
      expect(body.data.products[0].seller.name).toMatch(/\w/);
    }
  });

  it('case 111: Redis out of memory (noeviction): writes fail quietly, reads continue', async () => {
    await ensureRedisUp();
    await admin.flushall();
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');
    try {
      expect(await admin.set('probe', 'x').catch((e: Error) => e.message)).toMatch(/OOM/);
      for (let i = 0; i < 5; i += 1) await expectServed();
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
  });

  it('case 112: no rate-limit key is ever left without a TTL', async () => {
    await ensureRedisUp();
    // After the OOM case the limiter may still be in its Redis cool-off: wait for writes.
    await expect
      .poll(
        async () => {
          await Promise.all(Array.from({ length: 10 }, () => stack.query(QUERY)));
          return (await keys(`${RL_PREFIX}*`)).length;
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBeGreaterThan(0);
    const limited = await keys(`${RL_PREFIX}*`);
    for (const key of limited) expect(await admin.pttl(key), key).toBeGreaterThan(0);
    for (const key of await keys(`${CACHE_PREFIX}*`))
      expect(await admin.pttl(key), key).not.toBe(-1);
  });

  it('case 113: rate-limit semantics: 429 + Retry-After, limited while spamming, identity not rotatable, recovers', async () => {
    await ensureRedisUp();
    const issuer = await createTestIssuer();
    // Behind one trusted proxy (TRUST_PROXY=true, as docker-compose runs it): this test's socket is
    // the proxy, which appended the real client 198.51.100.113 to whatever the client wrote.
    const gw = await startStack({
      env: {
        REDIS_URL: redis.url,
        RATE_LIMIT_CAPACITY: '20',
        // 1 point a second against requests of 10: a refused spammer waits about 10 s, far longer
        // than the spam below takes, so no request slips in on refill.
        RATE_LIMIT_REFILL_PER_SECOND: '1',
        RATE_LIMIT_KEY_PREFIX: `${RL_PREFIX}case113:${Date.now()}:`,
        TRUST_PROXY: 'true',
        JWT_PUBLIC_KEY: issuer.publicKeyPem,
        JWT_ISSUER: issuer.issuer,
        JWT_AUDIENCE: issuer.audience,
      },
    });
    try {
      const q = (written = '', headers: Record<string, string> = {}, token?: string) =>
        gw.query('{ products(first: 10) { name } }', {
          headers: { 'x-forwarded-for': `${written}198.51.100.113`, ...headers },
          token,
        });
      let refused: Awaited<ReturnType<typeof q>> | undefined;
      for (let i = 0; i < 10 && !refused; i += 1) {
        const r = await q();
        if (r.status === 429) refused = r;
        else expect(r.status).toBe(200);
      }
      expect(refused, 'no 429 within 10 requests').toBeDefined();
      expect(refused!.body.errors[0].extensions.code).toBe('REQUEST_RATE_LIMITED');
      const retryAfter = Number(refused!.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      // Still spamming: still limited. A rotating client-written X-Forwarded-For, or an invented
      // API key, opens no new bucket. (Only a Redis command timing out on a loaded machine may
      // let one through, from the in-process fallback bucket; then the fallback was counted.)
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        statuses.push((await q(`10.0.0.${i}, 203.0.113.${i}, `)).status);
        statuses.push((await q('', { 'x-api-key': `invented-${i}` })).status);
      }
      const fallbacks = await metric(gw, 'gateway_redis_fallbacks_total{feature="rateLimit"}');
      expect(
        statuses.filter((s) => s !== 429).length,
        `fallbacks ${fallbacks}`,
      ).toBeLessThanOrEqual(fallbacks > 0 ? 2 : 0);
      expect(await requestsCounted(gw, 'REQUEST_RATE_LIMITED')).toBeGreaterThan(0);
      // A verified sub is its own identity (same budget for every token of that sub); a forged
      // token is no identity at all.
      const sub = `case113-${process.pid}`;
      expect((await q('', {}, await issuer.mint({ sub }))).status).toBe(200);
      const again = await q('', {}, await issuer.mint({ sub }));
      expect(Number(again.headers.get('ratelimit-remaining'))).toBeLessThan(10);
      const forged = await q(
        '',
        {},
        (await issuer.mint({ sub: 'other' })).replace(/\.[^.]+$/, '.AAAA'),
      );
      expect(forged.status).toBe(401);
      expect(forged.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      // Recovers once the budget refills (observed, with a generous bound).
      await expect
        .poll(async () => (await q()).status, {
          timeout: retryAfter * 1000 + 10_000,
          interval: 250,
        })
        .toBe(200);
    } finally {
      await gw.stop();
    }
  });
});
