import { spawn, type ChildProcess } from 'node:child_process';
import { Cluster, Redis } from 'ioredis';
import { inject } from 'vitest';
import { freePort } from './ports.js';
import { TEST_REDIS_COMMAND_TIMEOUT_MS } from './redisTimeout.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * Set by the `cluster` project's global setup (test/redis/clusterSetup.ts): the seed nodes of
     * the one Redis Cluster its suites share, or '' when no cluster could be started here.
     */
    redisClusterNodes?: string;
  }
}

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The Redis Cluster the Redis-backed suites run on instead of the single node `REDIS_URL`: the
 * `cluster` test project provides it (one cluster for all its files), or `TEST_REDIS_CLUSTER_NODES`
 * names one of your own (`host:port,…`). Undefined: the single node.
 */
const providedCluster = inject('redisClusterNodes');
export const TEST_REDIS_CLUSTER_NODES: string | undefined =
  providedCluster ?? (process.env.TEST_REDIS_CLUSTER_NODES || undefined);

/**
 * Whether this run is the `cluster` project's: the parts of a suite that never touch the test
 * Redis (in-process LRU variants, a private single node) skip there, having run in the normal tier.
 */
export const ON_TEST_CLUSTER = TEST_REDIS_CLUSTER_NODES !== undefined;

const clusterSeeds = (nodes: string) =>
  nodes.split(',').map((node) => {
    const [host, port] = node.trim().split(':');
    return { host: host ?? '127.0.0.1', port: Number(port) };
  });

/** Gateway variables that put a stack on the test Redis (`REDIS_URL` or `REDIS_CLUSTER_NODES`). */
export function testRedisEnv(): Record<string, string> {
  const timeout = { REDIS_COMMAND_TIMEOUT_MS: String(TEST_REDIS_COMMAND_TIMEOUT_MS) };
  return TEST_REDIS_CLUSTER_NODES !== undefined
    ? { REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER_NODES, ...timeout }
    : { REDIS_URL, ...timeout };
}

/** `createRedis` options for the test Redis (the single node or the cluster). */
export function testRedisTarget(): {
  url?: string;
  clusterNodes?: { host: string; port: number }[];
  commandTimeoutMs: number;
} {
  const commandTimeoutMs = TEST_REDIS_COMMAND_TIMEOUT_MS;
  return TEST_REDIS_CLUSTER_NODES !== undefined
    ? { clusterNodes: clusterSeeds(TEST_REDIS_CLUSTER_NODES), commandTimeoutMs }
    : { url: REDIS_URL, commandTimeoutMs };
}

/**
 * A client of the test Redis for a test's own reads and writes (the node, or a `Cluster` client
 * that routes each key to its slot's master). Disconnect it when done.
 */
export function testRedisClient(options: { maxRetriesPerRequest?: number } = {}): Redis | Cluster {
  if (TEST_REDIS_CLUSTER_NODES === undefined) return new Redis(REDIS_URL, options);
  const client = new Cluster(clusterSeeds(TEST_REDIS_CLUSTER_NODES), { redisOptions: options });
  client.on('error', () => undefined);
  return client;
}

/** Every key matching the glob `match` (e.g. `prefix*`), on every master of a cluster. */
export async function keysMatching(client: Redis | Cluster, match: string): Promise<string[]> {
  if (client instanceof Cluster && client.status !== 'ready')
    await new Promise((resolve) => client.once('ready', resolve));
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  return keys;
}

/**
 * Whether the shared test Redis answers. Under CI (CI=true) a missing Redis is a failure, never a
 * skip: use `describe.skipIf(!(await redisAvailable()))` only through this helper.
 */
export async function redisAvailable(url?: string): Promise<boolean> {
  if (url === undefined && TEST_REDIS_CLUSTER_NODES !== undefined) {
    if (TEST_REDIS_CLUSTER_NODES === '') return false; // the cluster project found no redis-server
    url = `redis://${TEST_REDIS_CLUSTER_NODES.split(',')[0]}`;
  }
  url ??= REDIS_URL;
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 1000,
  });
  // The failure is reported through the promise; without a listener ioredis prints it too.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    if (process.env.CI === 'true')
      throw new Error(`Redis is required in CI but does not answer at ${url}`);
    return false;
  } finally {
    client.disconnect();
  }
}

/** A unique key namespace per test file, so parallel test files never share state. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${process.pid}:${Date.now().toString(36)}:`;
}

/** A private redis-server process for fault tests (stop it, restart it) without touching the shared one. */
export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (await redisAvailable(`redis://127.0.0.1:${port}`).catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not start');
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop: () =>
      new Promise<void>((resolve) => {
        // A killed process has a signalCode and no exitCode: either means it is gone already.
        if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
