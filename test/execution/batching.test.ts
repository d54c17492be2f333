/**
 * `SUBGRAPH_BATCHING`: fetches of one request to one subgraph that are ready together go out as
 * one merged request. Counted at the real subgraphs: CatalogDeep and CheckoutScreen send no more
 * requests than distinct (subgraph, step) pairs of their plans, and every answer (data, errors,
 * their paths and codes) is the one the same gateway gives with batching off.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metric, startStack, type GraphQLResponse, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';

const root = path.resolve(import.meta.dirname, '../..');
const operation = (name: string) =>
  fs.readFileSync(path.join(root, 'operations', `${name}.graphql`), 'utf8');

let batched: Stack;
let unbatched: Stack;
let cached: Stack;
let token: string;

beforeAll(async () => {
  [batched, unbatched, cached] = await Promise.all([
    startStack({ env: { CACHE_ENABLED: 'false' } }),
    startStack({ env: { CACHE_ENABLED: 'false', SUBGRAPH_BATCHING: 'false' } }),
    startStack({ env: { CACHE_ENABLED: 'true' } }),
  ]);
  token = await devToken('u42', 'read:email read:payments admin:products', { ttlSec: 3600 });
});

afterAll(async () => {
  await Promise.all([batched?.stop(), unbatched?.stop(), cached?.stop()]);
});

/** Status, data and errors (messages, paths, codes) as the client reads them. */
const visible = (response: GraphQLResponse) => {
  const body = response.body as { data?: unknown; errors?: unknown };
  return { status: response.status, data: body.data, errors: body.errors };
};

const requestsAt = (stack: Stack) =>
  Object.fromEntries(Object.entries(stack.subgraphs).map(([name, h]) => [name, h.stats.requests]));
const total = (stack: Stack) =>
  Object.values(stack.subgraphs).reduce((sum, h) => sum + h.stats.requests, 0);

interface PlanNode {
  readonly kind: string;
  readonly nodes?: readonly PlanNode[];
  readonly node?: PlanNode;
  readonly serviceName?: string;
}

/**
 * The distinct (subgraph, step) pairs of a plan: a fetch's step is one more than the step of the
 * fetch before it in its sequence (parallel branches start together).
 */
function stepPairs(plan: PlanNode): Set<string> {
  const pairs = new Set<string>();
  const walk = (node: PlanNode, step: number): number => {
    switch (node.kind) {
      case 'Fetch':
        pairs.add(`${node.serviceName} ${step}`);
        return step + 1;
      case 'Flatten':
        return walk(node.node!, step);
      case 'Sequence':
        return node.nodes!.reduce((at, child) => walk(child, at), step);
      case 'Parallel':
        return Math.max(step, ...node.nodes!.map((child) => walk(child, step)));
      default:
        throw new Error(`unexpected plan node ${node.kind}`);
    }
  };
  walk(plan, 0);
  return pairs;
}

async function both(query: string, options: { token?: string } = {}) {
  batched.resetStats();
  unbatched.resetStats();
  const headers = { 'apollo-expose-query-plan': 'true' };
  const [on, off] = await Promise.all([
    batched.query(query, { ...options, headers }),
    unbatched.query(query, options),
  ]);
  return { on, off };
}

describe('SUBGRAPH_BATCHING', () => {
  it.each([
    ['CatalogDeep', undefined],
    ['CheckoutScreen', 'token'],
  ])(
    '%s sends no more subgraph requests than (subgraph, step) pairs, same answer',
    async (name, withToken) => {
      const { on, off } = await both(operation(name), withToken ? { token } : {});
      const body = on.body as { extensions: { queryPlan: { object: PlanNode } } };
      const pairs = stepPairs(body.extensions.queryPlan.object);
      expect(on.status).toBe(200);
      expect(visible(on).errors).toBeUndefined();
      expect(visible(on).data).toEqual(visible(off).data);
      expect(JSON.stringify(visible(on).data)).toBe(JSON.stringify(visible(off).data));
      expect(total(batched), JSON.stringify(requestsAt(batched))).toBeLessThanOrEqual(pairs.size);
      if (name === 'CatalogDeep') {
        // two `_entities` fetches of the user subgraph in one step: one request, two aliases
        expect(total(unbatched)).toBe(3);
        expect(requestsAt(batched)).toEqual({ product: 1, user: 1, payment: 0 });
        const merged = batched.subgraphs.user.stats.received[0]!;
        expect(merged.query).toContain(
          '_b0__entities:_entities(representations:$_b0_representations)',
        );
        expect(merged.query).toContain(
          '_b1__entities:_entities(representations:$_b1_representations)',
        );
      }
    },
  );

  it('maps a partly failed merged fetch’s errors to the right fetch and path', async () => {
    // Two user fetches in one step: the sellers' emails (FORBIDDEN for everyone but the caller,
    // who sells nothing here) and the nested sellers' names (never failing).
    const query = `{ products(first: 6) { id seller { id email products(first: 2) { id seller { id name } } } } }`;
    const { on, off } = await both(query, { token });
    expect(requestsAt(batched).user).toBe(1);
    expect(requestsAt(unbatched).user).toBe(2);
    expect(visible(on)).toEqual(visible(off));
    const errors = (
      on.body as { errors: { path: (string | number)[]; extensions: { code: string } }[] }
    ).errors;
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.extensions.code).toBe('FORBIDDEN');
      expect(error.path).toEqual(['products', expect.any(Number), 'seller', 'email']);
    }
    const products = (
      on.body as { data: { products: { seller: { products: { seller: { name: string } }[] } }[] } }
    ).data.products;
    for (const product of products)
      for (const nested of product.seller.products)
        expect(nested.seller.name).toEqual(expect.any(String));
  });

  it('keeps mutations in order and never merges them', async () => {
    const query = `mutation {
      first: updateProductPrice(id: "p1", price: 11) { id price }
      pay: createPayment(productId: "p1") { amount product { id name price } }
      second: updateProductPrice(id: "p1", price: 12) { id price }
    }`;
    const before = await batched.query('{ product(id: "p1") { price } }');
    const original = (before.body as { data: { product: { price: number } } }).data.product.price;
    batched.resetStats();
    const response = await batched.query(query, { token });
    expect(response.status).toBe(200);
    const body = response.body as {
      errors?: unknown;
      data: { first: { price: number }; second: { price: number } };
    };
    expect(body.errors).toBeUndefined();
    expect(body.data.first.price).toBe(11);
    expect(body.data.second.price).toBe(12);
    const mutations = batched.subgraphs.product.stats.received
      .map((r) => r.query)
      .filter((q) => q.startsWith('mutation'));
    expect(mutations).toHaveLength(2);
    expect(mutations[0]).toContain('price:11');
    expect(mutations[1]).toContain('price:12');
    for (const text of mutations) expect(text).not.toContain('_b0_');
    const price = await batched.query('{ product(id: "p1") { price } }');
    expect((price.body as { data: { product: { price: number } } }).data.product.price).toBe(12);
    await batched.query(`mutation { updateProductPrice(id: "p1", price: ${original}) { id } }`, {
      token,
    });
  });

  it('the per-field cache still serves each fetch of a merged request', async () => {
    const query = operation('CatalogDeep');
    cached.resetStats();
    const cold = await cached.query(query);
    expect(requestsAt(cached)).toEqual({ product: 1, user: 1, payment: 0 });
    const hitsBefore = await metric(cached, 'gateway_cache_hits_total{subgraph="user"}');
    cached.resetStats();
    const warm = await cached.query(query);
    expect(visible(warm)).toEqual(visible(cold));
    expect(requestsAt(cached).user).toBe(0);
    expect(await metric(cached, 'gateway_cache_hits_total{subgraph="user"}')).toBeGreaterThan(
      hitsBefore,
    );
  });

  // last: it stops the user subgraphs
  it('a subgraph that is down: each fetch of the merged request reports its own paths', async () => {
    await Promise.all([batched.subgraphs.user.close(), unbatched.subgraphs.user.close()]);
    const { on, off } = await both(operation('CatalogDeep'));
    const sorted = (response: GraphQLResponse) => {
      const { status, data, errors } = visible(response);
      return { status, data, errors: (errors as unknown[]).map((e) => JSON.stringify(e)).sort() };
    };
    expect(sorted(on).errors.length).toBeGreaterThan(1);
    expect(sorted(on)).toEqual(sorted(off));
    expect(JSON.stringify(sorted(on).errors)).toContain('SUBGRAPH_UNAVAILABLE');
  });
});
