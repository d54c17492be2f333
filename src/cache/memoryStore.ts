import { LRUCache } from 'lru-cache';
import { entryTtlMs, newVersion, type CacheStore } from './store.js';

export interface MemoryStoreOptions {
  /** Memory bound of the entries, in bytes (approximate: UTF-16 string sizes). */
  readonly maxBytes: number;
  /** Versions kept before all state is dropped at once. @default 100_000 */
  readonly maxVersions?: number;
  readonly now?: () => number;
}

interface MemoryEntry {
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * The in-process store: an LRU bounded by memory, TTL per entry (checked against `now`, which tests
 * may move). Versions live in their own map, never evicted one by one: when it is full, every entry
 * and version is dropped and a new generation starts; a missing version reads as that generation's
 * marker, so an entry tagged before the drop can never match again.
 */
export function createMemoryCacheStore(options: MemoryStoreOptions): CacheStore {
  const now = options.now ?? Date.now;
  const maxVersions = options.maxVersions ?? 100_000;
  const entries = new LRUCache<string, MemoryEntry>({
    maxSize: Math.max(1024, options.maxBytes),
    sizeCalculation: (entry, key) => 2 * (key.length + entry.value.length) + 64,
  });
  const versions = new Map<string, string>();
  // why: a short marker (it is part of every entry's tag); unique per process, which is all an
  // in-process store needs.
  let generation = 0;

  return {
    mget(entryKeys, versionKeys) {
      const t = now();
      const values = entryKeys.map((key) => {
        const entry = entries.get(key);
        if (entry && entry.expiresAt <= t) entries.delete(key);
        return entry && entry.expiresAt > t ? entry.value : undefined;
      });
      return Promise.resolve({
        ok: true,
        entries: values,
        versions: versionKeys.map((key) => versions.get(key) ?? `~${generation}`),
      });
    },
    mset(list) {
      const t = now();
      for (const e of list)
        entries.set(e.key, { value: e.value, expiresAt: t + entryTtlMs(e.ttlSeconds) });
      return Promise.resolve();
    },
    bumpVersions(versionKeys) {
      if (versions.size + versionKeys.length > maxVersions) {
        versions.clear();
        entries.clear();
        generation += 1;
      }
      for (const key of versionKeys) versions.set(key, newVersion());
      return Promise.resolve(true);
    },
  };
}
