/**
 * Contender (b): Hive Gateway (`createGatewayRuntime` from `@graphql-hive/gateway`) in a plain
 * `node:http` server, on the same supergraph as plain `@apollo/gateway` (the `for: SECURITY`
 * purpose removed; Hive enforces none of the auth directives either). Production-like: Hive's
 * defaults, except no landing page, no GraphiQL and logging at `warn`. It adds no feature that
 * changes answers: no response cache, no cost limits, no auth.
 * The subgraphs answer only internal tokens, so, like plainGateway.ts, it sends each one the
 * development-key internal token of a fixed caller (`BENCH_CALLER_SUB`, `BENCH_CALLER_SCOPES`),
 * cached by the signer; it verifies and filters nothing, and ignores the client's `Authorization`.
 * Automatic persisted queries are on, as in `@apollo/server` (which plain and ours run on): Hive
 * documents them through `@graphql-yoga/plugin-apq`, which is not installed here, so
 * `automaticPersistedQueries()` below does the same (register on a matching sha256, else look up).
 * Usage: hiveGateway.ts SUPERGRAPH PORT
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway';
import { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import { fixedCallerHeaders } from './fixedCaller.js';

const [supergraphPath, port] = process.argv.slice(2);
if (!supergraphPath || !port) throw new Error('usage: hiveGateway.ts SUPERGRAPH PORT');
const subgraphHeaders = fixedCallerHeaders();

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
  plugins: () => [automaticPersistedQueries()],
  // why this hook: Hive calls it once per subgraph request with the subgraph's name (it runs in
  // `onSubgraphExecute`), and the HTTP transport sends what it returns as request headers.
  propagateHeaders: {
    fromClientToSubgraphs: ({ subgraphName }) => subgraphHeaders(subgraphName),
  },
});
const server = http.createServer(gateway.requestListener);
server.listen(Number(port), '127.0.0.1', () =>
  console.log(
    JSON.stringify({ msg: 'hive gateway ready', url: `http://127.0.0.1:${port}/graphql` }),
  ),
);
// why: Hive's runtime catches SIGTERM to dispose itself, but the listening server keeps the
// process alive; so stop serving, dispose the runtime, and exit.
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  void Promise.resolve(gateway.dispose()).finally(() => process.exit(0));
});
