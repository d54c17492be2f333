/**
 * Baseline contender: plain `@apollo/gateway` in `@apollo/server`'s standalone server, with its
 * defaults, on the same supergraph. The supergraph given here already has the `for: SECURITY`
 * purpose removed: plain `@apollo/gateway` refuses to load it otherwise (it enforces none of them).
 */
import fs from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const [supergraphPath, port] = process.argv.slice(2);
if (!supergraphPath || !port) throw new Error('usage: plainGateway.ts SUPERGRAPH PORT');
const gateway = new ApolloGateway({ supergraphSdl: fs.readFileSync(supergraphPath, 'utf8') });
const server = new ApolloServer({ gateway, csrfPrevention: false });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(port), host: '127.0.0.1' },
});
console.log(JSON.stringify({ msg: 'plain gateway ready', url }));
