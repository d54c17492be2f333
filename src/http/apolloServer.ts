import { ApolloServer, type ApolloServerPlugin, type PersistedQueryOptions } from '@apollo/server';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { Logger } from '../observability/logger.js';

/** How long an automatic persisted query stays registered (a miss only costs one resend). */
const APQ_TTL_SECONDS = 24 * 60 * 60;

export interface ApolloServerOptions {
  readonly gateway: GatewayInterface;
  readonly plugins: ApolloServerPlugin<GatewayContext>[];
  readonly log: Logger;
  /** `MAX_TOKENS`, `MAX_QUERY_CHARS`: enforced by the parser. */
  readonly maxTokens: number;
  readonly maxSourceLength: number;
  readonly introspection: boolean;
  readonly production: boolean;
  /**
   * Automatic persisted queries (`PERSISTED_MODE=allow`): where registrations are kept (undefined:
   * in process), or false when off (safelist mode answers ids itself).
   */
  readonly apq: { readonly cache: PersistedQueryOptions['cache'] } | false;
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

/** Apollo Server as the gateway runs it: GraphQL over HTTP, parse and validate, the plugins. */
export function createApolloServer(options: ApolloServerOptions): ApolloServer<GatewayContext> {
  return new ApolloServer<GatewayContext>({
    gateway: options.gateway,
    // 1. HTTP: no batching, CSRF prevention (400 for bad variables is the v5 default).
    allowBatchedHttpRequests: false,
    // why: main.ts drains on SIGTERM/SIGINT itself; Apollo's own handler (on whenever NODE_ENV is
    // not `test`) would stop the server under the drain and exit before the pools close.
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    // 3. Parse and validate: token limit in the parser, recursion guard before validation.
    parseOptions: { maxTokens: options.maxTokens, maxSourceLength: options.maxSourceLength },
    maxRecursiveSelections: true,
    introspection: options.introspection,
    hideSchemaDetailsFromClientErrors: options.production,
    includeStacktraceInErrorResponses: false,
    // Apollo pretty-prints by default; compact JSON is smaller and faster.
    stringifyResult: (value) => JSON.stringify(value),
    logger: options.log.child({ component: 'apollo-server' }),
    // why a TTL: Apollo stores registrations forever by default; APQ is a cache, not a store.
    persistedQueries: options.apq
      ? { ...(options.apq.cache ? { cache: options.apq.cache } : {}), ttl: APQ_TTL_SECONDS }
      : false,
    plugins: options.plugins,
    formatError: options.formatError,
  });
}
