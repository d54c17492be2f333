import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { pino } from 'pino';
import { createCache, type Cache } from '../../src/cache/cache.js';
import type { CacheStore } from '../../src/cache/store.js';
import type { GatewayContext, Principal } from '../../src/context.js';
import { createRequestState } from '../../src/requestState.js';
import { createMetrics, type GatewayMetrics } from '../../src/observability/metrics.js';
import { SubgraphClient } from '../../src/subgraphClient/subgraphClient.js';
import { prepareSupergraph } from '../../src/supergraph/prepare.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/shared/names.js';
import { startSubgraph, type SubgraphHandle } from '../../subgraphs/shared/server.js';
import { composeFor } from '../helpers/stack.js';

/**
 * The caching data sources without the rest of the gateway: the three real subgraphs over HTTP,
 * the real composed supergraph, and a clock the test moves (TTLs without sleeping). Fetches are
 * sent as `@apollo/gateway` sends them, with any caller as the principal.
 */
export interface Direct {
  readonly cache: Cache;
  readonly metrics: GatewayMetrics;
  readonly subgraphs: Readonly<Record<SubgraphName, SubgraphHandle>>;
  /** Seconds since the start, as the cache sees them. */
  advance(seconds: number): void;
  fetch(
    subgraph: SubgraphName,
    query: string,
    options?: {
      variables?: Record<string, unknown>;
      principal?: Principal | null;
      operation?: 'query' | 'mutation';
    },
  ): Promise<GatewayGraphQLResponse>;
  resetStats(): void;
  stop(): Promise<void>;
}

export function principal(sub: string, scopes: string[] = []): Principal {
  return { sub, issuer: 'https://idp.test', scopes: new Set(scopes), claims: { sub } };
}

/**
 * The subgraphs see every fetch as one staff caller: these tests are about the cache, which keys
 * by the gateway's principal, while owner-only fields (`User.email`) would otherwise answer
 * FORBIDDEN, and an error answer is never stored.
 */
const staffCaller = () =>
  Promise.resolve({
    sub: 'direct-staff',
    scopes: ['read:email', 'read:payments', 'read:users:all'],
  });

export async function startDirect(options: { store?: CacheStore } = {}): Promise<Direct> {
  const silent = pino({ level: 'silent' });
  const handles = await Promise.all(
    SUBGRAPH_NAMES.map((name) =>
      startSubgraph(name, { port: 0, logger: silent, authenticate: staffCaller }),
    ),
  );
  const subgraphs = Object.fromEntries(handles.map((h) => [h.name, h])) as Record<
    SubgraphName,
    SubgraphHandle
  >;
  const supergraph = prepareSupergraph(
    composeFor({
      product: subgraphs.product.url,
      user: subgraphs.user.url,
      payment: subgraphs.payment.url,
    }),
  );
  let now = 1_700_000_000_000;
  const metrics = createMetrics({ processMetrics: false });
  const cache = createCache({
    config: { enabled: true, maxMemoryMb: 16, keyPrefix: 'unused:' },
    redis: undefined,
    supergraph: () => supergraph,
    metrics,
    log: silent,
    store: options.store,
    now: () => now,
  });
  const clients = Object.fromEntries(
    handles.map((h) => [
      h.name,
      new SubgraphClient({
        name: h.name,
        url: h.url,
        timeoutMs: 5_000,
        connections: 4,
        metrics,
        maxRetries: 0,
      }),
    ]),
  ) as Record<SubgraphName, SubgraphClient>;
  let requestId = 0;
  return {
    cache,
    metrics,
    subgraphs,
    advance: (seconds) => void (now += seconds * 1000),
    fetch(subgraph, query, { variables, principal = null, operation = 'query' } = {}) {
      const context: GatewayContext = {
        requestId: String(++requestId),
        log: silent,
        principal,
        clientIp: '127.0.0.1',
        headers: {},
        exposeQueryPlan: false,
        state: createRequestState(),
      };
      // why: what `@apollo/gateway`'s executeFetch hands a data source (its enum is not exported).
      const process = {
        kind: 'incoming operation',
        request: { query, variables },
        incomingRequestContext: { operation: { operation } },
        context,
      } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;
      return cache.dataSource(clients[subgraph]).process(process);
    },
    resetStats: () => handles.forEach((h) => h.stats.reset()),
    async stop() {
      await Promise.all(Object.values(clients).map((c) => c.close()));
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}
