import type { QueryPlan, QueryPlanCache } from '@apollo/query-planner';
import { LRUCache } from 'lru-cache';
import type { GatewayMetrics } from '../observability/metrics.js';

/** `@apollo/gateway`'s own default: about 30 MiB of plans, measured as their JSON length. */
const DEFAULT_MAX_BYTES = 30 * 1024 * 1024;

/**
 * The query plan cache handed to `@apollo/gateway` (`queryPlannerConfig.cache`): the same LRU
 * bound as its built-in one, plus hit and miss counts in `gateway_query_plan_cache_total`, so an
 * operator sees how often requests pay for planning (and that warmed operations never do).
 * The gateway clears it when a new supergraph is loaded.
 */
export function createPlanCache(
  metrics: GatewayMetrics,
  maxBytes = DEFAULT_MAX_BYTES,
): QueryPlanCache {
  const plans = new LRUCache<string, QueryPlan>({
    maxSize: maxBytes,
    // why: like Apollo's own sizing; a plan is measured once, when it is stored.
    sizeCalculation: (plan) => Math.max(1, JSON.stringify(plan).length),
  });
  return {
    get(key) {
      const plan = plans.get(key);
      metrics.queryPlanCache.inc({ outcome: plan ? 'hit' : 'miss' });
      return Promise.resolve(plan);
    },
    set(key, plan) {
      plans.set(key, plan);
      return Promise.resolve();
    },
    delete(key) {
      return Promise.resolve(plans.delete(key));
    },
    clear() {
      plans.clear();
    },
  };
}
