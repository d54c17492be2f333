import { randomBytes } from 'node:crypto';
import { circuitBreaker, CircuitState, ConsecutiveBreaker, handleAll } from 'cockatiel';
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
  /** How long an open breaker skips Redis before a probe may close it, in milliseconds. @default 1000 */
  readonly breakerCooldownMs?: number;
}

/**
 * The Redis store. Every key has a TTL. A version must outlive the entries tagged before it was
 * set (else an entry tagged "no version yet" would match again once it expired), so entries live
 * at most `MAX_ENTRY_TTL_SECONDS` and versions `VERSION_TTL_SECONDS`, renewed by every bump; under
 * memory pressure Redis should evict the shortest-lived keys first (`maxmemory-policy volatile-ttl`).
 * why: the connection (src/redis/connection.ts) already fails fast while Redis is down; the breaker
 * (a cockatiel circuit breaker) adds the slow or blackholed case, where each command would
 * otherwise wait its full timeout.
 */
export function createRedisCacheStore(options: RedisStoreOptions): CacheStore {
  const { redis, metrics, log } = options;
  const prefix = options.prefix ?? 'gw:v1:cache:';
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: options.breakerCooldownMs ?? 1_000,
    breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 3),
  });
  let down = false; // log once per outage
  breaker.onFailure(({ reason }) => {
    if (down) return;
    down = true;
    const error = 'error' in reason ? reason.error : undefined;
    log.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'cache: redis failed; serving uncached until it is back',
    );
  });
  breaker.onSuccess(() => {
    if (down) log.info('cache: redis is back');
    down = false;
  });

  // why a background probe: cockatiel's half-open state lets the next call through as the probe;
  // here no request is ever that call. While the breaker is not closed, a skipped call starts one
  // PING through the breaker (never more than one in flight): before the cool-off it is refused
  // at once, after it the PING is the half-open probe, and its success closes the breaker.
  let probing = false;
  const probe = () => {
    if (probing) return;
    probing = true;
    breaker
      .execute(() => redis.ping())
      .catch(() => undefined)
      .finally(() => (probing = false));
  };
  /** Runs `call` through the breaker; undefined when skipped or failed (a fallback is counted). */
  const guarded = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    if (breaker.state === CircuitState.Closed) {
      try {
        return await breaker.execute(call);
      } catch {
        // failed (logged by onFailure): a fallback
      }
    } else {
      probe();
    }
    metrics.redisFallbacks.inc({ feature: 'cache' });
    return undefined;
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

  /** Sets each `[key, value, ttlMs]`; rejects with the first error, if any. */
  const setAll = async (writes: readonly (readonly [string, string, number])[]) => {
    const error = await writeAll(writes);
    if (error) throw error;
    return true;
  };

  return {
    async mget(entryKeys, versionKeys) {
      const keys = [...versionKeys, ...entryKeys];
      if (!keys.length) return { ok: true, entries: [], versions: [] };
      const values = await guarded(() => readAll(keys.map((k) => prefix + k)));
      if (!values) {
        return {
          ok: false,
          entries: entryKeys.map(() => undefined),
          versions: versionKeys.map(() => ''),
        };
      }
      return {
        ok: true,
        versions: values.slice(0, versionKeys.length).map((v) => v ?? ''),
        entries: values.slice(versionKeys.length).map((v) => v ?? undefined),
      };
    },
    async mset(entries) {
      if (!entries.length) return;
      await guarded(() =>
        setAll(entries.map((e) => [prefix + e.key, e.value, entryTtlMs(e.ttlSeconds)] as const)),
      );
    },
    async bumpVersions(versionKeys) {
      if (!versionKeys.length) return true;
      const done = await guarded(() =>
        setAll(
          versionKeys.map(
            (key) => [prefix + key, newVersion(), VERSION_TTL_SECONDS * 1000] as const,
          ),
        ),
      );
      return done === true;
    },
  };
}
