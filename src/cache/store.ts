import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis/connection.js';
import { groupBySlot } from '../redis/slots.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';

/**
 * Where cached field values and entity versions live: Redis when `REDIS_URL` or
 * `REDIS_CLUSTER_NODES` is set (below, the
 * only file of the cache that talks to Redis), otherwise the in-process LRU (`memoryStore.ts`). No
 * method ever rejects: a failing store reads as misses and skips writes, so a Redis outage only
 * costs speed.
 */
export interface CacheStore {
  /**
   * Entries and versions in one round trip. A missing entry is undefined; a missing version is a
   * string too (`''`, or a store-specific marker), so it can be compared with an entry's tag.
   * `ok` is false when the store failed (then nothing should be written for this lookup).
   */
  mget(entryKeys: readonly string[], versionKeys: readonly string[]): Promise<Lookup>;
  /** Writes entries, each with its own TTL. */
  mset(entries: readonly StoreEntry[]): Promise<void>;
  /** Gives each version key a new unique value; false when the store failed. */
  bumpVersions(versionKeys: readonly string[]): Promise<boolean>;
}

export interface Lookup {
  readonly ok: boolean;
  readonly entries: readonly (string | undefined)[];
  readonly versions: readonly string[];
}

export interface StoreEntry {
  readonly key: string;
  readonly value: string;
  readonly ttlSeconds: number;
}

/** The longest an entry is stored, whatever its `maxAge` (one day). */
export const MAX_ENTRY_TTL_SECONDS = 86_400;
/** How long a version lives after its last bump (a week): longer than any entry. */
export const VERSION_TTL_SECONDS = 7 * 86_400;

/** An entry's TTL in milliseconds, capped at `MAX_ENTRY_TTL_SECONDS`. */
export function entryTtlMs(ttlSeconds: number): number {
  return Math.round(Math.min(ttlSeconds, MAX_ENTRY_TTL_SECONDS) * 1000);
}

/** A version value nobody else has: versions are compared for equality, never ordered. */
export function newVersion(): string {
  return `${Date.now().toString(36)}.${randomBytes(6).toString('base64url')}`;
}

export interface RedisStoreOptions {
  readonly redis: RedisClient;
  /** Prepended to every key. @default 'gw:v1:cache:' */
  readonly prefix?: string;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  /** Consecutive failures that open the breaker. @default 3 */
  readonly breakerThreshold?: number;
  /** How long an open breaker skips Redis, in milliseconds. @default 1000 */
  readonly breakerCooldownMs?: number;
  readonly now?: () => number;
}

/**
 * The Redis store. Every key has a TTL. A version must outlive the entries tagged before it was
 * set (else an entry tagged "no version yet" would match again once it expired), so entries live
 * at most `MAX_ENTRY_TTL_SECONDS` and versions `VERSION_TTL_SECONDS`, renewed by every bump; under
 * memory pressure Redis should evict the shortest-lived keys first (`maxmemory-policy volatile-ttl`).
 * why: the connection (src/redis/connection.ts) already fails fast while Redis is down; the breaker
 * adds the slow or blackholed case, where each command would otherwise wait its full timeout.
 */
export function createRedisCacheStore(options: RedisStoreOptions): CacheStore {
  const { redis, metrics, log } = options;
  const prefix = options.prefix ?? 'gw:v1:cache:';
  const threshold = options.breakerThreshold ?? 3;
  const cooldownMs = options.breakerCooldownMs ?? 1_000;
  const now = options.now ?? Date.now;
  let failures = 0;
  let openUntil = 0;
  let probing = false;
  let down = false;

  // why: while open, a skipped call starts one background PING (never more than one in flight);
  // its success closes the breaker, so the cache is back as soon as Redis answers, and no
  // request ever waits on a probe.
  const available = () => {
    if (now() >= openUntil) return true;
    if (!probing) {
      probing = true;
      redis.ping().then(
        () => {
          probing = false;
          succeeded();
        },
        () => {
          probing = false;
        },
      );
    }
    metrics.redisFallbacks.inc({ feature: 'cache' });
    return false;
  };
  const failed = (error: unknown) => {
    metrics.redisFallbacks.inc({ feature: 'cache' });
    failures += 1;
    if (failures >= threshold) openUntil = now() + cooldownMs;
    if (!down) {
      down = true; // log once per outage
      log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'cache: redis failed; serving uncached until it is back',
      );
    }
  };
  const succeeded = () => {
    failures = 0;
    openUntil = 0;
    if (down) log.info('cache: redis is back');
    down = false;
  };
  const pipelineFailed = (results: [Error | null, unknown][] | null) =>
    !results ? new Error('pipeline aborted') : results.find(([error]) => error)?.[0];

  // why per slot: on a Redis Cluster a multi-key command or pipeline must stay within one hash
  // slot (else CROSSSLOT), and one screen's entries and versions spread over many slots by
  // design (no hash tags, so no hot slot). Each slot's keys go as one MGET or pipeline, all slots
  // at once; the cluster client's autopipelining sends each node's share as one pipeline, so a
  // lookup is still one round of parallel requests. A single node gets one MGET, as before.
  const readAll = async (keys: readonly string[]): Promise<(string | null)[]> => {
    if (!redis.isCluster) return redis.mget(...keys);
    const values: (string | null)[] = keys.map(() => null);
    await Promise.all(
      groupBySlot(keys).map(async (group) => {
        const slotValues = await redis.mget(...group.map((i) => keys[i] as string));
        group.forEach((i, n) => (values[i] = slotValues[n] ?? null));
      }),
    );
    return values;
  };
  /** Sets each `[key, value, ttlMs]`; resolves to the first error, if any. */
  const writeAll = async (
    writes: readonly (readonly [string, string, number])[],
  ): Promise<Error | undefined> => {
    const groups = redis.isCluster
      ? groupBySlot(writes.map(([key]) => key))
      : [writes.map((_, i) => i)];
    const errors = await Promise.all(
      groups.map(async (group) => {
        const pipeline = redis.pipeline();
        for (const i of group) {
          const [key, value, ttlMs] = writes[i] as (typeof writes)[number];
          pipeline.set(key, value, 'PX', ttlMs);
        }
        return pipelineFailed(await pipeline.exec());
      }),
    );
    return errors.find((e) => e) ?? undefined;
  };

  return {
    async mget(entryKeys, versionKeys) {
      const keys = [...versionKeys, ...entryKeys];
      const miss: Lookup = {
        ok: false,
        entries: entryKeys.map(() => undefined),
        versions: versionKeys.map(() => ''),
      };
      if (!keys.length) return { ...miss, ok: true };
      if (!available()) return miss;
      try {
        const values = await readAll(keys.map((k) => prefix + k));
        succeeded();
        return {
          ok: true,
          versions: values.slice(0, versionKeys.length).map((v) => v ?? ''),
          entries: values.slice(versionKeys.length).map((v) => v ?? undefined),
        };
      } catch (error) {
        failed(error);
        return miss;
      }
    },
    async mset(entries) {
      if (!entries.length || !available()) return;
      try {
        const error = await writeAll(
          entries.map((e) => [prefix + e.key, e.value, entryTtlMs(e.ttlSeconds)] as const),
        );
        if (error) failed(error);
        else succeeded();
      } catch (error) {
        failed(error);
      }
    },
    async bumpVersions(versionKeys) {
      if (!versionKeys.length) return true;
      if (!available()) return false;
      try {
        const error = await writeAll(
          versionKeys.map(
            (key) => [prefix + key, newVersion(), VERSION_TTL_SECONDS * 1000] as const,
          ),
        );
        if (error) failed(error);
        else succeeded();
        return !error;
      } catch (error) {
        failed(error);
        return false;
      }
    },
  };
}
