/**
 * Differential guard: every operation of `operations/` and a few hundred generated queries go to
 * plain `@apollo/gateway` (in-process, `@apollo/server` standalone, on the same stripped supergraph
 * and the same subgraphs) and to ours, with every feature that changes answers off or neutral (a
 * token with every scope, limits, cost and budgets out of reach, the cache off). Status, `data`
 * and the errors' paths and codes must be identical; messages and `extensions` beyond the code
 * (cost, rate limits) are not compared. Ours executes plans on its own executor
 * (`src/execution/`, `PLAN_EXECUTION=compiled`), plain on `@apollo/gateway`'s.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { Supergraph } from '@apollo/federation-internals';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInternalTokenSigner } from '../../src/auth/internalToken.js';
import { loadDevKeys } from '../../src/auth/keys.js';
import type { Principal } from '../../src/context.js';
import { prepareSupergraph } from '../../src/supergraph/prepare.js';
import {
  metric,
  postGraphQL,
  startStack,
  type GraphQLResponse,
  type Stack,
} from '../helpers/stack.js';
import { DEV_KEYS_DIR, devToken } from '../helpers/tokens.js';
import { generateRequests, type GeneratedRequest } from './generate.js';

const root = path.resolve(import.meta.dirname, '../..');
const GENERATED = 300;
const SEED = 20261122;
const CONCURRENCY = 8;
/** The one caller of both sides: a user with payments, and every scope the schema asks for. */
const CALLER = { sub: 'u42', scopes: 'read:email read:payments admin:products' };

let stack: Stack;
let plain: ApolloServer;
let plainUrl: string;
let token: string;

beforeAll(async () => {
  stack = await startStack({
    env: {
      CACHE_ENABLED: 'false',
      MAX_DEPTH: '1000',
      MAX_ALIASES: '10000',
      MAX_ROOT_FIELDS: '10000',
      MAX_DIRECTIVES: '10000',
      MAX_TOKENS: '1000000',
      MAX_QUERY_CHARS: '10000000',
      MAX_COST: String(Number.MAX_SAFE_INTEGER),
      RATE_LIMIT_CAPACITY: String(Number.MAX_SAFE_INTEGER),
      RATE_LIMIT_REFILL_PER_SECOND: '1000000000',
    },
  });
  token = await devToken(CALLER.sub, CALLER.scopes, { ttlSec: 3600 });
  const signer = createInternalTokenSigner(loadDevKeys(DEV_KEYS_DIR).internal);
  const principal: Principal = {
    sub: CALLER.sub,
    issuer: undefined,
    scopes: new Set(CALLER.scopes.split(' ')),
    claims: {},
  };
  const gateway = new ApolloGateway({
    supergraphSdl: prepareSupergraph(fs.readFileSync(stack.supergraphPath, 'utf8')).gatewaySdl,
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource({
        url,
        async willSendRequest({ request }) {
          // Bound to the fetch, as the gateway binds its own (subgraphs refuse anything else).
          const { authorization } = await signer.headers(name, principal, {
            query: request.query ?? '',
            variables: request.variables,
            mutation: /^\s*mutation\b/.test(request.query ?? ''),
          });
          if (authorization) request.http?.headers.set('authorization', authorization);
        },
      }),
  });
  plain = new ApolloServer({ gateway, csrfPrevention: false });
  ({ url: plainUrl } = await startStandaloneServer(plain, {
    listen: { port: 0, host: '127.0.0.1' },
  }));
});

afterAll(async () => {
  await plain?.stop();
  await stack?.stop();
});

/** What must be equal: status, data, and each error's path and code (sorted). */
function comparable(response: GraphQLResponse) {
  const body = response.body as
    | { data?: unknown; errors?: { path?: unknown[]; extensions?: { code?: unknown } }[] }
    | undefined;
  const errors = Array.isArray(body?.errors)
    ? body.errors.map((e) => JSON.stringify([e.path ?? null, e.extensions?.code ?? null])).sort()
    : [];
  return {
    status: response.status,
    data: JSON.stringify(body?.data),
    errors,
  };
}

function operationsOf(dir: string): GeneratedRequest[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((file) => {
      const query = fs.readFileSync(path.join(dir, file), 'utf8');
      const header = /^#\s*variables:\s*(\{.*\})\s*$/m.exec(query);
      return {
        name: `operations/${file}`,
        query,
        ...(header?.[1] ? { variables: JSON.parse(header[1]) as Record<string, unknown> } : {}),
      };
    });
}

interface Difference {
  readonly name: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly plain: ReturnType<typeof comparable>;
  readonly ours: ReturnType<typeof comparable>;
}

/** What the comparisons covered, for the log line. */
const tally = { requests: 0, withErrors: 0, bytes: 0 };
async function send(request: GeneratedRequest): Promise<Difference | undefined> {
  const body = {
    query: request.query,
    variables: request.variables,
    operationName: request.operationName,
  };
  const [a, b] = await Promise.all([
    postGraphQL(plainUrl, body),
    postGraphQL(stack.url, body, { token }),
  ]);
  tally.requests++;
  tally.bytes += JSON.stringify(a.body).length;
  if (comparable(a).errors.length) tally.withErrors++;
  const plainSide = comparable(a);
  const oursSide = comparable(b);
  if (JSON.stringify(plainSide) === JSON.stringify(oursSide)) return undefined;
  return { ...request, plain: plainSide, ours: oursSide };
}

async function sendAll(requests: readonly GeneratedRequest[]): Promise<Difference[]> {
  const differences: Difference[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests.length) {
        const difference = await send(requests[next++]!);
        if (difference) differences.push(difference);
      }
    }),
  );
  return differences;
}

const report = (differences: readonly Difference[]) =>
  differences
    .slice(0, 5)
    .map((d) => JSON.stringify(d, null, 1))
    .join('\n');

describe('differential: plain @apollo/gateway and ours answer the same', () => {
  it('every operation in operations/', async () => {
    const operations = operationsOf(path.join(root, 'operations'));
    expect(operations.length).toBeGreaterThan(0);
    const differences = await sendAll(operations);
    expect(differences, report(differences)).toEqual([]);
  });

  it('generated queries over the API schema', async () => {
    const sdl = prepareSupergraph(fs.readFileSync(stack.supergraphPath, 'utf8')).gatewaySdl;
    const schema = Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
    const requests = generateRequests(schema, GENERATED, SEED);
    Object.assign(tally, { requests: 0, withErrors: 0, bytes: 0 });
    const started = Date.now();
    const differences = await sendAll(requests);
    console.log(
      `differential: ${requests.length} generated queries in ${Date.now() - started} ms; ` +
        `${tally.withErrors} answered with errors, ${Math.round(tally.bytes / 1024)} KiB; ` +
        `${differences.length} different`,
    );
    expect(differences, report(differences)).toEqual([]);
  }, 300_000); // a generous bound: what it asserts is equal answers, not speed

  it('error paths: bad arguments, unknown ids, bad variables, invalid documents', async () => {
    const edge = (name: string, query: string, variables?: Record<string, unknown>) => ({
      name,
      query,
      ...(variables ? { variables } : {}),
    });
    const differences = await sendAll([
      edge('first out of range', '{ products(first: 101) { id } }'),
      // (a negative first is refused by the gateway itself, 400 BAD_USER_INPUT: test/security/costGaming.test.ts)
      edge(
        'after unknown',
        '{ products(first: 2, after: "nope") { id } a: product(id: "p1") { id } }',
      ),
      edge('unknown ids', '{ product(id: "p0") { id seller { id } } user(id: "x") { name } }'),
      edge(
        'error inside a list of entities',
        '{ products(first: 3) { id seller { products(first: 200) { id } name } } }',
      ),
      edge('unknown field', '{ product(id: "p1") { nope } }'),
      edge('missing variable', 'query Q($id: ID!) { product(id: $id) { id } }'),
      edge('variable of the wrong type', 'query Q($n: Int) { products(first: $n) { id } }', {
        n: 'ten',
      }),
      edge('syntax error', '{ product(id: "p1") { id }'),
      edge('unused fragment', '{ __typename } fragment F on Product { id }'),
    ]);
    expect(differences, report(differences)).toEqual([]);
  });

  it("ours ran every plan on its compiled executor, none on @apollo/gateway's", async () => {
    const count = (executor: string) =>
      metric(stack, `gateway_plan_executions_total{executor="${executor}"}`);
    expect(await count('compiled')).toBeGreaterThan(GENERATED);
    expect(await count('apollo')).toBe(0);
  });

  it('the one deliberate difference: several operations and no name is 400, not 500', async () => {
    // Ours refuses it as the client's error (gateway.ts, operationRequiredPlugin); plain
    // @apollo/gateway throws while planning and answers 500 INVALID_GRAPHQL.
    const body = { query: 'query A { __typename } query B { __typename }' };
    const [a, b] = await Promise.all([
      postGraphQL(plainUrl, body),
      postGraphQL(stack.url, body, { token }),
    ]);
    expect(comparable(a)).toMatchObject({ status: 500, errors: ['[null,"INVALID_GRAPHQL"]'] });
    expect(comparable(b)).toMatchObject({ status: 400, errors: ['[null,"BAD_REQUEST"]'] });
  });

  it('an idempotent updateProductPrice (the current price)', async () => {
    const current = await postGraphQL(plainUrl, { query: '{ product(id: "p5") { price } }' });
    const price = (current.body as { data: { product: { price: number } } }).data.product.price;
    const differences = await sendAll([
      {
        name: 'updateProductPrice',
        query: `mutation Reprice($id: ID!, $price: Float!) { updateProductPrice(id: $id, price: $price) { id name price seller { id name } } }`,
        variables: { id: 'p5', price },
      },
      {
        name: 'updateProductPrice unknown product',
        query: `mutation { updateProductPrice(id: "p99999", price: 1) { id price } }`,
      },
    ]);
    expect(differences, report(differences)).toEqual([]);
  });
});
