/**
 * docs/security.md Part 1, H: persisted queries and APQ abuse (cases 44–47), plus the safelist
 * side of case 41 (no normalisation of look-alike names).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest, sha256 } from '../../src/persisted/manifest.js';
import {
  keysMatching,
  ON_TEST_CLUSTER,
  redisAvailable,
  testRedisClient,
  testRedisEnv,
  uniquePrefix,
} from '../helpers/redis.js';
import { postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import { expectNoLeaks, expectRefusedBeforeSubgraphs, getGraphQL, nest } from './helpers.js';

const PRODUCT = 'query ProductName($id: ID!) { product(id: $id) { id name } }';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'security-persisted-'));
const manifestPath = path.join(dir, 'manifest.json');
fs.writeFileSync(
  manifestPath,
  JSON.stringify(buildManifest([{ file: 'p.graphql', source: PRODUCT }])),
);
const listed = (
  JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as ReturnType<typeof buildManifest>
).operations[0]!;

const pq = (sha256Hash: unknown, version: unknown = 1) => ({
  persistedQuery: { version, sha256Hash },
});

const withRedis = await redisAvailable();

describe('H. persisted queries and APQ abuse', () => {
  describe('automatic persisted queries (allow mode)', () => {
    let stack: Stack;
    let redis: ReturnType<typeof testRedisClient> | undefined;
    beforeAll(async () => {
      const prefix = uniquePrefix('security-h');
      stack = await startStack({
        env: {
          PERSISTED_OPERATIONS: 'allow',
          PERSISTED_OPERATIONS_MANIFEST: manifestPath,
          RATE_LIMIT_CAPACITY: '1000000',
          ...(withRedis
            ? {
                ...testRedisEnv(),
                RATE_LIMIT_KEY_PREFIX: `${prefix}rl:`,
                CACHE_KEY_PREFIX: `${prefix}cache:`,
              }
            : {}),
        },
      });
      if (withRedis) redis = testRedisClient({ maxRetriesPerRequest: 1 });
    });
    afterAll(async () => {
      await stack?.stop();
      redis?.disconnect();
    });

    it('case 44: a hash that does not match its query is refused and never registered', async () => {
      const query = `{ product(id: "p44") { name } }`;
      const popular = sha256('{ products(first: 1) { name } }');
      await expectRefusedBeforeSubgraphs(
        stack,
        () => postGraphQL(stack.url, { query, extensions: pq(sha256('something else')) }),
        { status: 400, code: 'BAD_REQUEST' },
      );
      // A popular hash registered with its own body cannot be re-registered with another.
      const registered = await postGraphQL(stack.url, {
        query: '{ products(first: 1) { name } }',
        extensions: pq(popular),
      });
      expect(registered.status).toBe(200);
      await expectRefusedBeforeSubgraphs(
        stack,
        () => postGraphQL(stack.url, { query, extensions: pq(popular) }),
        { status: 400, code: 'BAD_REQUEST' },
      );
      const byHash = await postGraphQL(stack.url, { extensions: pq(popular) });
      expect(byHash.status).toBe(200);
      expect(byHash.body.data.products).toHaveLength(1);
      expect(byHash.body.data.product).toBeUndefined();
    });

    it('case 45: an unknown hash is PERSISTED_QUERY_NOT_FOUND, uncacheable; other versions 400', async () => {
      const miss = await postGraphQL(stack.url, {
        extensions: pq(sha256(`unknown ${Date.now()}`)),
      });
      expect(miss.status).toBe(200);
      expect(miss.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      // Never stored by a shared cache (Apollo sends `private, no-cache, must-revalidate`).
      const cacheControl = miss.headers.get('cache-control') ?? '';
      expect(cacheControl).toMatch(/no-store|private/);
      expect(cacheControl).not.toMatch(/public|max-age=[1-9]/);
      expectNoLeaks(stack, miss.body);

      for (const version of [2, 0, '1', null])
        await expectRefusedBeforeSubgraphs(
          stack,
          () => postGraphQL(stack.url, { extensions: pq(sha256('x'), version) }),
          { status: 400, code: 'BAD_REQUEST' },
        );
      for (const hash of [5, { a: 1 }, ''.padEnd(100_000, 'a')]) {
        const odd = await postGraphQL(stack.url, { extensions: pq(hash) });
        expect(odd.status, JSON.stringify(odd.body).slice(0, 200)).toBeLessThan(500);
        expectNoLeaks(stack, odd.body);
      }
    });

    it('case 46: registrations pass every limit, and stored ones expire', async () => {
      // Over a limit: refused, and not runnable by its hash afterwards.
      const n = stack.config.limits.maxDepth;
      for (const query of [
        `{ ${nest(n + 1)} }`,
        `{ products(first: ${stack.config.cost.maxCost + 1}) { id } }`,
      ]) {
        const hash = sha256(query);
        const register = await postGraphQL(stack.url, { query, extensions: pq(hash) });
        expect(register.status).toBe(400);
        const replay = await postGraphQL(stack.url, { extensions: pq(hash) });
        expect(replay.body.data ?? null).toBeNull();
        expect([
          'PERSISTED_QUERY_NOT_FOUND',
          'MAX_DEPTH_LIMIT',
          'COST_ESTIMATED_TOO_EXPENSIVE',
        ]).toContain(replay.body.errors[0].extensions.code);
      }
      // A flood of distinct registrations (scaled down from 100,000): each stored with a TTL.
      const run = Date.now().toString(36);
      const hashes: string[] = [];
      for (let batch = 0; batch < 10; batch++) {
        await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const query = `query Flood_${run}_${batch}_${i} { __typename }`;
            const hash = sha256(query);
            hashes.push(hash);
            const response = await postGraphQL(stack.url, { query, extensions: pq(hash) });
            expect(response.status).toBe(200);
          }),
        );
      }
      if (!redis) return; // in-process: Apollo's bounded LRU (30 MiB)
      for (const hash of hashes) {
        const [key] = await keysMatching(redis, `gw:v1:apq:*${hash}`);
        expect(key, hash).toBeDefined();
        const ttl = await redis.ttl(key!);
        expect(ttl, `TTL of ${key}`).toBeGreaterThan(0);
      }
    });
  });

  describe.skipIf(ON_TEST_CLUSTER)('safelist mode', () => {
    let stack: Stack;
    let strict: Stack;
    beforeAll(async () => {
      const env = { PERSISTED_OPERATIONS: 'safelist', PERSISTED_OPERATIONS_MANIFEST: manifestPath };
      [stack, strict] = await Promise.all([
        startStack({ env }),
        startStack({ env: { ...env, PERSISTED_OPERATIONS_REQUIRE_ID: 'true' } }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([stack?.stop(), strict?.stop()]);
    });

    it('case 47: ids only from the list, bodies only when listed, never both', async () => {
      const byId = await postGraphQL(stack.url, {
        extensions: pq(listed.id),
        variables: { id: 'p1' },
      });
      expect(byId.status, JSON.stringify(byId.body)).toBe(200);
      expect(byId.body.data.product.id).toBe('p1');

      // Our gateway answers every refusal 400; Router uses 404 / 403 for the first two.
      const cases: [Stack, unknown, string][] = [
        [stack, { extensions: pq(sha256('not listed')) }, 'PERSISTED_QUERY_NOT_IN_LIST'],
        [stack, { documentId: sha256('not listed') }, 'PERSISTED_QUERY_NOT_IN_LIST'],
        [stack, { query: '{ products(first: 1) { name } }' }, 'PERSISTED_QUERY_NOT_IN_LIST'],
        [stack, { query: '{ __schema { types { name } } }' }, 'PERSISTED_QUERY_NOT_IN_LIST'],
        [
          stack,
          { query: '{ products(first: 1) { name } }', extensions: pq(listed.id) },
          'CANNOT_SEND_PQ_ID_AND_BODY',
        ],
        [strict, { query: listed.body, variables: { id: 'p1' } }, 'PERSISTED_QUERY_ID_REQUIRED'],
      ];
      for (const [target, body, code] of cases)
        await expectRefusedBeforeSubgraphs(target, () => postGraphQL(target.url, body), {
          status: 400,
          code,
        });
      const get = await getGraphQL(stack.url, { documentId: sha256('not listed') });
      expect(get.status).toBe(400);
      expect(get.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      const strictById = await postGraphQL(strict.url, {
        documentId: listed.id,
        variables: { id: 'p2' },
      });
      expect(strictById.body.data.product.id).toBe('p2');
    });

    it('case 41: look-alike names are not normalised into a listed operation', async () => {
      const lookAlikes = [
        listed.body.replace('name', 'n\u0430me'), // Cyrillic а
        listed.body.replace('product(', 'prod\u200Buct('), // zero-width space
        listed.body.replace('{', '{\u00A0'), // no-break space
        `${listed.body}\u0000`,
        // (A BOM is an ignored token in GraphQL: the same operation, rightly matched.)
      ];
      for (const query of lookAlikes)
        await expectRefusedBeforeSubgraphs(
          stack,
          () => postGraphQL(stack.url, { query, variables: { id: 'p1' } }),
          { status: 400, code: ['PERSISTED_QUERY_NOT_IN_LIST', 'GRAPHQL_PARSE_FAILED'] },
        );
    });
  });
});
