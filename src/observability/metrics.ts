import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The gateway's Prometheus metrics (names fixed by docs/architecture.md), one registry per gateway instance. */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'operation' | 'code'>;
  readonly requestDuration: Histogram<'operation'>;
  readonly subgraphRequests: Counter<'subgraph' | 'outcome'>;
  readonly subgraphDuration: Histogram<'subgraph'>;
  /** Retries of subgraph fetches (queries only). */
  readonly subgraphRetries: Counter<'subgraph'>;
  /** 1 while a subgraph's circuit breaker is open (fetches fail fast), else 0. */
  readonly subgraphCircuitOpen: Gauge<'subgraph'>;
  /** Subgraph fetches served by an identical fetch already in flight (no HTTP request of their own). */
  readonly subgraphDeduplicated: Counter<'subgraph'>;
  readonly planExecutions: Counter<'executor'>;
  readonly cacheHits: Counter<'subgraph'>;
  readonly cacheMisses: Counter<'subgraph'>;
  readonly rateLimited: Counter;
  readonly operationCost: Histogram<'kind'>;
  readonly redisFallbacks: Counter<'feature'>;
  readonly supergraphReloads: Counter<'outcome'>;
  /** Lookups in the query plan cache: `hit`, or `miss` (the operation is planned). */
  readonly queryPlanCache: Counter<'outcome'>;
  /** Persisted operations parsed, validated and planned ahead of their first request. */
  readonly persistedWarmed: Gauge;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: { processMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'gateway_requests_total',
      help: 'GraphQL requests by operation name and outcome code',
      labelNames: ['operation', 'code'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'GraphQL request duration',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    subgraphRequests: new Counter({
      name: 'gateway_subgraph_requests_total',
      help: 'Subgraph fetch attempts by outcome (ok, error, invalid, timeout, unavailable, circuit_open)',
      labelNames: ['subgraph', 'outcome'],
      registers,
    }),
    subgraphDuration: new Histogram({
      name: 'gateway_subgraph_request_duration_seconds',
      help: 'Subgraph request duration',
      labelNames: ['subgraph'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    subgraphRetries: new Counter({
      name: 'gateway_subgraph_retries_total',
      help: 'Retried subgraph fetches (queries only; mutations are never retried)',
      labelNames: ['subgraph'],
      registers,
    }),
    subgraphCircuitOpen: new Gauge({
      name: 'gateway_subgraph_circuit_open',
      help: '1 while the subgraph circuit breaker is open and fetches fail fast',
      labelNames: ['subgraph'],
      registers,
    }),
    planExecutions: new Counter({
      name: 'gateway_plan_executions_total',
      help: 'Query plans executed, by executor: compiled (this gateway) or apollo (@apollo/gateway, for what the compiled one does not run)',
      labelNames: ['executor'],
      registers,
    }),
    subgraphDeduplicated: new Counter({
      name: 'gateway_subgraph_deduplicated_total',
      help: 'Subgraph fetches that shared an identical fetch in flight instead of sending their own',
      labelNames: ['subgraph'],
      registers,
    }),
    cacheHits: new Counter({
      name: 'gateway_cache_hits_total',
      help: 'Field cache hits, per field lookup',
      labelNames: ['subgraph'],
      registers,
    }),
    cacheMisses: new Counter({
      name: 'gateway_cache_misses_total',
      help: 'Field cache misses, per field lookup',
      labelNames: ['subgraph'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused for an exhausted cost budget',
      registers,
    }),
    operationCost: new Histogram({
      name: 'gateway_operation_cost',
      help: 'Operation cost (kind = estimated | actual)',
      labelNames: ['kind'],
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    }),
    redisFallbacks: new Counter({
      name: 'gateway_redis_fallbacks_total',
      help: 'Operations that fell back to in-process state because Redis failed',
      labelNames: ['feature'],
      registers,
    }),
    supergraphReloads: new Counter({
      name: 'gateway_supergraph_reloads_total',
      help: 'Supergraph reload attempts',
      labelNames: ['outcome'],
      registers,
    }),
    queryPlanCache: new Counter({
      name: 'gateway_query_plan_cache_total',
      help: 'Query plan cache lookups by outcome (hit, miss)',
      labelNames: ['outcome'],
      registers,
    }),
    persistedWarmed: new Gauge({
      name: 'gateway_persisted_operations_warmed',
      help: 'Persisted operations parsed, validated and planned for the current supergraph and manifest',
      registers,
    }),
  };
}
