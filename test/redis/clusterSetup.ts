import type { TestProject } from 'vitest/node';
import { redisClusterAvailable, startRedisCluster } from '../helpers/redisCluster.js';

/**
 * Global setup of the `cluster` test project (vitest.config.ts): starts ONE real 6-node Redis
 * Cluster for all of the project's files (CLUSTER_SUITES in test/tiers.ts), hands its seed nodes
 * to them (`inject('redisClusterNodes')`, read by test/helpers/redis.ts) and stops it at the end.
 * Without `redis-server` (outside CI) it provides '' and the Redis-backed suites skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!(await redisClusterAvailable())) {
    project.provide('redisClusterNodes', '');
    return () => Promise.resolve();
  }
  const cluster = await startRedisCluster();
  project.provide('redisClusterNodes', cluster.nodes);
  return () => cluster.stop();
}
