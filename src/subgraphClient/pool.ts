import type { GraphQLDataSource } from '@apollo/gateway';
import type { GatewayContext } from '../context.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { batchingSender } from './batch.js';
import type { SubgraphSender } from './sender.js';
import { SubgraphClient, type SubgraphClientOptions } from './subgraphClient.js';

/** The subgraph client settings of `GatewayConfig.subgraphs` (`SUBGRAPH_*`). */
export interface SubgraphPoolSettings {
  readonly timeoutMs: number;
  readonly connections: number;
  readonly maxRetries: number;
  readonly breakerWindow: number;
  readonly breakerHalfOpenAfterMs: number;
  readonly dedup: boolean;
  readonly batching: boolean;
}

export interface SubgraphPoolOptions {
  readonly settings: SubgraphPoolSettings;
  /** `SUBGRAPH_<NAME>_URL` overrides of the supergraph's URLs, by subgraph name. */
  readonly urls: Readonly<Record<string, string>>;
  readonly metrics: GatewayMetrics;
  /** The headers each subgraph is sent: never the client's token, an internal one. */
  readonly headers: (name: string) => SubgraphClientOptions['headers'];
  /** The client headers the header rules send to a subgraph. */
  readonly forwardHeaders: (
    name: string,
    headers: GatewayContext['headers'] | undefined,
  ) => ReturnType<NonNullable<SubgraphClientOptions['forwardHeaders']>>;
  /** What stands between the planner and a subgraph's sender (cache, fetch ledger). */
  readonly wrap: (sender: SubgraphSender) => GraphQLDataSource<GatewayContext>;
}

export interface SubgraphPool {
  /** The data source of a subgraph of the supergraph; called on every supergraph load. */
  dataSource(name: string, url: string): GraphQLDataSource<GatewayContext>;
  /** Closes every client's connections; `force` does not wait for requests in flight. */
  close(force: boolean): Promise<void>;
}

/**
 * One subgraph client (keep-alive pool, retries, breaker, deduplication) per subgraph and URL,
 * kept across supergraph reloads, so a reload does not drop connections or breaker state.
 */
export function createSubgraphPool(options: SubgraphPoolOptions): SubgraphPool {
  const { settings } = options;
  const clients = new Map<string, SubgraphClient>();
  return {
    dataSource(name, url) {
      const target = options.urls[name] ?? url;
      const key = `${name} ${target}`;
      let client = clients.get(key);
      if (!client) {
        client = new SubgraphClient({
          name,
          url: target,
          timeoutMs: settings.timeoutMs,
          connections: settings.connections,
          metrics: options.metrics,
          // Never the client's token: a short-lived internal token for this subgraph and caller.
          headers: options.headers(name),
          // Resilience: retries (queries only), a circuit breaker per subgraph, the request's deadline.
          maxRetries: settings.maxRetries,
          breaker: {
            window: settings.breakerWindow,
            halfOpenAfterMs: settings.breakerHalfOpenAfterMs,
          },
          // Identical query fetches of one caller in flight share one HTTP fetch.
          dedup: settings.dedup,
          // Client headers the header rules send; they key the cache and deduplication too.
          forwardHeaders: (ctx) => options.forwardHeaders(name, ctx?.headers),
        });
        clients.set(key, client);
      }
      // One request per subgraph per step: fetches ready together are merged (`SUBGRAPH_BATCHING`).
      const sender = settings.batching ? batchingSender(client, settings) : client;
      return options.wrap(sender);
    },
    async close(force) {
      await Promise.all([...clients.values()].map((client) => client.close(force)));
    },
  };
}
