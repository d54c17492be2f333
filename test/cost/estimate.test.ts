import { getIntrospectionQuery, isInterfaceType, isObjectType, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/cost/estimate.js';
import { realSupergraph, syntheticSchema, type CostSchema } from './schemas.js';

const DEFAULT_LIST_SIZE = 10;

function estimate(
  on: CostSchema,
  query: string,
  variables?: Record<string, unknown>,
  operationName?: string,
) {
  return estimateCost({
    document: parse(query),
    operationName,
    variables,
    schema: on.schema,
    index: on.index,
    defaultListSize: DEFAULT_LIST_SIZE,
  });
}

function costOf(on: CostSchema) {
  return (query: string, variables?: Record<string, unknown>) => {
    const result = estimate(on, query, variables);
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    return result.cost;
  };
}

const CHECKOUT_SCREEN = `query CheckoutScreen {
  me { name email payments(first: 5) { amount status product { name price } } }
  products(first: 10) { name price seller { name } }
}`;

describe('estimated cost over the real supergraph', () => {
  const cost = costOf(realSupergraph());
  it.each([
    ['{ products(first: 7) { name seller { name } } }', 14],
    ['{ products { name } }', 10], // `first` defaults to 10 in the schema
    ['{ products(first: 3) { id name price inStock description } }', 3],
    ['{ product(id: "p1") { name seller { name products { name } } } }', 7], // 1 + 1 + 5
    ['{ user(id: "u1") { payments { amount product { name } } } }', 21], // 1 + 10 × 2
    ['{ user(id: "u1") { payments(first: 2) { product { seller { name } } } } }', 7],
    [CHECKOUT_SCREEN, 31], // me 1 + payments 5 × 2; products 10 × 2
    ['mutation { updateProductPrice(id: "p1", price: 2) { name } }', 10],
    ['mutation { updateProductPrice(id: "p1", price: 2) { seller { name } } }', 11],
    [
      'mutation { a: createPayment(productId: "p1") { id } b: createPayment(productId: "p2") { id } }',
      20,
    ],
    ['{ __typename }', 0],
    // introspection costs what it lists: __type 1 + Product's 6 fields; products 2
    ['{ __type(name: "Product") { fields { name } } products(first: 2) { id } }', 9],
    ['{ __type(name: "Nope") { fields { name } } }', 1],
  ])('%s costs %i', (query, expected) => {
    expect(cost(query)).toBe(expected);
  });

  it('takes slicing arguments from variables, their defaults, then the schema', () => {
    const q = 'query($n: Int) { products(first: $n) { seller { name } } }';
    expect(cost(q, { n: 7 })).toBe(14);
    expect(cost(q, {})).toBe(20);
    expect(cost('query($n: Int = 3) { products(first: $n) { seller { name } } }')).toBe(6);
  });

  it('refuses an explicit null for a required slicing argument', () => {
    const result = estimate(realSupergraph(), '{ products(first: null) { name } }');
    expect(result).toMatchObject({
      ok: false,
      code: 'REQUIRE_ONE_SLICING_ARGUMENT',
      path: ['products'],
    });
  });
});

describe('estimated cost: the IBM cost spec, case by case', () => {
  const on = syntheticSchema();
  const cost = costOf(on);
  it.each([
    // defaults: composite 1, scalar 0, list = size × item
    ['{ tags }', 0],
    ['{ posts { id } }', 10], // no @listSize: the default list size
    ['{ posts { author { name } } }', 20],
    // @cost on a field, on a type
    ['{ expensive }', 5],
    ['{ heavy { x } }', 7],
    // slicing arguments, nested lists, negative and huge values
    ['{ feed(first: 3) { title } }', 3],
    ['{ feed(last: 4) { title } }', 4],
    ['{ feed(first: 2) { comments { text } } }', 6], // 2 × (1 + 2 by default)
    ['{ feed(first: 2) { comments(first: 5) { text } author { name } } }', 14],
    ['{ feed(first: 3) { author { posts { title } } } }', 18], // assumedSize 4
    ['{ feed(first: 0) { title } }', 1], // the call is still made: its weight
    ['{ feed(first: 99999999) { title } }', 99999999],
    ['{ anyFeed { title } }', 10],
    // null where no slicing argument is required: the assumed size, never less
    ['{ anyFeed(first: null) { title } }', 10],
    ['{ anyFeed(first: 2, last: 6) { title } }', 6], // the largest slicing argument
    ['{ paged(page: { size: 6 }) { title } }', 7], // a nested slicing argument; the input object costs 1
    // sizedFields: the size applies to the connection's edges
    ['{ postsConnection(first: 5) { edges { node { title } } pageInfo { hasNextPage } } }', 12],
    // abstract types: the most expensive possible type
    [
      '{ node(id: "1") { id ... on Post { comments(first: 3) { text } } ... on Author { posts { author { name } } } } }',
      9,
    ],
    ['{ search(text: "x") { ... on Post { title author { name } } ... on Author { name } } }', 10],
    // fragments, merged fields, skip / include
    ['{ feed(first: 2) { ...P } } fragment P on Post { author { name } }', 4],
    ['{ feed(first: 2) { ... on Post { author { name } } } }', 4],
    ['{ feed(first: 2) { author { name } author { id } } }', 4],
    ['{ feed(first: 2) { ...P ...P } } fragment P on Post { author { name } }', 4],
    ['{ feed(first: 2) { author @skip(if: true) { name } } }', 2],
    ['{ feed(first: 2) { author @include(if: false) { name } } }', 2],
    // mutations: 10 per root field unless @cost says otherwise
    ['mutation { publish(title: "a") { title } }', 10],
    ['mutation { publish(title: "a") { author { name } } }', 11],
    ['mutation { like(id: "1") }', 3],
    // argument costs: @cost on the argument replaces the input object's 1, plus its fields
    ['{ filter(where: { title: "x" }) { title } }', 9],
    ['{ filter(where: { authorId: "1" }) { title } }', 5],
    ['{ filter { title } }', 3],
  ])('%s costs %i', (query, expected) => {
    expect(cost(query)).toBe(expected);
  });

  it.each([
    [
      'query($s: Boolean!) { feed(first: 2) { author @include(if: $s) { name } } }',
      { s: false },
      2,
    ],
    ['query($s: Boolean!) { feed(first: 2) { author @include(if: $s) { name } } }', { s: true }, 4],
    ['query($s: Boolean = true) { feed(first: 2) { author @skip(if: $s) { name } } }', {}, 2],
    ['query($n: Int) { feed(first: $n) { title } }', { n: 4 }, 4],
    ['query($n: Int = 6) { feed(first: $n) { title } }', {}, 6],
    [
      'query($w: PostFilter) { filter(where: $w) { title } }',
      { w: { title: 'x', authorId: '1' } },
      9,
    ],
    ['query($p: PageInput) { paged(page: $p) { title } }', { p: { size: 8 } }, 9],
    ['query($__proto__: Int) { feed(first: $__proto__) { title } }', { ['__proto__']: 2 }, 2],
  ])('%s with %j costs %i', (query, variables, expected) => {
    expect(cost(query, variables)).toBe(expected);
  });

  it.each([
    ['{ feed { title } }', ['feed']],
    ['{ feed(first: 1, last: 2) { title } }', ['feed']],
    ['query($n: Int) { feed(first: $n) { title } }', ['feed']],
    ['{ a: feed(first: 1) { author { posts { id } } } b: feed { id } }', ['b']],
  ])('%s needs exactly one slicing argument', (query, path) => {
    expect(estimate(on, query)).toMatchObject({
      ok: false,
      code: 'REQUIRE_ONE_SLICING_ARGUMENT',
      path,
    });
  });

  it.each([
    ['{ tags }', 'Other'],
    ['query A { tags } query B { tags }', undefined],
  ])('%s with operation %s is an unknown operation', (query, name) => {
    expect(estimate(on, query, undefined, name)).toMatchObject({
      ok: false,
      code: 'UNKNOWN_OPERATION',
    });
  });

  it('picks the named operation', () => {
    expect(estimate(on, 'query A { tags } query B { posts { id } }', undefined, 'B')).toEqual({
      ok: true,
      cost: 10,
      introspection: 0,
    });
  });

  it('follows the configured default list size', () => {
    const result = estimateCost({
      document: parse('{ posts { id } }'),
      schema: on.schema,
      index: on.index,
      defaultListSize: 25,
    });
    expect(result).toEqual({ ok: true, cost: 25, introspection: 0 });
  });

  it('refuses a negative slicing argument, literal or variable', () => {
    for (const [query, variables] of [
      ['{ feed(first: -5) { title } }', undefined],
      ['query($n: Int) { feed(first: 2) { comments(first: $n) { text } } }', { n: -1 }],
      ['{ paged(page: { size: -6 }) { title } }', undefined],
    ] as const) {
      expect(estimate(on, query, variables)).toMatchObject({
        ok: false,
        code: 'NEGATIVE_SLICING_ARGUMENT',
      });
    }
  });
});

describe('introspection cost: the size of what it lists', () => {
  const real = realSupergraph();
  const types = Object.values(real.schema.getTypeMap());
  const withFields = types.filter((t) => isObjectType(t) || isInterfaceType(t));
  const fields = withFields.reduce((n, t) => n + Object.keys(t.getFields()).length, 0);
  const at = (query: string) =>
    estimateCost({
      document: parse(query),
      schema: real.schema,
      index: real.index,
      defaultListSize: 10,
    });

  it('costs __schema { types } one point per type, and its fields one per field listed', () => {
    expect(at('{ __schema { types { name } } }')).toEqual({
      ok: true,
      cost: 1 + types.length,
      introspection: 1 + types.length,
    });
    // every type not listing fields answers null: its weight
    const listing = at('{ __schema { types { name fields { name } } } }');
    expect(listing).toMatchObject({ ok: true });
    if (!listing.ok) return;
    expect(listing.cost).toBeGreaterThanOrEqual(1 + types.length + fields);
    expect(listing.cost).toBeLessThanOrEqual(1 + 2 * types.length + fields + 1);
  });

  it('multiplies nested lists, so aliases and depth add up', () => {
    const one = at('{ __schema { types { fields { args { name } type { fields { name } } } } } }');
    const two = at(
      '{ a: __schema { types { fields { args { name } type { fields { name } } } } } b: __schema { types { fields { args { name } type { fields { name } } } } } }',
    );
    expect(one.ok && two.ok).toBe(true);
    // each estimate rounds its fractional list sizes up once
    if (one.ok && two.ok) expect(Math.abs(two.cost - 2 * one.cost)).toBeLessThanOrEqual(1);
  });

  it('keeps the full introspection query of development tools within the default MAX_COST', () => {
    const result = at(getIntrospectionQuery());
    expect(result.ok && result.cost).toBeGreaterThan(100);
    expect(result.ok && result.cost).toBeLessThanOrEqual(2000);
  });
});
