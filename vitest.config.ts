import { defineConfig } from 'vitest/config';
import { CLUSTER_SUITES, PROCESS_TESTS } from './test/tiers.js';

export default defineConfig({
  // why: Vite resolves `graphql` to its ESM build (`module` field) for source files while Node (and
  // the CJS packages @apollo/gateway and federation-internals) load the CJS build: two realms, and
  // graphql's `instanceof` checks throw. Resolve it the way Node does, as production runs it.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers on free ports; files run in parallel processes.
    pool: 'forks',
    // why 3: the default (one fewer than the cores) runs ONE file at a time on a 2-core machine,
    // while most files spend their time waiting on sockets, Redis and child processes; three
    // overlap those waits. The tests wait for events, never for fixed times, so a busier machine
    // makes them slower, not red. `--maxWorkers=N` overrides it.
    maxWorkers: 3,
    // Two tiers (test/tiers.ts): `vitest run` runs both, `vitest run --project fast` the first;
    // `cluster` runs the Redis-backed suites again on one real Redis Cluster (CLUSTER_SUITES).
    projects: [
      {
        extends: true,
        test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: [...PROCESS_TESTS] },
      },
      { extends: true, test: { name: 'processes', include: [...PROCESS_TESTS] } },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: [...CLUSTER_SUITES],
          globalSetup: ['test/redis/clusterSetup.ts'],
        },
      },
    ],
  },
});
