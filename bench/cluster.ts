import { spawnSync } from 'node:child_process';
import os from 'node:os';
import {
  redisClusterAvailable,
  startRedisCluster,
  type RedisCluster,
} from '../test/helpers/redisCluster.js';
import { pidListeningOn } from './machine.js';

/** The two contenders on the cluster, priced against their one-node rows. */
export const CLUSTER_CONTENDERS = {
  cache: 'ours + cache (Redis Cluster, warm)',
  budgets: 'ours + budgets in Redis Cluster',
} as const;

export interface BenchCluster {
  /** `REDIS_CLUSTER_NODES` for the contenders. */
  readonly nodes: string;
  /** The six redis-server processes: their CPU is the benchmark's, not "other". */
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

/**
 * For the Redis Cluster rows of `npm run bench`: a real 6-node cluster (3 masters, 3 replicas) of
 * the installed `redis-server`, started by the test helper (test/helpers/redisCluster.ts) on free
 * loopback ports. Its nodes are unpinned (any CPU, like a system Redis on one node), since they
 * inherit the load generator's pinning. Null with `--no-cluster`, when `include` refuses both
 * cluster contenders, or when redis-server or redis-cli is missing.
 */
export async function startBenchCluster(
  include: (name: string) => boolean,
): Promise<BenchCluster | null> {
  if (process.argv.includes('--no-cluster')) return null;
  if (!Object.values(CLUSTER_CONTENDERS).some(include)) return null;
  if (!(await redisClusterAvailable())) {
    console.log('(redis-server or redis-cli missing: the Redis Cluster rows are skipped)');
    return null;
  }
  const cluster: RedisCluster = await startRedisCluster();
  const pids = cluster.ports.flatMap((port) => pidListeningOn(port) ?? []);
  const allCpus = `0-${os.cpus().length - 1}`;
  for (const pid of pids) spawnSync('taskset', ['-a', '-cp', allCpus, String(pid)]);
  return { nodes: cluster.nodes, pids, stop: () => cluster.stop() };
}
