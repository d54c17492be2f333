import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import { prettyFormatQueryPlan, type QueryPlan } from '@apollo/query-planner';
import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import type { GatewayExecutor } from '@apollo/server-gateway-interface';
import type { GatewayContext } from '../context.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Admission, ExecutionOutcome } from '../admission.js';
import type { PreparedSupergraph } from './prepare.js';
import { installPlanExecution } from '../execution/install.js';
import { createPlanCache } from './planCache.js';
import type { SupergraphSource } from './source.js';

/** The gateway contract of the Apollo Server major in use. */
type GatewayInterface = ApolloServerOptionsWithGateway<GatewayContext>['gateway'];

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

/**
 * Wraps `ApolloGateway`: feeds it the prepared supergraph (and every valid change of the file),
 * swaps the directive index only once the gateway has accepted a new supergraph, and adds the
 * query plan to `extensions` when the request asked for it.
 */
export function createFederation(options: FederationOptions): Federation {
  const { source, log, metrics } = options;
  let current: PreparedSupergraph | undefined;
  const plans = new WeakMap<object, QueryPlan>();
  const compiled = (options.planExecution ?? 'compiled') === 'compiled';
  const execution = installPlanExecution({ compiled, executions: metrics.planExecutions });
  if (!execution && compiled)
    log.warn(
      'the installed @apollo/gateway cannot take the compiled plan executor; running its own',
    );
  const adopt = <T extends object>(dataSource: T): T => execution?.adopt(dataSource) ?? dataSource;

  // why: `@apollo/gateway` sends anonymous usage metrics to Apollo unless this is set when it is
  // constructed (its only switch); a self-hosted gateway contacts no third party by default.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const apolloGateway = new ApolloGateway({
    logger: log.child({ component: 'apollo-gateway' }),
    supergraphSdl: ({ update }) => {
      const initial = source.load();
      current = initial;
      const stopWatching = source.watch((next) => {
        update(next.gatewaySdl); // throws on an invalid supergraph: the old one keeps serving
        current = next;
        metrics.supergraphReloads.inc({ outcome: 'ok' });
        log.info('supergraph reloaded');
      });
      return Promise.resolve({
        supergraphSdl: initial.gatewaySdl,
        cleanup: () => {
          stopWatching();
          return Promise.resolve();
        },
      });
    },
    queryPlannerConfig: { cache: createPlanCache(metrics) },
    buildService: ({ name, url }) => adopt(warmable(options.dataSource(name, url ?? ''))),
    experimental_didResolveQueryPlan: ({ queryPlan, requestContext }) => {
      const context = requestContext.context as unknown as GatewayContext;
      if (context.exposeQueryPlan) plans.set(context, queryPlan);
    },
  });

  const wrapExecutor =
    (inner: GatewayExecutor): GatewayExecutor =>
    async (requestContext) => {
      const context = requestContext.context as unknown as GatewayContext;
      const admitted = options.admission?.get(context);
      if (admitted && admitted.document !== requestContext.document) {
        // Plan the admitted (filtered) document, and cache its plan under its own hash: callers who
        // see different fields never share a plan.
        const mutable = requestContext as { document: typeof admitted.document; queryHash: string };
        mutable.document = admitted.document;
        mutable.queryHash = admitted.documentHash;
      }
      const result = await inner(requestContext);
      if (context.warmup) return result;
      await options.admission?.complete(context, result as ExecutionOutcome);
      const plan = plans.get(context);
      if (plan) {
        result.extensions = {
          ...result.extensions,
          queryPlan: { text: prettyFormatQueryPlan(plan), object: plan.node ?? null },
        };
      }
      return result;
    };

  // ApolloGateway targets the previous gateway-interface major; the contract it implements is unchanged.
  const inner = apolloGateway as unknown as GatewayInterface;
  const gateway: GatewayInterface = {
    async load(loadOptions) {
      const loaded = await inner.load(loadOptions);
      return {
        executor: loaded.executor && wrapExecutor(loaded.executor),
      };
    },
    onSchemaLoadOrUpdate: (callback) => inner.onSchemaLoadOrUpdate(callback),
    stop: () => inner.stop(),
  };
  return { gateway, current: () => current };
}

/**
 * A warm-up run (persisted operations at load) goes through the real executor, so its plan is
 * built and stored under the very key a request will look up, but it never reaches a subgraph:
 * every fetch answers `null` at once.
 */
function warmable(
  dataSource: GraphQLDataSource<GatewayContext>,
): GraphQLDataSource<GatewayContext> {
  return {
    process(options) {
      if ('incomingRequestContext' in options && options.context.warmup)
        return Promise.resolve({ data: null });
      return dataSource.process(options);
    },
  };
}
