import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ON_TEST_CLUSTER, redisAvailable } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';
import { dropKeys, startCacheStack } from './harness.js';

/**
 * A mutation bumps the versions of the entities it returns whatever the client's directives: the
 * gateway selects the key fields under its own aliases, so `id @skip(if: true)` (and every other
 * way of leaving the key out of the response) cannot keep a stale price in the cache. Every read
 * path shows the new price at once, long before the price's 10-second TTL.
 */

const RESERVED = 'gwCacheKey_';
const PRICE = 'mutation($id: ID!, $price: Float!)';
const PRICE_V = 'mutation($id: ID!, $price: Float!, $v: Boolean!)';
const FIELD = 'updateProductPrice(id: $id, price: $price)';

interface Variant {
  readonly name: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  /** The response the client must see for price `price` of product `id`. */
  readonly expected: (id: string, price: number) => unknown;
}

const priceOnly = (_id: string, price: number) => ({ price });

const VARIANTS: readonly Variant[] = [
  {
    name: '`id @skip(if: true)`',
    query: `${PRICE} { ${FIELD} { id @skip(if: true) price } }`,
    expected: priceOnly,
  },
  {
    name: '`id @include(if: false)`',
    query: `${PRICE} { ${FIELD} { id @include(if: false) price } }`,
    expected: priceOnly,
  },
  {
    name: '`id @include(if: $v)` with v = false',
    query: `${PRICE_V} { ${FIELD} { id @include(if: $v) price } }`,
    variables: { v: false },
    expected: priceOnly,
  },
  {
    name: '`id @skip(if: $v)` with v = true',
    query: `${PRICE_V} { ${FIELD} { id @skip(if: $v) price } }`,
    variables: { v: true },
    expected: priceOnly,
  },
  {
    name: '`__typename @skip(if: true)` beside the id',
    query: `${PRICE} { ${FIELD} { __typename @skip(if: true) id price } }`,
    expected: (id, price) => ({ id, price }),
  },
  {
    name: 'a named fragment with `id @skip(if: true)`',
    query: `${PRICE} { ${FIELD} { ...P } } fragment P on Product { id @skip(if: true) price }`,
    expected: priceOnly,
  },
  {
    name: 'a named fragment under `@include(if: $v)` with v = false',
    query: `${PRICE_V} { ${FIELD} { ...P @include(if: $v) price } } fragment P on Product { id }`,
    variables: { v: false },
    expected: priceOnly,
  },
  {
    name: 'an inline fragment with `id @skip(if: true)`',
    query: `${PRICE} { ${FIELD} { ... on Product { id @skip(if: true) price } } }`,
    expected: priceOnly,
  },
  {
    name: 'an inline fragment under `@skip(if: true)`',
    query: `${PRICE} { ${FIELD} { ... @skip(if: true) { id } price } }`,
    expected: priceOnly,
  },
  {
    name: 'an aliased id',
    query: `${PRICE} { ${FIELD} { pid: id price } }`,
    expected: (id, price) => ({ pid: id, price }),
  },
  {
    name: 'an aliased id under `@skip(if: true)`',
    query: `${PRICE} { ${FIELD} { pid: id @skip(if: true) price } }`,
    expected: priceOnly,
  },
  {
    name: 'an aliased mutation field under `@include(if: $v)` with v = true',
    query: `${PRICE_V} { changed: ${FIELD} @include(if: $v) { price } }`,
    variables: { v: true },
    expected: priceOnly,
  },
];

/** The price of product `id` on every read path: product, products, seller.products, payment.product. */
async function readPaths(stack: Stack, id: string, token: string) {
  const product = await stack.query(`{ product(id: "${id}") { id price seller { id } } }`);
  const seller = product.body.data.product.seller.id as string;
  const list = await stack.query('{ products(first: 20) { id price } }');
  const sellers = await stack.query(
    `{ user(id: "${seller}") { products(first: 100) { id price } } }`,
  );
  const payments = await stack.query('{ me { payments(first: 1) { product { id price } } } }', {
    token,
  });
  const find = (items: { id: string; price: number }[]) => items.find((p) => p.id === id)?.price;
  for (const response of [product, list, sellers, payments])
    expect(response.body.errors, JSON.stringify(response.body)).toBeUndefined();
  return {
    product: product.body.data.product.price as number,
    products: find(list.body.data.products),
    'seller.products': find(sellers.body.data.user.products),
    'payment.product': payments.body.data.me.payments[0].product as { id: string; price: number },
  };
}

function variantTests(
  store: string,
  start: () => Promise<Stack>,
  stop: (s: Stack) => Promise<void>,
) {
  describe(`mutations invalidate whatever the client's directives (${store})`, () => {
    let stack: Stack;
    let token: string;
    let price = 1000;
    beforeAll(async () => {
      stack = await start();
      // Allowed everything the reads and the mutation need: the attack needs no missing scope.
      token = await devToken('u1', 'admin:products read:payments');
    });
    afterAll(async () => {
      if (stack) await stop(stack);
    });

    it.each(VARIANTS.map((v, i) => [v.name, v, `p${i + 1}`] as const))(
      '%s',
      async (_name, variant, id) => {
        // The payment path reads the caller's newest payment: one for this product.
        const created = await stack.query(
          'mutation($id: ID!) { createPayment(productId: $id) { id product { id } } }',
          { token, variables: { id } },
        );
        expect(created.body.errors).toBeUndefined();
        const before = await readPaths(stack, id, token);
        expect(before['payment.product'].id).toBe(id);

        const next = (price += 1.25);
        const changed = await stack.query(variant.query, {
          token,
          variables: { id, price: next, ...variant.variables },
        });
        expect(changed.status).toBe(200);
        expect(changed.body.errors).toBeUndefined();
        const field = Object.keys(changed.body.data)[0]!;
        expect(changed.body.data[field]).toEqual(variant.expected(id, next));
        expect(JSON.stringify(changed.body)).not.toContain(RESERVED);

        // Read right away, well inside the price's 10-second TTL: every path has the new price.
        const after = await readPaths(stack, id, token);
        expect({ ...after, 'payment.product': after['payment.product'].price }).toEqual({
          product: next,
          products: next,
          'seller.products': next,
          'payment.product': next,
        });
        // createPayment's own product (a mutation's reads never come from the cache).
        const paid = await stack.query(
          'mutation($id: ID!) { createPayment(productId: $id) { product { price } } }',
          { token, variables: { id } },
        );
        expect(paid.body.data.createPayment.product.price).toBe(next);
      },
    );

    it('refuses a client alias with the reserved prefix: 400 GRAPHQL_VALIDATION_FAILED', async () => {
      const response = await stack.query(
        `${PRICE} { ${FIELD} { id @skip(if: true) ${RESERVED}id: price } }`,
        { token, variables: { id: 'p20', price: 3 } },
      );
      expect(response.status).toBe(400);
      expect(response.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(response.body.data).toBeUndefined();
      // in a query too: the prefix is the gateway's, wherever it appears
      const query = await stack.query(`{ product(id: "p20") { ${RESERVED}n: name } }`);
      expect(query.status).toBe(400);
      expect(query.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });
  });
}

describe.skipIf(ON_TEST_CLUSTER)('in-process', () => {
  variantTests(
    'in-process LRU',
    () => startStack(),
    (s) => s.stop(),
  );
});

describe.skipIf(!(await redisAvailable()))('on Redis', () => {
  variantTests(
    'Redis',
    () => startCacheStack('directives'),
    async (s) => {
      await s.stop();
      await dropKeys((s as Stack & { prefix: string }).prefix);
    },
  );
});
