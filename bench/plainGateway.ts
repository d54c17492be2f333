/**
 * Baseline contender: plain `@apollo/gateway` in `@apollo/server`'s standalone server, with its
 * defaults, on the same supergraph. The supergraph given here already has the `for: SECURITY`
 * purpose removed: plain `@apollo/gateway` refuses to load it otherwise (it enforces none of them).
 * The subgraphs answer only internal tokens, so it sends each one the development-key internal
 * token of a fixed caller (`BENCH_CALLER_SUB`, `BENCH_CALLER_SCOPES`), cached like ours; it verifies
 * and filters nothing, and ignores the client's `Authorization`.
 */
import fs from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { fixedCallerHeaders } from './fixedCaller.js';

const [supergraphPath, port] = process.argv.slice(2);
if (!supergraphPath || !port) throw new Error('usage: plainGateway.ts SUPERGRAPH PORT');
const subgraphHeaders = fixedCallerHeaders();
const gateway = new ApolloGateway({
  supergraphSdl: fs.readFileSync(supergraphPath, 'utf8'),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource({
      url,
      async willSendRequest({ request }) {
        const query = request.query ?? '';
        const { authorization } = await subgraphHeaders(name, { query, mutation: false });
        if (authorization) request.http?.headers.set('authorization', authorization);
      },
    }),
});
const server = new ApolloServer({ gateway, csrfPrevention: false });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(port), host: '127.0.0.1' },
});
console.log(JSON.stringify({ msg: 'plain gateway ready', url }));
