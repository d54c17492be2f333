import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadRegistryConfig } from '../../src/config/config.js';
import { createRegistry, type Registry } from '../../src/registry/registry.js';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/shared/names.js';
import { POSTGRES_URL, dropSchema, uniqueSchema } from './postgres.js';
import { createTestIssuer, type TestIssuer } from './tokens.js';

const root = path.resolve(import.meta.dirname, '../..');

export type StoreKind = 'directory' | 'postgresql';

export interface TestRegistry {
  readonly url: string;
  readonly registry: Registry;
  readonly issuer: TestIssuer;
  /** A token with the given scopes (sub `ci`). */
  token(scopes: string): Promise<string>;
  /** Calls the registry with a token; returns status, headers and the parsed (or text) body. */
  call(
    method: string,
    route: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Starts it again on the same port and store (after `stopServer`). */
  restart(): Promise<void>;
  stopServer(): Promise<void>;
  stop(): Promise<void>;
}

/** The real subgraph schema of `name`, as committed. */
export function subgraphSdl(name: SubgraphName): string {
  return fs.readFileSync(path.join(root, 'subgraphs', name, 'schema.graphql'), 'utf8');
}

export const SUBGRAPHS = SUBGRAPH_NAMES;

/**
 * A registry on a free port with a test key set, on a fresh store: a temporary folder, or a
 * PostgreSQL schema of its own (dropped on `stop`).
 */
export async function startTestRegistry(kind: StoreKind, label: string): Promise<TestRegistry> {
  const issuer = await createTestIssuer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `registry-${label}-`));
  const schema = uniqueSchema(label);
  const config = loadRegistryConfig({
    REGISTRY_PORT: '0',
    REGISTRY_HOST: '127.0.0.1',
    REGISTRY_DIR: dir,
    JWT_PUBLIC_KEY: issuer.publicKeyPem,
    JWT_ISSUER: issuer.issuer,
    JWT_AUDIENCE: issuer.audience,
    ...(kind === 'postgresql' ? { REGISTRY_DATABASE_URL: POSTGRES_URL } : {}),
  });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const registry = await createRegistry(config, log, { pgSchema: schema });
  let url = await registry.start();
  const port = new URL(url).port;
  const token = (scopes: string) => issuer.mint({ sub: 'ci', scope: scopes });
  const readToken = await token('');
  return {
    get url() {
      return url;
    },
    registry,
    issuer,
    token,
    async call(method, route, options = {}) {
      const bearer = options.token === undefined ? readToken : options.token;
      const response = await fetch(`${url}${route}`, {
        method,
        headers: {
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
      const text = await response.text();
      const json = (response.headers.get('content-type') ?? '').includes('json');
      return {
        status: response.status,
        headers: response.headers,
        body: json ? JSON.parse(text) : text,
      };
    },
    stopServer: () => registry.server.close(),
    async restart() {
      url = await registry.server.listen(Number(port), '127.0.0.1');
    },
    async stop() {
      await registry.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      if (kind === 'postgresql') await dropSchema(schema);
    },
  };
}
