/**
 * The two test tiers. `npm run test:fast` runs the in-process tier alone: gateway and subgraphs
 * built in the test process on free ports, real Redis, real HTTP over loopback. The process tier
 * below starts child processes (the real commands, a subgraph or gateway process, a private
 * redis-server for fault tests, a Redis Cluster, Chromium, a CLI); `npm test` runs both. `test/tiers.test.ts` fails when a
 * test file starts a process without being listed here, or is listed without starting one.
 */
export const PROCESS_TESTS: readonly string[] = [
  'test/auth/devKeys.test.ts',
  'test/browser/browser.test.ts',
  'test/auth/subgraphTrust.test.ts',
  'test/cache/redisFault.test.ts',
  'test/cache/store.test.ts',
  'test/e2e/build.test.ts',
  'test/e2e/start.test.ts',
  'test/operations/lifecycle.test.ts',
  'test/operations/redisFaults.test.ts',
  'test/operations/subgraphFaults.test.ts',
  'test/rateLimit/apiKeys.test.ts',
  'test/rateLimit/redisFaults.test.ts',
  'test/redis/cluster.test.ts',
  'test/registry/cli.test.ts',
  'test/schemaCheck/cli.test.ts',
  'test/security/part4-n-subgraph-faults.test.ts',
  'test/security/part4-o-redis.test.ts',
  'test/security/part4-p-reload.test.ts',
  'test/security/part5-s-shutdown.test.ts',
  'test/subgraphs/subgraphs.test.ts',
];
