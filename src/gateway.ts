import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { GatewayConfig } from './config/config.js';
import { createAdmission } from './admission.js';
import { createAuth } from './auth/auth.js';
import { fileApiKeySource } from './auth/apiKeySource.js';
import { explorerDevHeaders } from './auth/explorerToken.js';
import { createRequestContext } from './auth/requestContext.js';
import { createCache } from './cache/cache.js';
import { ADDED_ALIAS_PREFIX } from './cache/mutationEntities.js';
import { costResponsePart } from './cost/costResponse.js';
import { costStep } from './cost/costStep.js';
import { createFetchLedger } from './cost/fetchLedger.js';
import { ARGUMENT_ALIAS_PREFIX } from './execution/reservedAlias.js';
import { forbiddenHeaders } from './headers/forbidden.js';
import { fileHeaderRules, noHeaderRules } from './headers/source.js';
import { headerRulesVaryPart } from './headers/varyPart.js';
import { createApolloServer } from './http/apolloServer.js';
import { clientAddress } from './http/clientAddress.js';
import { createCompressor } from './http/compression.js';
import { createCors } from './http/cors.js';
import { withEdge } from './http/edge.js';
import { createExplorer } from './http/explorer.js';
import { createErrorMasker } from './http/formatError.js';
import { hardenServer, httpServerOptions } from './http/hardening.js';
import { createInvalidateRoute } from './http/invalidateRoute.js';
import { createMetricsServer } from './http/metricsServer.js';
import { createRoutes } from './http/routes.js';
import { createRequestListener } from './http/server.js';
import { closeRedis } from './lifecycle/closeRedis.js';
import { createDrainer } from './lifecycle/drain.js';
import { createReadiness } from './lifecycle/readiness.js';
import { limitsStep } from './limits/limitsStep.js';
import { operationRequiredPlugin } from './limits/operationRequiredPlugin.js';
import { reservedAliasStep } from './limits/reservedAliasStep.js';
import { tokenLimitPlugin } from './limits/tokenLimitPlugin.js';
import type { Logger } from './observability/logger.js';
import { createMetrics, type GatewayMetrics } from './observability/metrics.js';
import { requestLogPlugin } from './observability/requestLog.js';
import { redisApqCache } from './persisted/apqCache.js';
import { createPersistedGate } from './persisted/gate.js';
import { inManifest } from './persisted/manifestNames.js';
import { fileManifestSource } from './persisted/manifestSource.js';
import { createPlanWarmer } from './persisted/warm.js';
import { createRateLimit } from './rateLimit/rateLimit.js';
import { createRedis } from './redis/connection.js';
import { respondPlugin } from './respond.js';
import { degradedSubgraphsPart } from './subgraphClient/degraded.js';
import { createSubgraphPool } from './subgraphClient/pool.js';
import { createFederation, type Federation } from './supergraph/federation.js';
import type { PreparedSupergraph } from './supergraph/prepare.js';
import { queryPlanPart } from './supergraph/queryPlanPart.js';
import { requiresAliasStep } from './supergraph/requiresAliasStep.js';
import { fileSupergraphSource, type SupergraphSource } from './supergraph/source.js';
import { registerSupergraphInfo, supergraphId } from './supergraph/supergraphInfo.js';

/** Everything with I/O the gateway uses, injectable so tests build the real gateway on real parts. */
export interface GatewayDeps {
  readonly log: Logger;
  readonly metrics?: GatewayMetrics;
  readonly supergraphSource?: SupergraphSource;
}

export interface Gateway {
  /** Starts Apollo Server and listens; resolves with the URL of `/graphql`. */
  start(): Promise<{ url: string; port: number; metricsUrl: string | undefined }>;
  /** Stops accepting, lets in-flight requests finish, closes pools. */
  stop(): Promise<void>;
  readonly metrics: GatewayMetrics;
  readonly federation: Federation;
  readonly httpServer: http.Server;
  /** The URL of `/metrics` on the metrics listener (`METRICS_PORT`), once started and bound. */
  readonly metricsUrl: string | undefined;
}

/**
 * Builds the gateway. Read it top to bottom: it is the request path (docs/architecture.md,
 * "Request flow"), one line per step naming the module that does it.
 */
export function createGateway(config: GatewayConfig, deps: GatewayDeps): Gateway {
  const { log } = deps;
  // why first: an invalid header rules file stops start-up before anything connects or watches.
  const headerRules = config.headerRulesPath
    ? fileHeaderRules(config.headerRulesPath, forbiddenHeaders(config.rateLimit.apiKeyHeader), log)
    : noHeaderRules;
  const metrics = deps.metrics ?? createMetrics();
  // Shared state across gateway instances (budgets, cache, APQ): one Redis node or a cluster.
  const redis =
    config.redisUrl || config.redisClusterNodes
      ? createRedis({
          url: config.redisUrl,
          clusterNodes: config.redisClusterNodes,
          log,
          commandTimeoutMs: config.redisCommandTimeoutMs,
        })
      : undefined;
  // The live supergraph, once federation (step 7) is built.
  let current: () => PreparedSupergraph | undefined = () => undefined;

  // 1. HTTP (http/): hardening, CORS, compression, the explorer, probes and admin routes, the
  // persisted-operations gate (persisted/), then GraphQL through Apollo Server (built at step 8).
  const manifest = fileManifestSource(
    config.persisted.manifestPath,
    log,
    config.persisted.mode === 'safelist',
  );
  let started = false;
  const listener = createRequestListener({
    apollo: () => apollo,
    log,
    metrics,
    maxBodyBytes: config.limits.maxBodyBytes,
    context: (req, requestId, deadline) => context(req, requestId, deadline),
    routes: createRoutes({
      readiness: createReadiness({
        draining: () => drainer.draining,
        started: () => started,
        overloaded: () => listener.overloaded(),
        supergraphId: () => {
          const loaded = current();
          return loaded && supergraphId(loaded);
        },
        redis,
      }),
      invalidate: createInvalidateRoute({
        invalidate: (body) => cache.invalidate(body),
        adminToken: config.adminToken,
        authenticate: (headers) => auth.authenticate(headers),
      }),
    }),
    requestTimeoutMs: config.requestTimeoutMs,
    maxInFlight: config.maxInFlight,
    gate: createPersistedGate(config.persisted.mode, manifest, config.persisted.requireId),
  });
  const explorer = config.explorer
    ? {
        explorer: createExplorer({
          defaultHeaders: explorerDevHeaders(config.auth, config.production),
        }),
      }
    : {};
  const httpServer = http.createServer(
    httpServerOptions(),
    withEdge(listener, {
      cors: createCors(config.cors, config.rateLimit.apiKeyHeader),
      compress: createCompressor(config.compression),
      ...explorer,
    }),
  );
  hardenServer(httpServer);
  const drainer = createDrainer(httpServer);

  // 2. Authenticate (auth/): the JWT, else a verified API key, and the client address: the context.
  const auth = createAuth(config, log, { supergraph: () => current() });
  const apiKeys =
    config.rateLimit.apiKeysPath === undefined
      ? undefined
      : fileApiKeySource(
          config.rateLimit.apiKeysPath,
          new Set(Object.keys(config.rateLimit.tiers)),
          log,
        );
  const context = createRequestContext({
    log,
    authenticate: (headers) => auth.authenticate(headers),
    apiKeys,
    apiKeyHeader: config.rateLimit.apiKeyHeader,
    clientIp: clientAddress(config.rateLimit.trustProxy),
    exposeQueryPlan: config.exposeQueryPlan,
  });

  // 3–7. Admission (admission.ts), in order, before any subgraph is called. 3. Parse and validate
  // happen in Apollo Server (http/apolloServer.ts: token limit, recursion guard), then these steps.
  const cache = createCache({
    config: config.cache,
    redis,
    supergraph: () => current(),
    metrics,
    log,
  });
  const fetchLedger = createFetchLedger();
  const rateLimit = createRateLimit({ config: config.rateLimit, redis, log, metrics });
  const admission = createAdmission(
    [
      limitsStep(config.limits), // 3. limits/: depth, aliases, root fields, directives.
      auth.authorizeStep, // 4. auth/: remove what the caller may not see.
      costStep({ ...config.cost, metrics, fetches: fetchLedger }), // 5. cost/: estimate, refuse above the maximum.
      rateLimit.step, // 6. rateLimit/: take the estimate from the caller's budget.
      reservedAliasStep([ADDED_ALIAS_PREFIX, ARGUMENT_ALIAS_PREFIX]), // 7. limits/: the gateway's own aliases: 400.
      cache.step, // 7. cache/: mutations also select their entities' keys, for invalidation.
      requiresAliasStep(), // 7. supergraph/: no client field shares its name with a @requires selection.
    ],
    () => current(),
  );

  // 7. Plan and execute (supergraph/): every fetch through the fetch ledger, the cache, the subgraph client.
  const subgraphs = createSubgraphPool({
    settings: config.subgraphs,
    urls: config.subgraphUrls,
    metrics,
    headers: (name) => auth.subgraphHeaders(name),
    forwardHeaders: (name, headers) => headerRules.headersFor(name, headers),
    wrap: (sender) => fetchLedger.wrap(cache.dataSource(sender)),
  });
  const source = deps.supergraphSource ?? fileSupergraphSource(config.supergraphPath, log);
  const federation = createFederation({
    source,
    log,
    metrics,
    dataSource: (name, url) => subgraphs.dataSource(name, url),
    admission,
    planExecution: config.planExecution,
  });
  current = () => federation.current();
  registerSupergraphInfo(metrics.registry, current);

  // 8. Respond: Apollo Server (http/apolloServer.ts) with the plugins, in this order.
  const apollo = createApolloServer({
    gateway: federation.gateway,
    plugins: [
      operationRequiredPlugin, // 3. limits/: a document whose operation cannot be chosen is a 400.
      admission.plugin, // 3–7. The admission steps above.
      tokenLimitPlugin({
        maxTokens: config.limits.maxTokens,
        maxSourceLength: config.limits.maxQueryChars,
      }), // 3. limits/: MAX_TOKENS_LIMIT.
      // 8. Respond (respond.ts): each feature's own part, merged and written once, in this order.
      respondPlugin([
        costResponsePart, // cost/: `extensions.cost` = { estimated, actual, limit }, also on refusals.
        rateLimit.part, // rateLimit/: RateLimit-* headers, `budgetRemaining` in `extensions.cost`.
        queryPlanPart, // supergraph/: `extensions.queryPlan` when asked for.
        cache.part, // cache/: `Cache-Control`, the lowest TTL served, private if any part was.
        headerRulesVaryPart(headerRules), // headers/: `Vary` names the headers the rules read.
        degradedSubgraphsPart, // subgraphClient/: `extensions.degradedSubgraphs`.
      ]),
      requestLogPlugin(metrics, (name) => inManifest(manifest.current(), name)), // 8. observability/: log line, metrics.
      ApolloServerPluginLandingPageDisabled(), // why: Apollo's loads from a CDN; http/explorer.ts is offline.
    ],
    log,
    maxTokens: config.limits.maxTokens,
    maxSourceLength: config.limits.maxQueryChars,
    introspection: config.introspection,
    production: config.production,
    apq: config.persisted.mode === 'allow' && { cache: redis && redisApqCache(redis) },
    formatError: createErrorMasker(config.production, log), // http/formatError.ts
  });
  // 8. Metrics on their own listener (`METRICS_HOST`:`METRICS_PORT`), never on the public port.
  const metricsServer = createMetricsServer({ registry: metrics.registry, log, ...config.metrics });

  // Lifecycle: persisted operations are planned before their first request, and again whenever
  // the manifest or the supergraph changes.
  let apiSchema: GraphQLSchema | undefined;
  federation.gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });
  const warmer = createPlanWarmer({
    apollo,
    manifest: () => manifest.current(),
    schema: () => apiSchema,
    log,
    metrics,
  });
  const warmPersisted = () => {
    if (config.persisted.mode !== 'off') void warmer.warm();
  };
  manifest.onChange(warmPersisted);

  return {
    metrics,
    federation,
    httpServer,
    get metricsUrl() {
      return metricsServer.url;
    },
    async start() {
      await apollo.start();
      // why: after Apollo Server's own listener has installed the new schema (registered first).
      federation.gateway.onSchemaLoadOrUpdate(() => void setImmediate(warmPersisted));
      if (config.persisted.mode !== 'off') await warmer.warm();
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => resolve());
      });
      const metricsUrl = await metricsServer.start();
      started = true;
      const { port } = httpServer.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return { url: `http://${host}:${port}/graphql`, port, metricsUrl };
    },
    async stop() {
      started = false;
      // Fail /ready for SHUTDOWN_DELAY_MS, stop accepting; in-flight requests get SHUTDOWN_GRACE_MS.
      const { forced } = await drainer.drain(config.shutdownGraceMs, config.shutdownDelayMs);
      if (forced) log.warn({ graceMs: config.shutdownGraceMs }, 'shutdown grace ran out');
      await apollo.stop();
      manifest.close();
      apiKeys?.close();
      headerRules.close();
      await subgraphs.close(forced);
      await closeRedis(redis);
      // why last: the scraper sees the drain through to the end.
      await metricsServer.stop();
    },
  };
}
