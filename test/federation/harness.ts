import fs from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { parse } from 'graphql';
import { pino } from 'pino';
import { createGateway } from '../../src/gateway.js';
import { compose } from '../../src/schemaCheck/compose.js';
import {
  postGraphQL,
  testGatewayConfig,
  writeSupergraph,
  type GraphQLResponse,
} from '../helpers/stack.js';

/** One subgraph of a fixture: its SDL and resolvers, served over real HTTP. */
export interface FixtureSubgraph {
  readonly name: string;
  readonly sdl: string;
  readonly resolvers: Record<string, Record<string, unknown>>;
}

export interface Fixture {
  readonly supergraphSdl: string;
  query(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse>;
  stop(): Promise<void>;
}

/** The federation `@link` every fixture subgraph starts with. */
export const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7",
  import: ["@key", "@external", "@requires", "@interfaceObject", "@shareable"])`;

/**
 * Starts the fixture's subgraphs on free ports (Apollo Server, `buildSubgraphSchema`), composes them
 * with `@apollo/composition` and builds the gateway on that supergraph through `createGateway`.
 */
export async function startFixture(
  subgraphs: readonly FixtureSubgraph[],
  env: Record<string, string> = {},
): Promise<Fixture> {
  const servers = await Promise.all(
    subgraphs.map(async (subgraph) => {
      const server = new ApolloServer({
        schema: buildSubgraphSchema([
          { typeDefs: parse(subgraph.sdl), resolvers: subgraph.resolvers },
        ] as Parameters<typeof buildSubgraphSchema>[0]),
        plugins: [ApolloServerPluginInlineTraceDisabled()],
      });
      const { url } = await startStandaloneServer(server, {
        listen: { port: 0, host: '127.0.0.1' },
      });
      return { name: subgraph.name, server, url };
    }),
  );
  const composed = compose(
    subgraphs.map((s, i) => ({
      name: s.name,
      routingUrl: servers[i]!.url,
      schemaPath: `${s.name}.graphql`,
      sdl: s.sdl,
    })),
  );
  if (!composed.ok) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const { dir, supergraphPath } = writeSupergraph(composed.supergraphSdl);
  const config = testGatewayConfig(supergraphPath, { CACHE_ENABLED: 'false', ...env });
  const gateway = createGateway(config, {
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  const { url } = await gateway.start();
  return {
    supergraphSdl: composed.supergraphSdl,
    query: (query, variables) => postGraphQL(url, { query, variables }),
    async stop() {
      await gateway.stop();
      await Promise.all(servers.map((s) => s.server.stop()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
