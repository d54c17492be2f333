/**
 * Contender (b): Hive Gateway (`createGatewayRuntime` from `@graphql-hive/gateway`) in a plain
 * `node:http` server, on the same supergraph as plain `@apollo/gateway` (the `for: SECURITY`
 * purpose removed; Hive enforces none of the auth directives either). Production-like: Hive's
 * defaults, except no landing page, no GraphiQL and logging at `warn`. It adds no feature that
 * changes answers: no response cache, no cost limits, no auth.
 * With `--planner rust` it plans with Hive's Rust query planner (`unifiedGraphHandler` of
 * `@graphql-hive/router-runtime`) instead of its JavaScript one; everything else is the same.
 * The subgraphs answer only internal tokens bound to the query text they receive, so, like
 * plainGateway.ts, it sends each one the development-key internal token of a fixed caller
 * (`BENCH_CALLER_SUB`, `BENCH_CALLER_SCOPES`), bound to the query of that very subgraph request
 * and cached by the signer; it verifies and filters nothing, and ignores the client's `Authorization`.
 * Automatic persisted queries are on, as in `@apollo/server` (which plain and ours run on): Hive
 * documents them through `@graphql-yoga/plugin-apq`, which is not installed here, so
 * `automaticPersistedQueries()` below does the same (register on a matching sha256, else look up).
 * Usage: hiveGateway.ts SUPERGRAPH PORT [--planner rust]
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { GraphQLError, OperationTypeNode, type DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { InternalTokenRequest } from '../src/auth/internalToken.js';
import { fixedCallerHeaders } from './fixedCaller.js';

const [supergraphPath, port, plannerFlag, planner] = process.argv.slice(2);
const rust = plannerFlag === '--planner' && planner === 'rust';
if (!supergraphPath || !port || (plannerFlag !== undefined && !rust))
  throw new Error('usage: hiveGateway.ts SUPERGRAPH PORT [--planner rust]');
const subgraphHeaders = fixedCallerHeaders();

/**
 * Sets the fixed caller's internal token on every subgraph request, bound to the query text in the
 * request's body (the subgraphs refuse a token bound to another query). Hive prints each planned
 * subgraph document once and reuses it, so the query text is read from the body once per document.
 */
function internalTokens(): GatewayPlugin {
  const queries = new WeakMap<DocumentNode, string>();
  const parse = (body: unknown) =>
    JSON.parse(String(body)) as { query?: unknown; variables?: unknown };
  return {
    async onFetch(payload) {
      const { executionRequest, options } = payload;
      const subgraph = executionRequest?.subgraphName;
      if (!subgraph) return;
      let request: InternalTokenRequest;
      const query = queries.get(executionRequest.document);
      if (executionRequest.operationType === OperationTypeNode.MUTATION) {
        // A mutation's token is bound to its variables too, as sent.
        const { query, variables } = parse(options.body);
        request = { query: String(query), variables, mutation: true };
      } else if (query !== undefined) {
        request = { query, mutation: false };
      } else {
        request = { query: String(parse(options.body).query), mutation: false };
        queries.set(executionRequest.document, request.query);
      }
      const { authorization } = await subgraphHeaders(subgraph, request);
      if (authorization)
        payload.setOptions({ ...options, headers: { ...options.headers, authorization } });
    },
  };
}

/** Apollo's APQ protocol (`extensions.persistedQuery.sha256Hash`), documents kept in memory. */
function automaticPersistedQueries(): GatewayPlugin {
  const documents = new LRUCache<string, string>({ max: 1000 });
  const fail = (message: string, code: string, status: number) =>
    new GraphQLError(message, { extensions: { code, http: { status } } });
  return {
    onParams({ params, setParams }) {
      const persisted: unknown = params.extensions?.persistedQuery;
      if (typeof persisted !== 'object' || persisted === null || !('sha256Hash' in persisted))
        return;
      const hash = String(persisted.sha256Hash);
      if (params.query == null) {
        const query = documents.get(hash);
        if (query === undefined)
          throw fail('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND', 404);
        setParams({ ...params, query });
      } else if (createHash('sha256').update(params.query).digest('hex') === hash) {
        documents.set(hash, params.query);
      } else {
        throw fail('provided sha does not match query', 'PERSISTED_QUERY_MISMATCH', 400);
      }
    },
  };
}

const gateway = createGatewayRuntime({
  supergraph: path.resolve(supergraphPath),
  graphqlEndpoint: '/graphql',
  landingPage: false,
  graphiql: false,
  logging: 'warn',
  plugins: () => [automaticPersistedQueries(), internalTokens()],
  ...(rust ? { unifiedGraphHandler } : {}),
});
const server = http.createServer(gateway.requestListener);
server.listen(Number(port), '127.0.0.1', () =>
  console.log(
    JSON.stringify({
      msg: `hive gateway ready (${rust ? 'Rust' : 'JavaScript'} query planner)`,
      url: `http://127.0.0.1:${port}/graphql`,
    }),
  ),
);
// why: Hive's runtime catches SIGTERM to dispose itself, but the listening server keeps the
// process alive; so stop serving, dispose the runtime, and exit.
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  void Promise.resolve(gateway.dispose()).finally(() => process.exit(0));
});
