import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { actualCost } from '../../src/cost/actual.js';
import { realSupergraph, syntheticSchema, type CostSchema } from './schemas.js';

const actual = (on: CostSchema, query: string, data: Record<string, unknown> | null) =>
  actualCost({ document: parse(query), schema: on.schema, index: on.index, data });

const product = (seller: unknown = { name: 's' }) => ({ name: 'p', seller });

describe('actual cost: the estimate formula over the real list sizes', () => {
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
    // a shorter list and a null seller cost less
    [
      '{ products(first: 7) { name seller { name } } }',
      { products: [product(), product(null), product()] },
      5,
      real,
    ],
    ['{ products { name } }', { products: [] }, 0, real],
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
    ['{ tags }', { tags: ['a', 'b'] }, 0, synthetic],
    ['{ products { name } }', null, 0, real],
  ])('%s', (query, data, expected, on) => {
    expect(actual(on, query, data)).toBe(expected);
  });

  it('honours @skip / @include with variables', () => {
    const query = 'query($s: Boolean!) { feed(first: 2) { author @include(if: $s) { name } } }';
    const data = { feed: [{ author: { name: 'a' } }, { author: { name: 'b' } }] };
    const on = syntheticSchema();
    const cost = (s: boolean) =>
      actualCost({
        document: parse(query),
        variables: { s },
        schema: on.schema,
        index: on.index,
        data,
      });
    expect(cost(true)).toBe(4);
    expect(cost(false)).toBe(2);
  });
});
