import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';

const run = promisify(execFile);

/** A real Redis Cluster of the installed `redis-server`: 3 masters, 3 replicas, loopback only. */
export interface RedisCluster {
  /** `host:port,…` of every node, the value of `REDIS_CLUSTER_NODES`. */
  readonly nodes: string;
  readonly ports: readonly number[];
  /** Ports of the nodes that are masters now. */
  masters(): Promise<number[]>;
  /** Kills the node on `port` (SIGKILL: a crash, not a shutdown). */
  kill(port: number): Promise<void>;
  /**
   * Resolves once three live masters serve every slot (`cluster_state:ok` on every live node):
   * after a master was killed, once its replica has taken over.
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Whether a cluster can be started here (`redis-server` and `redis-cli` installed). Under CI a
 * missing binary is a failure, never a skip.
 */
export async function redisClusterAvailable(): Promise<boolean> {
  try {
    await run('redis-server', ['--version']);
    await run('redis-cli', ['--version']);
    return true;
  } catch {
    if (process.env.CI === 'true')
      throw new Error('redis-server and redis-cli are required in CI to run the cluster tests');
    return false;
  }
}

/**
 * Starts six `redis-server --cluster-enabled yes` processes on free loopback ports, with their data
 * in a temporary folder, creates the cluster with `redis-cli --cluster create … --cluster-replicas
 * 1 --cluster-yes`, and waits until every slot is served.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-cluster-'));
  const ports = await freePorts(6);
  const children = new Map<number, ChildProcess>();
  for (const port of ports) {
    const nodeDir = path.join(dir, String(port));
    fs.mkdirSync(nodeDir);
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        nodeDir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        // why: a failed master is noticed within a second, so the failover test stays short.
        '--cluster-node-timeout',
        '1000',
        // why: on a loaded machine a replica can look stale after a 1 s timeout and refuse to
        // take over, leaving the cluster failed; 0 means a replica always stands for election.
        '--cluster-replica-validity-factor',
        '0',
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    children.set(port, child);
  }
  const stop = async () => {
    await Promise.all([...children.keys()].map((port) => killNode(children, port)));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(
      ports.map((port) => waitFor(() => pingNode(port), 10_000, 'redis-server start')),
    );
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    );
    const waitHealthy = async (timeoutMs = 30_000) => {
      await waitFor(
        async () => {
          const live = ports.filter((p) => alive(children, p));
          const roles = await Promise.all(live.map((p) => nodeRole(p)));
          if (roles.filter((r) => r === 'master').length < 3) return false;
          const states = await Promise.all(live.map((p) => clusterInfo(p)));
          return states.every((s) => s.includes('cluster_state:ok'));
        },
        timeoutMs,
        'cluster_state:ok',
      );
    };
    await waitHealthy();
    // why: `cluster_state:ok` can precede the replicas' first sync; a failover needs them synced.
    await waitFor(
      async () =>
        (await Promise.all(ports.map((p) => nodeRole(p)))).filter((r) => r === 'slave').length ===
        3,
      30_000,
      'replicas attached',
    );
    return {
      nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
      ports,
      async masters() {
        const live = ports.filter((p) => alive(children, p));
        const roles = await Promise.all(live.map(async (p) => [p, await nodeRole(p)] as const));
        return roles.filter(([, role]) => role === 'master').map(([p]) => p);
      },
      kill: (port) => killNode(children, port),
      waitHealthy,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function alive(children: Map<number, ChildProcess>, port: number): boolean {
  const child = children.get(port);
  return !!child && child.exitCode === null && child.signalCode === null;
}

function killNode(children: Map<number, ChildProcess>, port: number): Promise<void> {
  return new Promise((resolve) => {
    const child = children.get(port);
    if (!child || !alive(children, port)) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function withNode<T>(port: number, call: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 1_000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await call(redis);
  } finally {
    redis.disconnect();
  }
}

const pingNode = (port: number) =>
  withNode(port, async (r) => (await r.ping()) === 'PONG').catch(() => false);
const clusterInfo = (port: number) =>
  withNode(port, async (r) => String(await r.cluster('INFO'))).catch(() => '');
const nodeRole = (port: number) =>
  withNode(port, async (r) => String((await r.role())[0])).catch(() => 'down');

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis cluster: ${what} not reached within ${timeoutMs} ms`);
}

/** `count` distinct free loopback ports whose cluster bus port (port + 10000) is free too. */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (port + 10_000 > 65_535 || ports.includes(port)) continue;
    if (await portFree(port + 10_000)) ports.push(port);
  }
  return ports;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
