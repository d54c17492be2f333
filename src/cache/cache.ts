import type { GraphQLDataSource } from '@apollo/gateway';
import type { AdmissionStep } from '../admission.js';
import type { CacheConfig } from '../config/config.js';
import type { GatewayContext } from '../context.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RedisClient } from '../redis/connection.js';
import type { ResponsePart } from '../respond.js';
import type { PreparedSupergraph } from '../supergraph/prepare.js';
import { createCacheStep } from './cacheStep.js';
import { CachingDataSource, type SubgraphSender } from './cachingDataSource.js';
import { createInvalidator, type InvalidationResult } from './invalidate.js';
import { cacheModelOf } from './model.js';
import { createResponsePolicy } from './responsePolicy.js';
import { createCacheRuntime } from './runtime.js';
import { createMemoryCacheStore } from './memoryStore.js';
import { createRedisCacheStore, type CacheStore } from './store.js';

export type { CacheStore } from './store.js';
export type { InvalidationResult, InvalidationTarget } from './invalidate.js';

export interface CacheOptions {
  readonly config: CacheConfig;
  /** The gateway's Redis connection; absent = the in-process store. */
  readonly redis: RedisClient | undefined;
  /** The supergraph now serving (its `@cacheControl` hints and entity keys). */
  readonly supergraph: () => PreparedSupergraph | undefined;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  /** Injected in tests: the store, and the clock TTLs are measured against. */
  readonly store?: CacheStore;
  readonly now?: () => number;
}

/** The per-field cache, bound to the gateway: its parts for each phase of the request. */
export interface Cache {
  /** Phase 7: wraps a subgraph's client (one wrapper per client). */
  dataSource(client: SubgraphSender): GraphQLDataSource<GatewayContext>;
  /** Admission, last: selects entity keys in mutations so their versions can be bumped. */
  readonly step: AdmissionStep;
  /** Phase 8: the response's `Cache-Control`. */
  readonly part: ResponsePart;
  /**
   * Makes what the body names stale (`{type, id}`, `{type}` or `{subgraph}`); `POST
   * /cache/invalidate` (`src/http/invalidateRoute.ts`) calls it for an admin.
   */
  invalidate(body: string | undefined): Promise<InvalidationResult>;
  readonly store: CacheStore;
}

/** Builds the cache once per gateway. */
export function createCache(options: CacheOptions): Cache {
  const now = options.now ?? Date.now;
  const store =
    options.store ??
    (options.redis
      ? createRedisCacheStore({
          redis: options.redis,
          prefix: options.config.keyPrefix,
          metrics: options.metrics,
          log: options.log,
        })
      : createMemoryCacheStore({ maxBytes: options.config.maxMemoryMb * 1024 * 1024, now }));
  const model = () => {
    const supergraph = options.supergraph();
    return supergraph && cacheModelOf(supergraph);
  };
  const policy = createResponsePolicy();
  const runtime = createCacheRuntime({
    store,
    enabled: options.config.enabled,
    metrics: options.metrics,
    policy,
    model,
    now,
  });
  const wrappers = new WeakMap<SubgraphSender, CachingDataSource>();
  return {
    dataSource(client) {
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = new CachingDataSource(client, runtime);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    step: createCacheStep(() => (options.config.enabled ? model() : undefined)),
    part: policy.part,
    invalidate: createInvalidator({ store, model, log: options.log }),
    store,
  };
}
