import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { loadConfig, type GatewayConfig } from '../../src/config/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { compose } from '../../src/schemaCheck/compose.js';
import {
  startSubgraph,
  type SubgraphHandle,
  type StartSubgraphOptions,
} from '../../subgraphs/shared/server.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/shared/names.js';
import { TEST_REDIS_COMMAND_TIMEOUT_MS } from './redisTimeout.js';
import { lazyInternalAuth } from './tokens.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface Stack {
  readonly url: string;
  readonly gateway: Gateway;
  readonly config: GatewayConfig;
  readonly subgraphs: Readonly<Record<SubgraphName, SubgraphHandle>>;
  /** The temporary supergraph file the gateway watches. */
  readonly supergraphPath: string;
  /** POSTs a GraphQL request; returns status, headers and parsed body. */
  query(query: string, options?: QueryOptions): Promise<GraphQLResponse>;
  resetStats(): void;
  stop(): Promise<void>;
}

export interface QueryOptions {
  readonly variables?: Record<string, unknown>;
  readonly operationName?: string;
  readonly headers?: Record<string, string>;
  readonly token?: string;
}

export interface GraphQLResponse {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export interface StackOptions {
  /** Gateway variables on top of the test defaults. */
  readonly env?: Record<string, string>;
  readonly subgraph?: StartSubgraphOptions;
  /** The gateway's logger; default silent (`TEST_LOG_LEVEL` overrides). */
  readonly log?: Logger;
}

/** Composes the real subgraph SDL with the given routing URLs. */
export function composeFor(urls: Readonly<Record<SubgraphName, string>>): string {
  const result = compose(
    SUBGRAPH_NAMES.map((name) => {
      const schemaPath = path.join(root, 'subgraphs', name, 'schema.graphql');
      return { name, routingUrl: urls[name], schemaPath, sdl: fs.readFileSync(schemaPath, 'utf8') };
    }),
  );
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

/** The text of the gateway's `/metrics`, read on its metrics listener (`METRICS_PORT`). */
export async function scrapeMetrics(stack: Pick<Stack, 'gateway'>): Promise<string> {
  const url = stack.gateway.metricsUrl;
  if (!url) throw new Error('the gateway has no metrics listener');
  return (await fetch(url)).text();
}

/**
 * The value of one series on the gateway's `/metrics` (its line starts with `series`, e.g.
 * `gateway_query_plan_cache_total{outcome="hit"}`); 0 while the series has no sample yet.
 */
export async function metric(stack: Pick<Stack, 'gateway'>, series: string): Promise<number> {
  const text = await scrapeMetrics(stack);
  const line = text.split('\n').find((l) => l.startsWith(series));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Writes a supergraph SDL to a new temporary folder, as `SUPERGRAPH_PATH` reads it. */
export function writeSupergraph(sdl: string): { dir: string; supergraphPath: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-test-'));
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  fs.writeFileSync(supergraphPath, sdl);
  return { dir, supergraphPath };
}

/** The variables every test gateway starts from (quiet, free port, development keys of the repo). */
export function testEnv(supergraphPath: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    SUPERGRAPH_PATH: supergraphPath,
    LOG_LEVEL: 'silent',
    DEV_KEYS_DIR: path.join(root, '.dev-keys'),
  };
}

/**
 * The configuration every in-process gateway of the tests starts from: test mode, free ports on
 * loopback, silent logs, the repository's development keys; `env` adds to it or overrides it.
 */
export function testGatewayConfig(
  supergraphPath: string,
  env: Readonly<Record<string, string | undefined>> = {},
): GatewayConfig {
  return loadConfig({ ...testEnv(supergraphPath), ...env });
}

/**
 * The real stack for a test file: three subgraphs on free ports, a supergraph composed from their
 * SDL, and the gateway built through `createGateway` exactly as `npm run gateway` builds it.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const silent = pino({ level: 'silent' });
  // The subgraphs accept only the gateway's internal tokens (its key is known once config is).
  const internalAuth = lazyInternalAuth();
  const handles = await Promise.all(
    SUBGRAPH_NAMES.map((name) =>
      startSubgraph(name, {
        port: 0,
        logger: silent,
        authenticate: internalAuth.authenticate(name),
        ...options.subgraph,
      }),
    ),
  );
  const subgraphs = Object.fromEntries(handles.map((h) => [h.name, h])) as Record<
    SubgraphName,
    SubgraphHandle
  >;
  const { dir, supergraphPath } = writeSupergraph(
    composeFor({
      product: subgraphs.product.url,
      user: subgraphs.user.url,
      payment: subgraphs.payment.url,
    }),
  );
  const config = testGatewayConfig(supergraphPath, {
    // why: on a loaded 2-core machine 100 ms is routinely exceeded, and a silent fallback would
    // make budget and cache assertions depend on timing; fault tests set the production value.
    REDIS_COMMAND_TIMEOUT_MS: String(TEST_REDIS_COMMAND_TIMEOUT_MS),
    ...options.env,
  });
  internalAuth.use(config);
  const gateway = createGateway(config, {
    log: options.log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  const { url } = await gateway.start();

  return {
    url,
    gateway,
    config,
    subgraphs,
    supergraphPath,
    query: (query, queryOptions = {}) =>
      postGraphQL(
        url,
        { query, variables: queryOptions.variables, operationName: queryOptions.operationName },
        queryOptions,
      ),
    resetStats: () => handles.forEach((h) => h.stats.reset()),
    async stop() {
      await gateway.stop();
      await Promise.all(handles.map((h) => h.close()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function postGraphQL(
  url: string,
  body: unknown,
  options: QueryOptions = {},
): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
