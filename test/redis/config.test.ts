import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig({ NODE_ENV: 'test', ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('REDIS_CLUSTER_NODES', () => {
  it('lists the seed nodes of a cluster', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-2:7001,[::1]:7002',
    });
    expect(config.redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(config.redisUrl).toBeUndefined();
  });

  it('refuses to start together with REDIS_URL', () => {
    const problems = problemsOf({
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000',
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/REDIS_URL and REDIS_CLUSTER_NODES/);
  });

  it.each(['127.0.0.1', 'host:0', 'host:70000', 'a:1,,b:2', ':7000'])('refuses %j', (value) => {
    const problems = problemsOf({ REDIS_CLUSTER_NODES: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^REDIS_CLUSTER_NODES /);
  });
});
