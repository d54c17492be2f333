import { Supergraph, type Schema } from '@apollo/federation-internals';
import type { GraphQLDataSource, ServiceMap } from '@apollo/gateway';
import { QueryPlanner } from '@apollo/query-planner';
import type {
  GatewayExecutor,
  GatewayInterface,
  GatewaySchemaLoadOrUpdateCallback,
} from '@apollo/server-gateway-interface';
import type { GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Admission } from '../admission.js';
import type { PreparedSupergraph } from './prepare.js';
import { createExecutor } from './executor.js';
import { createPlanCache } from './planCache.js';
import type { SupergraphSource } from './source.js';

export interface FederationOptions {
  readonly source: SupergraphSource;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  /** Builds (or returns the existing) data source for a subgraph; called on every (re)load. */
  readonly dataSource: (name: string, url: string) => GraphQLDataSource<GatewayContext>;
  /** Admission state: the document to plan (possibly filtered) and the after-execution steps. */
  readonly admission?: Admission;
  /** Who executes the plans (`PLAN_EXECUTION`). @default 'compiled' */
  readonly planExecution?: 'compiled' | 'apollo';
}

/** The live supergraph and the gateway that plans over it. */
export interface Federation {
  /** Handed to Apollo Server as its `gateway`. */
  readonly gateway: GatewayInterface;
  /** The supergraph now serving (with its directive index); undefined before the first load. */
  current(): PreparedSupergraph | undefined;
}

/** One loaded supergraph: everything planning and execution read, swapped as a whole on reload. */
export interface LoadedSupergraph {
  readonly prepared: PreparedSupergraph;
  /** The API schema as `@apollo/federation-internals` models it (operations are built on it). */
  readonly apiSchema: Schema;
  /** The API schema Apollo Server validates against and the response is shaped over. */
  readonly schema: GraphQLSchema;
  /** The supergraph schema (join directives included): entity types for representations. */
  readonly supergraphSchema: GraphQLSchema;
  readonly planner: QueryPlanner;
  /** A data source per subgraph of this supergraph. */
  readonly serviceMap: ServiceMap;
}

/**
 * The gateway Apollo Server runs (`@apollo/server-gateway-interface`), built on public APIs only:
 * the supergraph is built and validated by `@apollo/federation-internals` (`Supergraph.build`),
 * planned by `@apollo/query-planner` (`QueryPlanner`), and executed by `./executor.ts`. Each valid
 * change of the source replaces the loaded supergraph as a whole; one that does not build is
 * refused (the source logs it) and the last good one keeps serving.
 */
export function createFederation(options: FederationOptions): Federation {
  const { source, log, metrics } = options;
  // why: only `ApolloGateway`'s constructor reads it (anonymous usage metrics to Apollo); this
  // gateway never builds one, and nothing else in the process should phone home either.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';

  let loaded: LoadedSupergraph | undefined;
  let stopWatching: (() => void) | undefined;
  const listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  const plans = createPlanCache(metrics);

  const build = (prepared: PreparedSupergraph): LoadedSupergraph => {
    // Throws on a supergraph that does not validate: the caller keeps the last good one.
    const supergraph = Supergraph.build(prepared.gatewaySdl, { validateSupergraph: true });
    const apiSchema = supergraph.apiSchema();
    const serviceMap: ServiceMap = Object.create(null) as ServiceMap;
    for (const { name, url } of supergraph.subgraphsMetadata())
      serviceMap[name] = options.dataSource(name, url);
    return {
      prepared,
      apiSchema,
      schema: apiSchema.toGraphQLJSSchema(),
      supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
      planner: new QueryPlanner(supergraph),
      serviceMap,
    };
  };

  const install = (next: LoadedSupergraph) => {
    loaded = next;
    // why: a plan belongs to the supergraph it was built on.
    plans.clear?.();
    for (const listener of listeners) {
      try {
        listener({ apiSchema: next.schema, coreSupergraphSdl: next.prepared.gatewaySdl });
      } catch (error) {
        log.error({ err: String(error) }, 'a schema listener failed; the schema still updates');
      }
    }
  };

  const executor: GatewayExecutor = createExecutor({
    loaded: () => loaded,
    plans,
    metrics,
    admission: options.admission,
    compiled: (options.planExecution ?? 'compiled') === 'compiled',
  });

  const gateway: GatewayInterface = {
    load() {
      install(build(source.load()));
      stopWatching = source.watch((next) => {
        install(build(next)); // throws on an invalid supergraph: the old one keeps serving
        metrics.supergraphReloads.inc({ outcome: 'ok' });
        log.info('supergraph reloaded');
      });
      return Promise.resolve({ executor });
    },
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => void listeners.delete(callback);
    },
    stop() {
      stopWatching?.();
      stopWatching = undefined;
      return Promise.resolve();
    },
  };
  return { gateway, current: () => loaded?.prepared };
}
