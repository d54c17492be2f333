/**
 * docs/security.md Part 4, Q: fuzzing and scanners (cases 120–123), bounded for CI. There is no
 * monolithic reference server, so the differential cases (120, 121) compare the gateway with the
 * product subgraph queried directly, for the fields that subgraph owns alone (see
 * NOT-APPLICABLE.md). The broader fuzz is test/security/fuzz.test.ts; graphql-cop's probes are
 * replayed here (case 123), since the scanner itself is a Python tool not run in CI.
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSubgraph, type SubgraphHandle } from '../../subgraphs/shared/server.js';
import { postGraphQL, startStack, type GraphQLResponse } from '../helpers/stack.js';
import { startGatewayOn, type TestGateway } from '../operations/helpers/processes.js';
import { getGraphQL, postRaw, productionEnv } from './helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5ec_0120);

let product: SubgraphHandle;
let user: SubgraphHandle;
let payment: SubgraphHandle;
let gw: TestGateway;

beforeAll(async () => {
  const logger = pino({ level: 'silent' });
  [product, user, payment] = await Promise.all([
    startSubgraph('product', { port: 0, logger }),
    startSubgraph('user', { port: 0, logger }),
    startSubgraph('payment', { port: 0, logger }),
  ]);
  gw = await startGatewayOn(
    { product: product.url, user: user.url, payment: payment.url },
    { RATE_LIMIT_CAPACITY: '100000000' },
  );
}, 60_000);
afterAll(async () => {
  await gw?.stop();
  await Promise.all([product, user, payment].map((s) => s?.close()));
});

const PRODUCT_FIELDS = ['id', 'name', 'description', 'price', 'inStock', '__typename'];

/** Valid documents over the fields the product subgraph owns alone. */
const productQuery = fc
  .record({
    root: fc.oneof(
      fc.integer({ min: 1, max: 12 }).map((n) => `product(id: "p${n}")`),
      fc.integer({ min: 0, max: 6 }).map((n) => `products(first: ${n})`),
    ),
    fields: fc.uniqueArray(fc.constantFrom(...PRODUCT_FIELDS), { minLength: 1 }),
    alias: fc.option(fc.constantFrom('a', 'b', 'item'), { nil: undefined }),
  })
  .map(
    ({ root, fields, alias }) => `{ ${alias ? `${alias}: ` : ''}${root} { ${fields.join(' ')} } }`,
  );

const TOKENS = [
  '{',
  '}',
  '(',
  ')',
  ':',
  '$',
  '@',
  '...',
  'query',
  'product',
  'products',
  'id',
  'name',
  'price',
  'first',
  '"p1"',
  '1',
  'on',
  'Product',
  'fragment',
  '__typename',
  'nope',
];
const tokenSoup = fc
  .array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 20 })
  .map((t) => t.join(' '));

const isRejected = (r: GraphQLResponse) =>
  r.status >= 400 || (Array.isArray(r.body?.errors) && r.body.data == null);

describe('Q. fuzzing and scanners', { timeout: 60_000 }, () => {
  it('case 120: differential (reduced): gateway and the owning subgraph give identical data', async () => {
    await fc.assert(
      fc.asyncProperty(productQuery, async (query) => {
        const [viaGateway, direct] = await Promise.all([
          gw.query(query),
          postGraphQL(product.url, { query }),
        ]);
        expect(viaGateway.status).toBe(200);
        expect(direct.status).toBe(200);
        expect(viaGateway.body.errors).toBeUndefined();
        expect(viaGateway.body.data).toEqual(direct.body.data);
      }),
      { seed: SEED, numRuns: 60, interruptAfterTimeLimit: 8000 },
    );
  });

  it('case 121: error differential (reduced): what the subgraph rejects the gateway rejects; no 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(tokenSoup, async (query) => {
        const [viaGateway, direct] = await Promise.all([
          gw.query(query),
          postGraphQL(product.url, { query }),
        ]);
        expect(viaGateway.status).toBeLessThan(500);
        expect(typeof viaGateway.body).toBe('object');
        if (isRejected(direct)) expect(isRejected(viaGateway), query).toBe(true);
      }),
      { seed: SEED, numRuns: 150, interruptAfterTimeLimit: 8000 },
    );
  });

  it('case 122: garbage fuzz (bounded): random bodies never give a 5xx, always JSON', async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.string({ maxLength: 300 }),
      fc.json().map((j) => j),
      fc.record({ query: fc.string(), variables: fc.jsonValue() }).map((r) => JSON.stringify(r)),
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom('application/json', 'text/plain', 'application/graphql-response+json'),
        async (b, type) => {
          const r = await postRaw(gw.url, b, {
            'content-type': type,
            'apollo-require-preflight': '1',
          });
          expect(r.status).toBeLessThan(500);
          expect(typeof r.body, r.text.slice(0, 200)).toBe('object');
        },
      ),
      { seed: SEED, numRuns: 150, interruptAfterTimeLimit: 8000 },
    );
    expect((await gw.query('{ product(id: "p1") { name } }')).status).toBe(200);
  });

  it('case 123: graphql-cop probes replayed against a production gateway: no HIGH or MEDIUM finding', async () => {
    // graphql-cop scans staging: a NODE_ENV=production gateway (suggestions and traces off).
    const staging = await startStack({ env: await productionEnv() });
    try {
      await copProbes({ url: staging.url, query: (q: string) => staging.query(q) });
    } finally {
      await staging.stop();
    }
  });
});

async function copProbes(gw: {
  url: string;
  query: (q: string) => Promise<GraphQLResponse>;
}): Promise<void> {
  const text = (r: GraphQLResponse) => JSON.stringify(r.body);
  // Alias overloading (101 aliases).
  const aliases = await gw.query(
    `{ ${Array.from({ length: 101 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
  );
  expect(aliases.status).toBe(400);
  // Array-based batch of 10.
  const batch = await postGraphQL(
    gw.url,
    Array.from({ length: 10 }, () => ({ query: '{ __typename }' })),
  );
  expect(batch.status).toBe(400);
  // Directive overloading (10 × @aa): refused, no execution.
  const directives = await gw.query(`{ __typename ${'@aa '.repeat(10)}}`);
  expect(directives.status).toBe(400);
  // Circular introspection (4 levels).
  const circular = await gw.query(
    '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }',
  );
  expect(circular.status).toBe(400);
  // Field suggestions (`__schema { directive }`) and exception leaks (`qwerty cop { abc }`).
  const suggestion = await gw.query('{ __schema { directive } }');
  expect(text(suggestion)).not.toMatch(/Did you mean/);
  const junk = await gw.query('qwerty cop { abc }');
  expect(junk.status).toBe(400);
  expect(text(junk)).not.toMatch(/stacktrace|exception|\bat \S+\.(ts|js):\d+/);
  // URL-encoded POST (CSRF) and GET mutation.
  const form = await postRaw(gw.url, 'query=%7B__typename%7D', {
    'content-type': 'application/x-www-form-urlencoded',
  });
  expect(form.status).toBe(400);
  const getMutation = await getGraphQL(gw.url, {
    query: 'mutation { createPayment(productId: "p1") { id } }',
  });
  expect(getMutation.status).toBe(405);
  // Field duplication (500 fields) is accepted per case 15: answered, no 5xx.
  const dup = await gw.query(`{ ${'__typename '.repeat(500)}}`);
  expect(dup.status).toBeLessThan(500);
}
