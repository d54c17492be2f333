import type { RedisClient } from '../../src/redis/connection.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCacheStore } from '../../src/cache/store.js';
import { createRedis } from '../../src/redis/connection.js';
import { createMetrics } from '../../src/observability/metrics.js';
import {
  redisAvailable,
  ON_TEST_CLUSTER,
  startOwnRedis,
  testRedisTarget,
  uniquePrefix,
  type OwnRedis,
} from '../helpers/redis.js';
import { dropKeys } from './harness.js';

describe.skipIf(!(await redisAvailable()))('the Redis store', () => {
  const prefix = uniquePrefix('cache-store');
  const metrics = createMetrics({ processMetrics: false });
  let redis: RedisClient;
  beforeAll(async () => {
    redis = createRedis({ ...testRedisTarget(), log: pino({ level: 'silent' }) });
    // why: no offline queue (by design): commands before the connection is ready fail at once.
    await new Promise((resolve) => redis.once('ready', resolve));
  });
  afterAll(async () => {
    redis?.disconnect();
    await dropKeys(prefix);
  });
  const store = () =>
    createRedisCacheStore({ redis, prefix, metrics, log: pino({ level: 'silent' }) });

  it('reads entries and versions in one MGET, misses as undefined and absent versions as ""', async () => {
    await store().mset([{ key: 'a', value: 'A', ttlSeconds: 60 }]);
    expect(await store().mget(['a', 'b'], ['ver:X:1'])).toEqual({
      ok: true,
      entries: ['A', undefined],
      versions: [''],
    });
  });

  it('writes each entry with its own TTL (PX), capped at a day, and versions for a week', async () => {
    await store().mset([
      { key: 'short', value: 's', ttlSeconds: 10 },
      { key: 'long', value: 'l', ttlSeconds: 300 },
      { key: 'year', value: 'y', ttlSeconds: 365 * 86_400 },
    ]);
    await store().bumpVersions(['ver:X:2']);
    const [short, long, year, version] = await Promise.all(
      ['short', 'long', 'year', 'ver:X:2'].map((k) => redis.pttl(prefix + k)),
    );
    expect(short).toBeGreaterThan(9_000);
    expect(short).toBeLessThanOrEqual(10_000);
    expect(long).toBeGreaterThan(299_000);
    expect(year).toBeLessThanOrEqual(86_400_000);
    expect(version).toBeGreaterThan(86_400_000);
    expect(version).toBeLessThanOrEqual(7 * 86_400_000);
  });

  it('gives every bump a value never seen before', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      expect(await store().bumpVersions(['ver:X:3'])).toBe(true);
      seen.add((await store().mget([], ['ver:X:3'])).versions[0]!);
    }
    expect(seen.size).toBe(5);
  });

  it('reads a key holding another type as a miss, and overwrites it', async () => {
    await redis.rpush(`${prefix}wrongtype`, 'x');
    expect((await store().mget(['wrongtype'], [])).entries).toEqual([undefined]);
    await store().mset([{ key: 'wrongtype', value: 'ok', ttlSeconds: 60 }]);
    expect((await store().mget(['wrongtype'], [])).entries).toEqual(['ok']);
  });
});

describe.skipIf(ON_TEST_CLUSTER || !(await redisAvailable()))(
  'the Redis store while Redis is down',
  () => {
    let own: OwnRedis;
    let redis: RedisClient;
    beforeAll(async () => {
      own = await startOwnRedis();
      redis = createRedis({ url: own.url, log: pino({ level: 'silent' }) });
      await new Promise((resolve) => redis.once('ready', resolve));
    });
    let stopped = false;
    afterAll(async () => {
      redis?.disconnect();
      // why: the helper's stop() waits for an exit that already happened when called twice.
      if (!stopped) await own?.stop();
    });

    it('never rejects, counts fallbacks and logs once per outage', async () => {
      const metrics = createMetrics({ processMetrics: false });
      const warnings: string[] = [];
      const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
      const store = createRedisCacheStore({ redis, prefix: 'x:', metrics, log });
      await own.stop();
      stopped = true;
      for (let i = 0; i < 5; i++) {
        expect(await store.mget(['a'], ['v'])).toEqual({
          ok: false,
          entries: [undefined],
          versions: [''],
        });
        await store.mset([{ key: 'a', value: 'A', ttlSeconds: 1 }]);
        expect(await store.bumpVersions(['v'])).toBe(false);
      }
      const fallbacks = (await metrics.redisFallbacks.get()).values.find(
        (v) => v.labels.feature === 'cache',
      );
      expect(fallbacks?.value).toBe(15);
      expect(warnings.filter((w) => w.includes('cache: redis failed'))).toHaveLength(1);
    });
  },
);
