/**
 * Shared helpers of the docs/security.md tests: what a client sees (status, code), the absence of
 * leaks, and that the gateway keeps serving. Every test drives the real gateway over HTTP.
 */
import http from 'node:http';
import { exportPKCS8, generateKeyPair } from 'jose';
import { expect } from 'vitest';
import type { GraphQLResponse, Stack } from '../helpers/stack.js';
import { createTestIssuer } from '../helpers/tokens.js';

/** Variables of a `NODE_ENV=production` gateway: every key configured explicitly (docs/architecture.md). */
export async function productionEnv(): Promise<Record<string, string>> {
  const idp = await createTestIssuer();
  const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  return {
    NODE_ENV: 'production',
    JWT_PUBLIC_KEY: idp.publicKeyPem,
    JWT_ISSUER: idp.issuer,
    JWT_AUDIENCE: idp.audience,
    INTERNAL_JWT_PRIVATE_KEY: await exportPKCS8(privateKey),
  };
}

/** `n` items `f(1)` … `f(n)` joined by spaces. */
export const repeat = (n: number, f: (i: number) => string): string =>
  Array.from({ length: n }, (_, i) => f(i + 1)).join(' ');

/**
 * A document of exactly `n` lexer tokens (n ≥ 5): operations `query qI { __typename }` of 5 tokens
 * each, the remainder as extra `__typename` in q1. Run with operationName `q1`. Distinct
 * operations, so graphql-js's overlapping-fields budget never aborts validation.
 */
export function documentOfTokens(n: number): string {
  return (
    `query q1 { ${repeat(n % 5, () => '__typename')} __typename } ` +
    repeat(Math.floor(n / 5) - 1, (i) => `query q${i + 1} { __typename }`)
  );
}

/** `levels` nested fields alternating `products(first: 1)` / `seller` around `leaf`. */
export function nest(levels: number, leaf = 'name', products = true): string {
  if (levels === 0) return leaf;
  const field = products ? 'products(first: 1)' : 'seller';
  return `${field} { ${nest(levels - 1, leaf, !products)} }`;
}

/** Requests that reached the subgraphs since the last `stack.resetStats()`. */
export function subgraphRequests(stack: Stack): number {
  const s = stack.subgraphs;
  return s.product.stats.requests + s.user.stats.requests + s.payment.stats.requests;
}

/** Every leak a response text shows: traces, suggestions, subgraph addresses, internal types. */
export function leaksIn(stack: Stack, text: string): string[] {
  const found: string[] = [];
  const patterns: [string, RegExp][] = [
    ['stacktrace', /stacktrace/i],
    ['exception', /"exception"/],
    ['suggestion', /Did you mean/],
    ['stack frame', /\bat \S+\.(?:ts|js|mjs|cjs):\d+/],
    ['internal type', /\b(?:join__|link__)/],
    ['error class', /\b(?:RangeError|TypeError|ReferenceError)\b/],
  ];
  for (const [what, pattern] of patterns) if (pattern.test(text)) found.push(what);
  for (const subgraph of Object.values(stack.subgraphs)) {
    const address = new URL(subgraph.url).host;
    if (text.includes(address)) found.push(`${subgraph.name} subgraph address ${address}`);
  }
  return found;
}

export function expectNoLeaks(stack: Stack, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  expect(leaksIn(stack, text), text.slice(0, 500)).toEqual([]);
}

/** The expected refusal: HTTP status and `errors[0].extensions.code` (or the acceptable codes). */
export interface Rejection {
  readonly status: number;
  readonly code: string | readonly string[];
}

/**
 * REJECT-400(code) (docs/security.md conventions): the status, `errors[0].extensions.code`, no
 * `data` (or `data: null`), no leak. `code` may list the acceptable codes.
 */
export function expectRejected(stack: Stack, response: GraphQLResponse, expected: Rejection): void {
  const body = response.body;
  const summary = JSON.stringify(body).slice(0, 600);
  expect(response.status, summary).toBe(expected.status);
  expect(body, summary).toBeTypeOf('object');
  const codes = typeof expected.code === 'string' ? [expected.code] : expected.code;
  expect(codes, summary).toContain(body.errors?.[0]?.extensions?.code);
  expect(body.data ?? null, summary).toBeNull();
  expectNoLeaks(stack, body);
}

/** Sends a request and expects it refused before any subgraph was called. */
export async function expectRefusedBeforeSubgraphs(
  stack: Stack,
  send: () => Promise<GraphQLResponse>,
  expected: Rejection,
): Promise<GraphQLResponse> {
  stack.resetStats();
  const response = await send();
  expectRejected(stack, response, expected);
  expect(subgraphRequests(stack), 'subgraph requests of a refused request').toBe(0);
  return response;
}

/** `gateway_requests_total` for one code, over every operation label. */
export async function requestsCounted(stack: Stack, code: string): Promise<number> {
  const metric = await stack.gateway.metrics.registry
    .getSingleMetric('gateway_requests_total')
    ?.get();
  return (metric?.values ?? [])
    .filter((v) => v.labels.code === code)
    .reduce((sum, v) => sum + v.value, 0);
}

/** The gateway still answers a normal federated query (product + user subgraphs). */
export async function expectStillServing(stack: Stack): Promise<void> {
  const { status, body } = await stack.query('{ product(id: "p1") { name seller { name } } }');
  expect(status, JSON.stringify(body)).toBe(200);
  expect(body.errors).toBeUndefined();
  expect(body.data.product.name).toBeTruthy();
}

/** A response of a raw HTTP exchange: the body parsed as JSON when it is JSON, else the text. */
export interface RawResponse extends GraphQLResponse {
  readonly text: string;
}

async function toRaw(response: Response): Promise<RawResponse> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** POSTs raw bytes to the gateway with the given headers (content-type JSON unless given). */
export async function postRaw(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return toRaw(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }),
  );
}

/** GET `/graphql` with the given search parameters (CSRF preflight header unless told). */
export async function getGraphQL(
  url: string,
  params: Record<string, string> | string,
  headers: Record<string, string> = { 'apollo-require-preflight': 'true' },
): Promise<RawResponse> {
  const search = typeof params === 'string' ? params : `?${new URLSearchParams(params).toString()}`;
  return toRaw(await fetch(`${url}${search}`, { headers }));
}

/**
 * POSTs `total` bytes in chunks without a Content-Length (chunked transfer encoding); resolves
 * with the status, or `'reset'` when the server closed the connection before answering.
 */
export function postChunked(
  url: string,
  total: number,
  chunkBytes = 64 * 1024,
): Promise<{ status: number | 'reset'; text: string }> {
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', () => resolve({ status: 'reset', text: '' }));
    const chunk = Buffer.alloc(chunkBytes, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const size = Math.min(chunkBytes, total - sent);
        sent += size;
        if (!req.write(size === chunkBytes ? chunk : chunk.subarray(0, size))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** How the fake user subgraph answers its next fetches. */
export type FakeMode = 'ok' | 'graphql-error' | 'http-500' | 'html' | 'reset';

/** Internal details the fake puts in its failures; none may reach a client. */
export const FAKE_SECRETS = ['db-7.corp', 'dbPassword', 'hunter2', '/srv/user/resolvers.js'];

/** A stand-in for the user subgraph, for failures a real one cannot produce. */
export interface FakeUserSubgraph {
  readonly url: string;
  mode: FakeMode;
  close(): Promise<void>;
}

/**
 * Answers `_entities` fetches for `User` (the `seller` of products): normally, or with a GraphQL
 * error carrying a stack trace, an HTTP 500 with a secret body and header, an HTML page, or a reset
 * connection.
 */
export async function startFakeUserSubgraph(): Promise<FakeUserSubgraph> {
  const fake = { mode: 'ok' as FakeMode };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        variables?: { representations?: { id?: string }[] };
      };
      const representations = body.variables?.representations ?? [];
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      switch (fake.mode) {
        case 'ok':
          return json(200, {
            data: {
              _entities: representations.map((r) => ({
                __typename: 'User',
                id: r.id,
                name: `User ${r.id}`,
              })),
            },
          });
        case 'graphql-error':
          return json(200, {
            data: { _entities: representations.map(() => null) },
            errors: [
              {
                message: 'Field "nmae" is not defined by type "UserFilter". Did you mean "name"?',
                path: ['_entities', 0],
                extensions: { code: 'BAD_USER_INPUT', stacktrace: ['GraphQLError: x'] },
              },
              {
                message: 'Cannot read properties of undefined (reading "name")',
                path: ['_entities', 1],
                extensions: {
                  code: 'INTERNAL_SERVER_ERROR',
                  stacktrace: ['TypeError: x', '    at resolve (/srv/user/resolvers.js:10:5)'],
                  exception: { stacktrace: ['TypeError: x'] },
                },
              },
            ],
          });
        case 'http-500':
          return json(500, { dbPassword: 'hunter2' }, { 'x-internal-host': 'db-7.corp' });
        case 'html':
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<html>db-7.corp: upstream error dbPassword=hunter2</html>');
        case 'reset':
          return req.socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** Gateway variables routing `user` to a fake: no cache, no retries, a breaker that stays closed. */
export const viaFakeUser = (fake: FakeUserSubgraph): Record<string, string> => ({
  SUBGRAPH_USER_URL: fake.url,
  CACHE_ENABLED: 'false',
  SUBGRAPH_MAX_RETRIES: '0',
  CIRCUIT_BREAKER_WINDOW: '10000',
});
