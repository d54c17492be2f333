import { LRUCache } from 'lru-cache';
import type { Principal } from '../context.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { privateScope } from './keys.js';
import { ParsedEntries } from './parsedEntries.js';
import type { CacheModel } from './model.js';
import { compileFetch, type FetchPlan } from './plan.js';
import type { ResponsePolicy } from './responsePolicy.js';
import { SharedReads } from './sharedRead.js';
import type { CacheStore } from './store.js';

/** Everything the caching data sources of one gateway share. */
export interface CacheRuntime {
  readonly store: CacheStore;
  /** False (`CACHE_ENABLED=false`): nothing is read or written; headers are still computed. */
  readonly enabled: boolean;
  readonly metrics: GatewayMetrics;
  readonly policy: ResponsePolicy;
  readonly now: () => number;
  /** Identical cache reads in flight at once share one lookup. */
  readonly reads: SharedReads;
  /** Entries already parsed, by their stored text. */
  readonly parsed: ParsedEntries;
  /** The model of the supergraph now serving; undefined before the first load. */
  model(): CacheModel | undefined;
  /** The compiled plan of a fetch to `subgraph` (memoized per supergraph: no per-request parse). */
  plan(model: CacheModel, subgraph: string, query: string): FetchPlan;
  /** The private scope of a verified caller (memoized per principal object). */
  scopeOf(principal: Principal): string;
}

export interface CacheRuntimeOptions {
  readonly store: CacheStore;
  readonly enabled: boolean;
  readonly metrics: GatewayMetrics;
  readonly policy: ResponsePolicy;
  readonly model: () => CacheModel | undefined;
  readonly now?: () => number;
  /** Compiled plans kept per supergraph. @default 2000 */
  readonly maxPlans?: number;
  /** Memory bound of the parsed entries, in bytes. @default 16 MiB */
  readonly maxParsedBytes?: number;
}

export function createCacheRuntime(options: CacheRuntimeOptions): CacheRuntime {
  const plans = new WeakMap<CacheModel, LRUCache<string, FetchPlan>>();
  const scopes = new WeakMap<Principal, string>();
  return {
    store: options.store,
    enabled: options.enabled,
    metrics: options.metrics,
    policy: options.policy,
    now: options.now ?? Date.now,
    reads: new SharedReads(options.policy),
    parsed: new ParsedEntries(options.maxParsedBytes ?? 16 * 1024 * 1024),
    model: options.model,
    plan(model, subgraph, query) {
      let cache = plans.get(model);
      if (!cache) {
        cache = new LRUCache({ max: options.maxPlans ?? 2000 });
        plans.set(model, cache);
      }
      const key = `${subgraph}\n${query}`;
      let plan = cache.get(key);
      if (!plan) {
        plan = compileFetch(query, model, subgraph);
        cache.set(key, plan);
      }
      return plan;
    },
    scopeOf(principal) {
      let scope = scopes.get(principal);
      if (scope === undefined) {
        scope = privateScope(principal);
        scopes.set(principal, scope);
      }
      return scope;
    },
  };
}
