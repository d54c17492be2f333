import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { OperationTypeNode, parse } from 'graphql';
import { pino, type Logger } from 'pino';
import { SUBGRAPHS } from '../index.js';
import { createRequestHandler, type Authenticate } from './handler.js';
import type { SubgraphName } from './names.js';
import { createStats, type SubgraphStats } from './stats.js';

export type { Authenticate, HeaderRecord } from './handler.js';
export type { ReceivedRequest, SubgraphStats } from './stats.js';
export type { Caller } from './types.js';
export type { SubgraphName } from './names.js';
export { unauthenticatedRequest } from './errors.js';

/** A running subgraph. */
export interface SubgraphHandle {
  readonly name: SubgraphName;
  /** e.g. `http://127.0.0.1:54321/graphql` */
  readonly url: string;
  readonly stats: SubgraphStats;
  /** Stops accepting requests, lets in-flight ones finish (grace 5 s), then stops Apollo. Idempotent. */
  close(): Promise<void>;
}

export interface StartSubgraphOptions {
  /** 0 = a free port. @default the subgraph's standard port (4001, 4002, 4003) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default pino at level `info` */
  readonly logger?: Logger;
  /**
   * Called for every GraphQL request before execution; returns the caller or throws an error with
   * `extensions.http.status` 401 (see `unauthenticatedRequest`). @default every request anonymous
   */
  readonly authenticate?: Authenticate;
}

/** How long `close()` waits for in-flight requests before cutting connections. */
const STOP_GRACE_MS = 5_000;

const anonymous: Authenticate = () => Promise.resolve(null);

/**
 * Mutation responses are never cacheable (`Cache-Control: no-store`). Apollo's cache-control
 * plugin would otherwise derive a max-age from the returned entity's hints.
 */
const noStoreForMutations: ApolloServerPlugin = {
  requestDidStart: () =>
    Promise.resolve({
      didResolveOperation: ({ operation, overallCachePolicy }) => {
        if (operation?.operation === OperationTypeNode.MUTATION)
          overallCachePolicy.restrict({ maxAge: 0 });
        return Promise.resolve();
      },
    }),
};

/**
 * Starts subgraph `name` from `subgraphs/<name>/schema.graphql` on its own HTTP server, with fresh
 * data (mutations are per server) and Apollo's cache-control plugin setting `Cache-Control`.
 */
export async function startSubgraph(
  name: SubgraphName,
  options: StartSubgraphOptions = {},
): Promise<SubgraphHandle> {
  const definition = SUBGRAPHS[name];
  const logger = (options.logger ?? pino({ level: 'info' })).child({ subgraph: name });
  const stats = createStats();
  const runtime = definition.create(stats.countDataCall);
  const sdl = await readFile(new URL(`../${name}/schema.graphql`, import.meta.url), 'utf8');
  const schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: runtime.resolvers });

  const httpServer = createServer();
  const apollo = new ApolloServer({
    schema,
    introspection: true,
    logger,
    includeStacktraceInErrorResponses: false,
    // why: Apollo pretty-prints by default; compact JSON is smaller and faster for the gateway.
    stringifyResult: (value) => JSON.stringify(value),
    // why: the process owner (main.ts or a test) decides when to stop, not Apollo.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: STOP_GRACE_MS }),
      noStoreForMutations,
      // why: federated tracing (ftv1) is only for Apollo's usage reporting, which this gateway does not use.
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await apollo.start();
  httpServer.on(
    'request',
    createRequestHandler({
      apollo,
      runtime,
      stats,
      logger,
      authenticate: options.authenticate ?? anonymous,
    }),
  );

  const host = options.host ?? '127.0.0.1';
  try {
    await listen(httpServer, options.port ?? definition.defaultPort, host);
  } catch (error) {
    await apollo.stop();
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/graphql`;
  logger.info({ name, url }, 'subgraph started');

  let closing: Promise<void> | undefined;
  return {
    name,
    url,
    stats,
    close() {
      closing ??= apollo.stop().then(() => logger.info({ name }, 'subgraph stopped'));
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
