import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fetchCost } from '../../src/cost/actual.js';
import { realSupergraph, syntheticSchema, type CostSchema } from './schemas.js';

/** One fetch's cost: `query` as sent to the subgraph, `data` as it answered. */
const actual = (
  on: CostSchema,
  query: string,
  data: Record<string, unknown> | null,
  options: { variables?: Record<string, unknown>; failed?: boolean } = {},
) =>
  fetchCost({
    document: parse(query),
    schema: on.schema,
    index: on.index,
    defaultListSize: 10,
    variables: options.variables ?? {},
    data,
    failed: options.failed ?? false,
  });

const product = (seller: unknown = { name: 's' }) => ({ name: 'p', seller });

describe('actual cost of a fetch: the estimate formula over the real list sizes', () => {
  const real = realSupergraph();
  const synthetic = syntheticSchema();
  it.each([
    // what the estimate assumed (7 products, every seller present) costs what it estimated
    [
      '{ products(first: 7) { name seller { name } } }',
      { products: Array.from({ length: 7 }, () => product()) },
      14,
      real,
    ],
    // a shorter list costs less; a null seller was still asked for: its weight, not its sub-selection
    [
      '{ products(first: 7) { name seller { name } } }',
      { products: [product(), product(null), product()] },
      6,
      real,
    ],
    // an empty list was asked for: its weight
    ['{ products { name } }', { products: [] }, 1, real],
    // a root field was asked of a subgraph: paid even when null, its sub-selection not
    ['{ user(id: "x") { products { name } } }', { user: null }, 1, real],
    // a field removed by authorization is not in the document, nor paid for
    ['{ products(first: 1) { name } }', { products: [{ name: 'p' }], me: null }, 1, real],
    [
      '{ a: product(id: "1") { name } b: product(id: "2") { name } }',
      { a: { name: 'x' }, b: null },
      2,
      real,
    ],
    // a mutation is paid even when it returns null
    [
      'mutation { updateProductPrice(id: "p1", price: 1) { name } }',
      { updateProductPrice: null },
      10,
      real,
    ],
    [
      'mutation { updateProductPrice(id: "p1", price: 1) { seller { name } } }',
      { updateProductPrice: product() },
      11,
      real,
    ],
    // abstract types: the runtime type when __typename says, else the most expensive
    [
      '{ node(id: "1") { __typename ... on Author { posts { id } } } }',
      { node: { __typename: 'Post' } },
      1,
      synthetic,
    ],
    [
      '{ node(id: "1") { __typename ... on Author { posts { id } } } }',
      { node: { __typename: 'Author', posts: [{ id: '1' }, { id: '2' }] } },
      3,
      synthetic,
    ],
    [
      '{ node(id: "1") { ... on Author { posts { id } } } }',
      { node: { posts: [{ id: '1' }] } },
      2,
      synthetic,
    ],
    // sized connection: the real number of edges
    [
      '{ postsConnection(first: 5) { edges { node { title } } } }',
      { postsConnection: { edges: [{ node: { title: 'a' } }] } },
      3,
      synthetic,
    ],
    // @cost weights and argument costs, as in the estimate
    ['{ heavy { x } expensive }', { heavy: { x: 1 }, expensive: 2 }, 12, synthetic],
    ['{ filter(where: { title: "x" }) { id } }', { filter: [{ id: '1' }] }, 7, synthetic],
    // leaves weigh nothing (the floor of one point per fetch is added over the whole request)
    ['{ tags }', { tags: ['a', 'b'] }, 0, synthetic],
    // no data: what it asked for (products defaults to first: 10)
    ['{ products { name } }', null, 10, real],
  ])('%s', (query, data, expected, on) => {
    expect(actual(on, query, data)).toBe(expected);
  });

  it('honours @skip / @include with variables', () => {
    const query = 'query($s: Boolean!) { feed(first: 2) { author @include(if: $s) { name } } }';
    const data = { feed: [{ author: { name: 'a' } }, { author: { name: 'b' } }] };
    const on = syntheticSchema();
    const cost = (s: boolean) => actual(on, query, data, { variables: { s } });
    expect(cost(true)).toBe(4);
    expect(cost(false)).toBe(2);
  });
});

describe('a failed fetch costs what it asked for', () => {
  const real = realSupergraph();
  it('charges the estimate of a root fetch that answered with errors, whatever came back', () => {
    const query = '{ products(first: 7) { name seller { name } } }';
    expect(actual(real, query, { products: null }, { failed: true })).toBe(14);
    expect(actual(real, query, null, { failed: true })).toBe(14);
  });

  const ENTITIES =
    'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { products(first: 4) { id } } } }';
  const users = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ __typename: 'User', id: `u${i}` }));

  it('charges an entity fetch the fields it added to each entity returned', () => {
    const products = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `p${i}` }));
    const data = {
      _entities: [
        { __typename: 'User', products: products(2) },
        { __typename: 'User', products: [] },
        null,
      ],
    };
    // 2 products, an empty list (its weight), a user that was not found (what was asked: 4)
    expect(actual(real, ENTITIES, data, { variables: { representations: users(3) } })).toBe(
      2 + 1 + 4,
    );
  });

  it('charges every entity sent to a fetch that failed what it asked for', () => {
    const data = { _entities: [null, null, null, null, null] };
    const variables = { representations: users(5) };
    expect(actual(real, ENTITIES, data, { variables, failed: true })).toBe(5 * 4);
    expect(actual(real, ENTITIES, null, { variables, failed: true })).toBe(5 * 4);
  });
});
