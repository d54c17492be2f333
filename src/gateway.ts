import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { GatewayConfig } from './config/config.js';
import type { GatewayContext } from './context.js';
import { createRequestState } from './requestState.js';
import { createAdmission } from './admission.js';
import { createAuth } from './auth/auth.js';
import { fileApiKeySource } from './auth/apiKeySource.js';
import { createCache } from './cache/cache.js';
import { costResponsePlugin } from './cost/costResponsePlugin.js';
import { costStep } from './cost/costStep.js';
import { createFetchLedger } from './cost/fetchLedger.js';
import { limitsStep } from './limits/limitsStep.js';
import { tokenLimitPlugin } from './limits/tokenLimitPlugin.js';
import { createRateLimit } from './rateLimit/rateLimit.js';
import { ErrorCode, GatewayError } from './errors.js';
import type { PreparedSupergraph } from './supergraph/prepare.js';
import { createRequestListener, type Route } from './http/server.js';
import { createCompressor } from './http/compression.js';
import { createCors } from './http/cors.js';
import { withEdge } from './http/edge.js';
import { createExplorer } from './http/explorer.js';
import { createInvalidateRoute } from './http/invalidateRoute.js';
import { explorerDevHeaders } from './auth/explorerToken.js';
import { hardenServer, httpServerOptions } from './http/hardening.js';
import { createMetricsServer } from './http/metricsServer.js';
import { closeRedis } from './lifecycle/closeRedis.js';
import { createDrainer } from './lifecycle/drain.js';
import { clientAddress } from './http/clientAddress.js';
import { redisApqCache } from './persisted/apqCache.js';
import { createPersistedGate } from './persisted/gate.js';
import { fileManifestSource } from './persisted/manifestSource.js';
import type { ManifestIndex } from './persisted/manifest.js';
import { createPlanWarmer } from './persisted/warm.js';
import { createRedis, redisAnswers } from './redis/connection.js';
import type { Logger } from './observability/logger.js';
import { createMetrics, type GatewayMetrics } from './observability/metrics.js';
import { requestLogPlugin } from './observability/requestLog.js';
import { SubgraphClient } from './subgraphClient/subgraphClient.js';
import { degradedSubgraphsPlugin } from './subgraphClient/degraded.js';
import { createFederation, type Federation } from './supergraph/federation.js';
import { forbiddenHeaders } from './headers/forbidden.js';
import { fileHeaderRules, noHeaderRules } from './headers/source.js';
import { headerRulesVaryPlugin } from './headers/varyPlugin.js';
import { fileSupergraphSource, type SupergraphSource } from './supergraph/source.js';
import { registerSupergraphInfo, supergraphId } from './supergraph/supergraphInfo.js';
import { requiresAliasStep } from './supergraph/requiresAliasStep.js';
import { reservedAliasStep } from './limits/reservedAliasStep.js';
import { ADDED_ALIAS_PREFIX } from './cache/mutationEntities.js';
import { ARGUMENT_ALIAS_PREFIX } from './execution/reservedAlias.js';
import { batchingSender } from './subgraphClient/batch.js';

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

/** How long an automatic persisted query stays registered (a miss only costs one resend). */
const APQ_TTL_SECONDS = 24 * 60 * 60;

/**
 * Builds the gateway. Read it top to bottom: it is the request path.
 */
export function createGateway(config: GatewayConfig, deps: GatewayDeps): Gateway {
  const log = deps.log;
  // 7. Header rules (`HEADER_RULES_PATH`, watched): which client headers reach which subgraph.
  // why first: an invalid file stops start-up before anything connects or watches.
  const headerRules = config.headerRulesPath
    ? fileHeaderRules(config.headerRulesPath, forbiddenHeaders(config.rateLimit.apiKeyHeader), log)
    : noHeaderRules;

  // 2 and 4: token verification, field authorization, internal tokens for the subgraphs.
  const auth = createAuth(config, log, { supergraph: () => current() });
  // 2. Issued API keys (hashes, watched), and the client address behind trusted proxies only.
  const apiKeys =
    config.rateLimit.apiKeysPath === undefined
      ? undefined
      : fileApiKeySource(
          config.rateLimit.apiKeysPath,
          new Set(Object.keys(config.rateLimit.tiers)),
          log,
        );
  const clientIpOf = clientAddress(config.rateLimit.trustProxy);
  const metrics = deps.metrics ?? createMetrics();
  const source = deps.supergraphSource ?? fileSupergraphSource(config.supergraphPath, log);
  // Shared state across gateway instances (budgets, cache) lives in Redis when configured.
  // One node (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`); every user takes either.
  const redis =
    config.redisUrl || config.redisClusterNodes
      ? createRedis({
          url: config.redisUrl,
          clusterNodes: config.redisClusterNodes,
          log,
          commandTimeoutMs: config.redisCommandTimeoutMs,
        })
      : undefined;

  // 7. Per-field cache in front of every subgraph (Redis when configured, else in-process).
  const cache = createCache({
    config: config.cache,
    redis,
    supergraph: () => current(),
    metrics,
    log,
  });

  // 6. The actual cost of each fetch, recorded as it is answered (before null propagation).
  const fetchLedger = createFetchLedger();

  // 7. Plan and execute: every fetch of the query plan goes through the subgraph client.
  const clients = new Map<string, SubgraphClient>();
  const dataSource = (name: string, url: string) => {
    const target = config.subgraphUrls[name] ?? url;
    const key = `${name} ${target}`;
    let client = clients.get(key);
    if (!client) {
      client = new SubgraphClient({
        name,
        url: target,
        timeoutMs: config.subgraphs.timeoutMs,
        connections: config.subgraphs.connections,
        metrics,
        // Never the client's token: a short-lived internal token for this subgraph and caller.
        headers: auth.subgraphHeaders(name),
        // Resilience: retries (queries only), a circuit breaker per subgraph, the request's deadline.
        maxRetries: config.subgraphs.maxRetries,
        breaker: {
          window: config.subgraphs.breakerWindow,
          halfOpenAfterMs: config.subgraphs.breakerHalfOpenAfterMs,
        },
        // Identical query fetches of one caller in flight share one HTTP fetch.
        dedup: config.subgraphs.dedup,
        // Client headers the header rules send; they key the cache and deduplication too.
        forwardHeaders: (ctx) => headerRules.headersFor(name, ctx?.headers),
      });
      clients.set(key, client);
    }
    // One request per subgraph per step: fetches ready together are merged (`SUBGRAPH_BATCHING`).
    const sender = config.subgraphs.batching ? batchingSender(client, config.subgraphs) : client;
    return fetchLedger.wrap(cache.dataSource(sender));
  };
  // 4–6. Admission, in order, before any subgraph is called: authorize, cost, rate limit.
  let current: () => PreparedSupergraph | undefined = () => undefined;
  const rateLimit = createRateLimit({ config: config.rateLimit, redis, log, metrics });
  const admission = createAdmission(
    [
      // 3. Limits: depth, aliases, root fields, directives of the client's (validated) document.
      limitsStep(config.limits),
      // 4. Authorize: remove what the caller may not see.
      auth.authorizeStep,
      // 5. Cost: estimate, refuse above the maximum.
      costStep({ ...config.cost, metrics, fetches: fetchLedger }),
      // 6. Rate limit: take the estimate from the caller's budget.
      rateLimit.step,
      // 7. Aliases the gateway reserves for its own rewrites below: 400 when a client uses one.
      reservedAliasStep([ADDED_ALIAS_PREFIX, ARGUMENT_ALIAS_PREFIX]),
      // 7. Cache: mutations also select their entities' keys, so their cached fields can be invalidated.
      cache.step,
      // 7. Plan: a client field never shares its name with a @requires selection of other arguments.
      requiresAliasStep(),
    ],
    () => current(),
  );
  const federation = createFederation({
    source,
    log,
    metrics,
    dataSource,
    admission,
    planExecution: config.planExecution,
  });
  current = () => federation.current();
  registerSupergraphInfo(metrics.registry, current);

  const plugins: ApolloServerPlugin<GatewayContext>[] = [
    // 3. A document whose operation cannot be chosen is the client's 400, not the planner's 500.
    operationRequiredPlugin,
    admission.plugin,
    // 3. Token limit: its own code, MAX_TOKENS_LIMIT, for the parser's token-limit failure.
    tokenLimitPlugin({
      maxTokens: config.limits.maxTokens,
      maxSourceLength: config.limits.maxQueryChars,
    }),
    // 8. Respond: `extensions.cost` and the RateLimit headers also on refused requests.
    costResponsePlugin(admission),
    rateLimit.headersPlugin(admission),
    // 8. Respond: `Cache-Control` = the lowest TTL of what was served, private if any part was.
    cache.plugin,
    // 8. Respond: `Vary` names the client headers the header rules read.
    headerRulesVaryPlugin(headerRules),
    // 8. Respond: a log line and metrics per request.
    // Operation names of the persisted manifest are labelled at once, others once seen often.
    requestLogPlugin(metrics, (name) => inManifest(manifest.current(), name)),
    // Partial answers name the subgraphs that failed: `extensions.degradedSubgraphs`.
    degradedSubgraphsPlugin,
    // why no Apollo landing page: it loads from a CDN; the explorer (http/explorer.ts) is served offline.
    ApolloServerPluginLandingPageDisabled(),
  ];

  const apollo = new ApolloServer<GatewayContext>({
    gateway: federation.gateway,
    // 1. HTTP: no batching, CSRF prevention (400 for bad variables is the v5 default).
    allowBatchedHttpRequests: false,
    // why: main.ts drains on SIGTERM/SIGINT itself; Apollo's own handler (on whenever NODE_ENV is
    // not `test`) would stop the server under the drain and exit before the pools close.
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    // 3. Parse and validate: token limit in the parser, recursion guard before validation.
    parseOptions: {
      maxTokens: config.limits.maxTokens,
      maxSourceLength: config.limits.maxQueryChars,
    },
    maxRecursiveSelections: true,
    introspection: config.introspection,
    hideSchemaDetailsFromClientErrors: config.production,
    includeStacktraceInErrorResponses: false,
    // Apollo pretty-prints by default; compact JSON is smaller and faster.
    stringifyResult: (value) => JSON.stringify(value),
    logger: log.child({ component: 'apollo-server' }),
    // Automatic persisted queries in `allow` mode (in Redis when configured); safelist mode answers ids itself.
    // why a TTL: Apollo stores registrations forever by default; APQ is a cache, not a store.
    persistedQueries:
      config.persisted.mode === 'allow'
        ? { ...(redis ? { cache: redisApqCache(redis) } : {}), ttl: APQ_TTL_SECONDS }
        : false,
    plugins,
    formatError: (formatted, error) => maskError(formatted, error, config, log),
  });

  // 2. Authenticate: the context of each request (no token = anonymous), with its one state.
  const context = async (
    req: IncomingMessage,
    requestId: string,
    deadline: AbortSignal,
  ): Promise<GatewayContext> => {
    const headers = req.headers as Record<string, string | undefined>;
    // Throws 401 for a bad token (503 if the keys are unreachable): nothing is parsed or executed.
    const principal = await auth.authenticate(headers);
    return Promise.resolve({
      requestId,
      log: log.child({ requestId }),
      principal,
      // Throws 401 for a malformed, unknown or revoked key; without API_KEYS_PATH the header is no identity.
      apiKey: apiKeys?.identify(headers[config.rateLimit.apiKeyHeader]) ?? null,
      clientIp: clientIpOf(req),
      headers,
      exposeQueryPlan: config.exposeQueryPlan && headers['apollo-expose-query-plan'] === 'true',
      state: createRequestState(deadline),
    });
  };

  let ready = false;
  const routes: Record<string, Route> = {
    'GET /health': () => json(200, { status: 'ok' }),
    'GET /ready': async () => {
      if (drainer.draining) return json(503, { status: 'unavailable', reason: 'draining' });
      if (!ready) return json(503, { status: 'unavailable', reason: 'starting or draining' });
      if (listener.overloaded()) return json(503, { status: 'unavailable', reason: 'overloaded' });
      if (!federation.current())
        return json(503, { status: 'unavailable', reason: 'no supergraph loaded' });
      if (redis && !(await redisAnswers(redis)))
        return json(503, { status: 'unavailable', reason: 'redis does not answer' });
      return json(200, { status: 'ready', supergraphId: supergraphId(federation.current()!) });
    },
    // Admin: `ADMIN_TOKEN` or a JWT with `admin:cache`; bumps an entity's, type's or subgraph's version.
    'POST /cache/invalidate': createInvalidateRoute({
      invalidate: (body) => cache.invalidate(body),
      adminToken: config.adminToken,
      authenticate: (headers) => auth.authenticate(headers),
    }),
  };

  const manifest = fileManifestSource(
    config.persisted.manifestPath,
    log,
    config.persisted.mode === 'safelist',
  );
  // Persisted operations are parsed, validated and planned before their first request, and again
  // whenever the manifest or the supergraph changes.
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
  const listener = createRequestListener({
    apollo,
    log,
    metrics,
    maxBodyBytes: config.limits.maxBodyBytes,
    context,
    routes,
    requestTimeoutMs: config.requestTimeoutMs,
    maxInFlight: config.maxInFlight,
    // 1. HTTP: persisted operations (manifest ids, safelist) before anything is parsed.
    gate: createPersistedGate(config.persisted.mode, manifest, config.persisted.requireId),
  });
  const httpServer = http.createServer(
    // Timeouts and header limits, each chosen deliberately: see http/hardening.ts.
    httpServerOptions(),
    // 1. HTTP, as a browser meets it: CORS, compression, the explorer; then GraphQL.
    withEdge(listener, {
      cors: createCors(config.cors, config.rateLimit.apiKeyHeader),
      compress: createCompressor(config.compression),
      ...(config.explorer
        ? {
            explorer: createExplorer({
              defaultHeaders: explorerDevHeaders(config.auth, config.production),
            }),
          }
        : {}),
    }),
  );

  hardenServer(httpServer);
  const drainer = createDrainer(httpServer);
  // 8. Metrics on their own listener (`METRICS_HOST`:`METRICS_PORT`), never on the public port.
  const metricsServer = createMetricsServer({ registry: metrics.registry, log, ...config.metrics });

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
      ready = true;
      const { port } = httpServer.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return { url: `http://${host}:${port}/graphql`, port, metricsUrl };
    },
    async stop() {
      ready = false;
      // Fail /ready for SHUTDOWN_DELAY_MS, stop accepting; in-flight requests get SHUTDOWN_GRACE_MS.
      const { forced } = await drainer.drain(config.shutdownGraceMs, config.shutdownDelayMs);
      if (forced) log.warn({ graceMs: config.shutdownGraceMs }, 'shutdown grace ran out');
      await apollo.stop();
      manifest.close();
      apiKeys?.close();
      headerRules.close();
      await Promise.all([...clients.values()].map((c) => c.close(forced)));
      await closeRedis(redis);
      // why last: the scraper sees the drain through to the end.
      await metricsServer.stop();
    },
  };
}

const manifestNames = new WeakMap<ManifestIndex, ReadonlySet<string>>();

/** Whether the persisted manifest has an operation of this name (its names computed once). */
function inManifest(manifest: ManifestIndex | undefined, name: string): boolean {
  if (!manifest) return false;
  let names = manifestNames.get(manifest);
  if (!names) {
    names = new Set([...manifest.byId.values()].map((operation) => operation.name));
    manifestNames.set(manifest, names);
  }
  return names.has(name);
}

function json(status: number, body: unknown) {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}

/**
 * A document with several operations and no (or an unknown) `operationName`: Apollo Server leaves
 * the choice to the executor, and `@apollo/gateway` throws it as a 500. Refused here, before
 * admission and planning, as the client error it is.
 */
const operationRequiredPlugin: ApolloServerPlugin<GatewayContext> = {
  requestDidStart: () =>
    Promise.resolve({
      didResolveOperation({ operation, request }) {
        if (operation) return Promise.resolve();
        const message = request.operationName
          ? `Unknown operation named "${request.operationName}".`
          : 'Must provide operation name if query contains multiple operations.';
        throw new GatewayError(ErrorCode.BAD_REQUEST, message, { status: 400 });
      },
    }),
};

/** graphql-js's name suggestions (`Did you mean "email"?`), wherever they appear in a message. */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/**
 * Every error on its way out. Stack traces and server-side exception objects are dropped in every
 * mode, whoever put them there (a subgraph's error is relayed with its extensions). In production,
 * name suggestions are removed from every message: Apollo's `hideSchemaDetailsFromClientErrors`
 * covers validation only, and graphql-js also suggests names when it coerces variables.
 * Errors the gateway did not mean to send (no code of ours) lose their message in production;
 * the full error goes to the log.
 */
function maskError(
  formatted: GraphQLFormattedError,
  error: unknown,
  config: GatewayConfig,
  log: Logger,
): GraphQLFormattedError {
  const {
    stacktrace: _stacktrace,
    exception: _exception,
    ...extensions
  } = formatted.extensions ?? {};
  const message = config.production ? formatted.message.replace(SUGGESTION, '') : formatted.message;
  const cleaned: GraphQLFormattedError = formatted.extensions
    ? { ...formatted, message, extensions }
    : { ...formatted, message };
  const code = extensions.code;
  if (code !== ErrorCode.INTERNAL_SERVER_ERROR) return cleaned;
  // why: Apollo refuses some requests (an APQ hash that does not match, an unsupported APQ
  // version) with an HTTP 4xx but no code; they are the client's errors, not unexpected ones.
  const status = error instanceof GraphQLError ? httpStatusOf(error) : undefined;
  if (status !== undefined && status < 500)
    return { ...cleaned, extensions: { ...extensions, code: ErrorCode.BAD_REQUEST } };
  const original = unwrapResolverError(error);
  log.error(
    { err: original instanceof Error ? original.stack : String(original) },
    'unexpected error in a response',
  );
  if (!config.production) return cleaned;
  return { message: 'Internal server error', path: formatted.path, extensions: { code } };
}

function httpStatusOf(error: GraphQLError): number | undefined {
  const http = error.extensions.http as { status?: unknown } | undefined;
  return typeof http?.status === 'number' ? http.status : undefined;
}
