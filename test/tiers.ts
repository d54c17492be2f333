/**
 * The test tiers. `npm run test:fast` runs the in-process tier alone: gateway and subgraphs
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
  'test/operations/frozenExports.test.ts',
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

/**
 * The third project, `cluster` (`npx vitest run --project cluster`, part of `npm test`): the suites
 * that exercise Redis's multi-key paths run again on ONE real 6-node Redis Cluster, started once
 * by test/redis/clusterSetup.ts, instead of the single node: cache lookups of entries and
 * versions, invalidation, shared reads, the cold-cache stampede, the Redis store, budgets (the
 * bucket script, HTTP budgets) and APQ. Any `CROSSSLOT` fails them, and so
 * does any Redis fallback of a cache stack there (test/cache/harness.ts). Left out: the
 * fault tests (they stop their own single node), `expiry` (a real 10 s wait, one key a field), caller identity (one bucket key, as in
 * budgets) and
 * test/redis/cluster.test.ts (it kills a master, so it starts a cluster of its own).
 */
export const CLUSTER_SUITES: readonly string[] = [
  'test/cache/http.test.ts',
  'test/cache/invalidateInput.test.ts',
  'test/cache/invalidationDirectives.test.ts',
  'test/cache/sharedRead.test.ts',
  'test/cache/stampede.test.ts',
  'test/cache/store.test.ts',
  'test/rateLimit/bucket.test.ts',
  'test/rateLimit/budgets.test.ts',
  'test/security/ownership-cache.test.ts',
  'test/security/part1-h-persisted.test.ts',
];
