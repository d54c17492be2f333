import type { GatewayContext } from '../context.js';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { SubgraphRequest } from '../subgraphClient/subgraphClient.js';
import type { SubgraphSender } from '../subgraphClient/sender.js';
import type { CacheRuntime } from './runtime.js';
import type { Unit } from './unit.js';

/** What the cache wraps: the subgraph client's `send`. */
export type { SubgraphSender };

/** One fetch being served: the subgraph, the shared runtime and the request's caller. */
export interface FetchContext {
  readonly client: SubgraphSender;
  readonly runtime: CacheRuntime;
  readonly context: GatewayContext;
  /** The caller's private scope; undefined for anonymous callers (no private entries at all). */
  readonly scope: string | undefined;
  /** The header rules' headers sent with this fetch (`SendOptions.forwarded`). */
  readonly forwarded?: Readonly<Record<string, string>>;
  /** Those headers as a key part (`headerVariation`): `''` when none. */
  readonly variation?: string;
}

/** Whether `unit` may be read from and written to the cache for this caller. */
export function cacheable(fetch: FetchContext, unit: Unit): boolean {
  const { maxAge, scope } = unit.policy;
  // why: anonymous callers never read or write private entries.
  return fetch.runtime.enabled && maxAge > 0 && (scope === 'PUBLIC' || fetch.scope !== undefined);
}

/**
 * Sends a cache miss: identical concurrent misses of one caller share one subgraph fetch (the
 * subgraph client's deduplication, docs/security.md case 90) when they read the same versions before
 * (`versions`). why: a request that saw a newer version must not take the answer of a fetch
 * started before that version's mutation, or it would store old data under the new version.
 */
export function send(
  fetch: FetchContext,
  request: SubgraphRequest,
  versions = '',
): Promise<GatewayGraphQLResponse> {
  return fetch.client.send(request, fetch.context, {
    share: versions,
    ...(fetch.forwarded ? { forwarded: fetch.forwarded } : {}),
  });
}

/** Adds one fetch's field lookups to `gateway_cache_{hits,misses}_total` (one update each). */
export function countLookups(fetch: FetchContext, hits: number, misses: number): void {
  const labels = { subgraph: fetch.client.name };
  if (hits) fetch.runtime.metrics.cacheHits.inc(labels, hits);
  if (misses) fetch.runtime.metrics.cacheMisses.inc(labels, misses);
}

/** The given variables without `representations`, restricted to `used` when given. */
export function pickVariables(
  given: Readonly<Record<string, unknown>>,
  used: ReadonlySet<string> | undefined,
): Record<string, unknown> {
  const picked = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of Object.entries(given))
    if (name !== 'representations' && (!used || used.has(name))) picked[name] = value;
  return picked;
}
