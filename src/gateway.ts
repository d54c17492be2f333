import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayConfig } from './config/config.js';
import type { GatewayContext } from './context.js';
import { createAdmission } from './admission.js';
import { ErrorCode } from './errors.js';
import type { PreparedSupergraph } from './supergraph/prepare.js';
import { createRequestListener, type Route } from './http/server.js';
import { createRedis, redisAnswers } from './redis/connection.js';
import type { Logger } from './observability/logger.js';
import { createMetrics, type GatewayMetrics } from './observability/metrics.js';
import { requestLogPlugin } from './observability/requestLog.js';
import { SubgraphClient } from './subgraphClient/subgraphClient.js';
import { createFederation, type Federation } from './supergraph/federation.js';
import { fileSupergraphSource, type SupergraphSource } from './supergraph/source.js';

/** Everything with I/O the gateway uses, injectable so tests build the real gateway on real parts. */
export interface GatewayDeps {
  readonly log: Logger;
  readonly metrics?: GatewayMetrics;
  readonly supergraphSource?: SupergraphSource;
}

export interface Gateway {
  /** Starts Apollo Server and listens; resolves with the URL of `/graphql`. */
  start(): Promise<{ url: string; port: number }>;
  /** Stops accepting, lets in-flight requests finish, closes pools. */
  stop(): Promise<void>;
  readonly metrics: GatewayMetrics;
  readonly federation: Federation;
  readonly httpServer: http.Server;
}

/**
 * Builds the gateway. Read it top to bottom: it is the request path.
 */
export function createGateway(config: GatewayConfig, deps: GatewayDeps): Gateway {
  const log = deps.log;
  const metrics = deps.metrics ?? createMetrics();
  const source = deps.supergraphSource ?? fileSupergraphSource(config.supergraphPath, log);
  // Shared state across gateway instances (budgets, cache) lives in Redis when configured.
  const redis = config.redisUrl ? createRedis({ url: config.redisUrl, log }) : undefined;

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
      });
      clients.set(key, client);
    }
    return client;
  };
  // 4–6. Admission, in order, before any subgraph is called: authorize, cost, rate limit.
  let current: () => PreparedSupergraph | undefined = () => undefined;
  const admission = createAdmission(
    [
      // 4. Authorize: remove what the caller may not see.
      // 5. Cost: estimate, refuse above the maximum.
      // 6. Rate limit: take the estimate from the caller's budget.
    ],
    () => current(),
  );
  const federation = createFederation({ source, log, metrics, dataSource, admission });
  current = () => federation.current();

  const plugins: ApolloServerPlugin<GatewayContext>[] = [
    admission.plugin,
    // 8. Respond: a log line and metrics per request.
    requestLogPlugin(metrics),
    // Landing page and introspection only outside production.
    config.introspection
      ? ApolloServerPluginLandingPageLocalDefault({ footer: false, embed: false })
      : ApolloServerPluginLandingPageDisabled(),
  ];

  const apollo = new ApolloServer<GatewayContext>({
    gateway: federation.gateway,
    // 1. HTTP: no batching, CSRF prevention (400 for bad variables is the v5 default).
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // 3. Parse and validate: token limit in the parser, recursion guard before validation.
    parseOptions: { maxTokens: config.limits.maxTokens },
    maxRecursiveSelections: true,
    introspection: config.introspection,
    hideSchemaDetailsFromClientErrors: config.production,
    includeStacktraceInErrorResponses: false,
    // Apollo pretty-prints by default; compact JSON is smaller and faster.
    stringifyResult: (value) => JSON.stringify(value),
    logger: log.child({ component: 'apollo-server' }),
    plugins,
    formatError: (formatted, error) => maskError(formatted, error, config, log),
  });

  // 2. Authenticate: the context of each request (no token = anonymous).
  const context = (req: IncomingMessage, requestId: string): Promise<GatewayContext> => {
    const headers = req.headers as Record<string, string | undefined>;
    return Promise.resolve({
      requestId,
      log: log.child({ requestId }),
      principal: null,
      clientIp: clientIpOf(req, config.rateLimit.trustProxy),
      headers,
      exposeQueryPlan: config.exposeQueryPlan && headers['apollo-expose-query-plan'] === 'true',
    });
  };

  let ready = false;
  const routes: Record<string, Route> = {
    'GET /health': () => json(200, { status: 'ok' }),
    'GET /ready': async () => {
      if (!ready) return json(503, { status: 'unavailable', reason: 'starting or draining' });
      if (!federation.current())
        return json(503, { status: 'unavailable', reason: 'no supergraph loaded' });
      if (redis && !(await redisAnswers(redis)))
        return json(503, { status: 'unavailable', reason: 'redis does not answer' });
      return json(200, { status: 'ready' });
    },
    'GET /metrics': async () => ({
      status: 200,
      headers: { 'content-type': metrics.registry.contentType },
      body: await metrics.registry.metrics(),
    }),
  };

  const httpServer = http.createServer(
    {
      requestTimeout: 30_000,
      headersTimeout: 10_000,
      keepAliveTimeout: 5_000,
      maxHeaderSize: 16 * 1024,
    },
    createRequestListener({
      apollo,
      log,
      maxBodyBytes: config.limits.maxBodyBytes,
      context,
      routes,
    }),
  );

  return {
    metrics,
    federation,
    httpServer,
    async start() {
      await apollo.start();
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => resolve());
      });
      ready = true;
      const { port } = httpServer.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return { url: `http://${host}:${port}/graphql`, port };
    },
    async stop() {
      ready = false;
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeIdleConnections();
      });
      await apollo.stop();
      await Promise.all([...clients.values()].map((c) => c.close()));
      redis?.disconnect();
    },
  };
}

function json(status: number, body: unknown) {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}

function clientIpOf(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * Errors the gateway did not mean to send (no code of ours) lose their message outside development;
 * the full error goes to the log. Stack traces never reach a client.
 */
function maskError(
  formatted: GraphQLFormattedError,
  error: unknown,
  config: GatewayConfig,
  log: Logger,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code !== ErrorCode.INTERNAL_SERVER_ERROR) return formatted;
  const original = unwrapResolverError(error);
  log.error(
    { err: original instanceof Error ? original.stack : String(original) },
    'unexpected error in a response',
  );
  if (!config.production) return formatted;
  return { message: 'Internal server error', path: formatted.path, extensions: { code } };
}
