import { defineConfig } from 'vitest/config';

export default defineConfig({
  // why: Vite resolves `graphql` to its ESM build (`module` field) for source files while Node (and
  // the CJS packages @apollo/gateway and federation-internals) load the CJS build: two realms, and
  // graphql's `instanceof` checks throw. Resolve it the way Node does, as production runs it.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers on free ports; files run in parallel processes.
    pool: 'forks',
  },
});
