/**
 * Federation patterns where `@apollo/gateway`'s planner alone answers wrong data without an error
 * (subgraph designs in `fixtures.ts`, served over real HTTP, composed here): the gateway answers
 * the right data, or an error at the path where no plan can reach a field, never a silent null.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  nonResolvableInterfaceObject,
  requiresArgumentConflict,
  requiresBehindNonResolvableKey,
  requiresWithArguments,
  requiresWithoutResolvableKey,
} from './fixtures.js';
import { startFixture, type Fixture } from './harness.js';

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { path?: (string | number)[]; extensions?: { code?: string } }[];
  extensions?: Record<string, unknown>;
}

const ids = (n: number, post: string) =>
  Array.from({ length: n }, (_, i) => ({ id: `${post}-c${i + 1}` }));
const summary = (post: string) =>
  `3 comments: ${ids(3, post)
    .map((c) => c.id)
    .join(',')}`;

// why both executors: the reference one (`PLAN_EXECUTION=apollo`, `@apollo/gateway`'s
// `executeQueryPlan`) answers under the reserved aliases; the gateway maps them back there too.
describe.each(['compiled', 'apollo'])(
  '@requires with arguments the client also selects with other arguments (PLAN_EXECUTION=%s)',
  (planExecution) => {
    let fixture: Fixture;
    beforeAll(async () => {
      fixture = await startFixture(requiresWithArguments, { PLAN_EXECUTION: planExecution });
    });
    afterAll(() => fixture?.stop());

    async function data(query: string, variables?: Record<string, unknown>) {
      const response = await fixture.query(query, variables);
      const body = response.body as Body;
      expect(body.errors).toBeUndefined();
      expect(response.status).toBe(200);
      return body.data;
    }

    it.each([
      [
        'a list argument',
        '{ posts { id comments(limit: 1) { id } summary } }',
        {
          posts: [
            { id: 'p1', comments: ids(1, 'p1'), summary: summary('p1') },
            { id: 'p2', comments: ids(1, 'p2'), summary: summary('p2') },
          ],
        },
      ],
      [
        'a scalar argument',
        '{ posts { price(currency: "EUR") shippingEstimate } }',
        {
          posts: [
            { price: 22, shippingEstimate: 110 },
            { price: 44, shippingEstimate: 220 },
          ],
        },
      ],
      [
        'nested entities',
        '{ post(id: "p1") { related { comments(limit: 2) { id } summary } } }',
        {
          post: { related: [{ comments: ids(2, 'p2'), summary: summary('p2') }] },
        },
      ],
      [
        'an inline fragment',
        '{ post(id: "p1") { ... on Post { comments(limit: 5) { id } } summary } }',
        {
          post: { comments: ids(5, 'p1'), summary: summary('p1') },
        },
      ],
      [
        'a named fragment',
        '{ posts { ...P shippingEstimate } } fragment P on Post { price(currency: "EUR") }',
        {
          posts: [
            { price: 22, shippingEstimate: 110 },
            { price: 44, shippingEstimate: 220 },
          ],
        },
      ],
      [
        'a root field of the requiring subgraph',
        '{ featured { summary price(currency: "EUR") comments(limit: 1) { id } shippingEstimate } }',
        {
          featured: {
            summary: summary('p2'),
            price: 44,
            comments: ids(1, 'p2'),
            shippingEstimate: 220,
          },
        },
      ],
      [
        'a nested requirement',
        '{ post(id: "p2") { author { rating(scale: 5) } authorBadge } }',
        {
          post: { author: { rating: 2 }, authorBadge: '4/10' },
        },
      ],
      [
        'a client alias',
        '{ post(id: "p2") { c: comments(limit: 1) { id } summary } }',
        {
          post: { c: ids(1, 'p2'), summary: summary('p2') },
        },
      ],
      [
        'the very arguments of the requirement',
        '{ post(id: "p2") { comments(limit: 3) { id } summary price(currency: "USD") shippingEstimate } }',
        {
          post: {
            comments: ids(3, 'p2'),
            summary: summary('p2'),
            price: 22,
            shippingEstimate: 220,
          },
        },
      ],
      [
        'the field without the requiring field',
        '{ post(id: "p1") { comments(limit: 2) { id } price(currency: "EUR") } }',
        {
          post: { comments: ids(2, 'p1'), price: 22 },
        },
      ],
    ])('%s', async (_, query, expected) => {
      const answer = await data(query);
      expect(answer).toEqual(expected);
      // the client's response names, in the client's order
      expect(JSON.stringify(answer)).toBe(JSON.stringify(expected));
    });

    it('arguments given as variables', async () => {
      const query = `query Q($n: Int!, $c: String!) {
      post(id: "p1") { comments(limit: $n) { id } price(currency: $c) summary shippingEstimate }
    }`;
      expect(await data(query, { n: 1, c: 'EUR' })).toEqual({
        post: { comments: ids(1, 'p1'), price: 22, summary: summary('p1'), shippingEstimate: 110 },
      });
      expect(await data(query, { n: 3, c: 'USD' })).toEqual({
        post: { comments: ids(3, 'p1'), price: 11, summary: summary('p1'), shippingEstimate: 110 },
      });
    });

    it('refuses a client alias in the gateway-reserved namespace', async () => {
      const response = await fixture.query('{ posts { gwArg_comments: id } }');
      expect(response.status).toBe(400);
      expect((response.body as Body).errors?.[0]?.extensions?.code).toBe(
        'GRAPHQL_VALIDATION_FAILED',
      );
    });
  },
);

describe('two @requires of one type needing one field with different arguments', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture(requiresArgumentConflict);
  });
  afterAll(() => fixture?.stop());

  type Case = [string, string, unknown, (string | number)[][], Record<string, unknown>?];
  // The first requiring field of an object is answered from its own required value; every later
  // one whose requirement conflicts is null with an error at its path, never computed from the
  // other's value.
  it.each<Case>([
    [
      'scalar arguments, with the client selecting the field too',
      '{ post(id: "p1") { shippingEstimate eurEstimate price(currency: "EUR") } }',
      { post: { shippingEstimate: 110, eurEstimate: null, price: 22 } },
      [['post', 'eurEstimate']],
    ],
    [
      'the other order',
      '{ post(id: "p1") { eurEstimate shippingEstimate } }',
      { post: { eurEstimate: 220, shippingEstimate: null } },
      [['post', 'shippingEstimate']],
    ],
    [
      'a list argument, with the client selecting the field with a third one',
      '{ post(id: "p1") { longSummary comments(limit: 1) { id } summary } }',
      {
        post: {
          longSummary: '5 comments: p1-c1,p1-c2,p1-c3,p1-c4,p1-c5',
          comments: ids(1, 'p1'),
          summary: null,
        },
      },
      [['post', 'summary']],
    ],
    [
      'a non-null field, its null propagated up to the root',
      '{ posts { id summary longSummary } }',
      null,
      [
        ['posts', 0, 'longSummary'],
        ['posts', 1, 'longSummary'],
      ],
    ],
    [
      'a nested requirement',
      '{ post(id: "p2") { authorBadge starBadge } }',
      { post: { authorBadge: '4/10', starBadge: null } },
      [['post', 'starBadge']],
    ],
    [
      'inline fragments',
      '{ post(id: "p2") { ... on Post { eurEstimate } ... on Post { shippingEstimate } } }',
      { post: { eurEstimate: 440, shippingEstimate: null } },
      [['post', 'shippingEstimate']],
    ],
    [
      'named fragments',
      '{ post(id: "p2") { ...A ...B } } fragment A on Post { eurEstimate } fragment B on Post { shippingEstimate }',
      { post: { eurEstimate: 440, shippingEstimate: null } },
      [['post', 'shippingEstimate']],
    ],
    [
      'a client alias',
      '{ post(id: "p1") { s: shippingEstimate e: eurEstimate } }',
      { post: { s: 110, e: null } },
      [['post', 'e']],
    ],
    [
      'entities fetched for a nested list',
      '{ post(id: "p1") { related { shippingEstimate eurEstimate } } }',
      { post: { related: [{ shippingEstimate: 220, eurEstimate: null }] } },
      [['post', 'related', 0, 'eurEstimate']],
    ],
    [
      'a root field of the requiring subgraph',
      '{ featured { shippingEstimate eurEstimate } }',
      { featured: { shippingEstimate: 220, eurEstimate: null } },
      [['featured', 'eurEstimate']],
    ],
    [
      'variables, the field included',
      'query Q($c: String!, $e: Boolean!) { post(id: "p1") { price(currency: $c) shippingEstimate eurEstimate @include(if: $e) } }',
      { post: { price: 22, shippingEstimate: 110, eurEstimate: null } },
      [['post', 'eurEstimate']],
      { c: 'EUR', e: true },
    ],
    [
      'variables, the field skipped',
      'query Q($c: String!, $e: Boolean!) { post(id: "p1") { price(currency: $c) shippingEstimate eurEstimate @include(if: $e) } }',
      { post: { price: 22, shippingEstimate: 110 } },
      [],
      { c: 'EUR', e: false },
    ],
  ])('%s', async (_, query, data, paths, variables) => {
    const body = (await fixture.query(query, variables)).body as Body;
    expect(body.data).toEqual(data);
    expect(JSON.stringify(body.data)).toBe(JSON.stringify(data));
    expect(body.errors?.map((e) => [e.path, e.extensions?.code]) ?? []).toEqual(
      paths.map((path) => [path, 'REQUIRES_ARGUMENT_CONFLICT']),
    );
  });

  it.each([
    ['each field alone', '{ post(id: "p2") { eurEstimate } }', { post: { eurEstimate: 440 } }],
    [
      'the two fields on different objects',
      '{ a: post(id: "p1") { shippingEstimate } b: post(id: "p1") { eurEstimate } }',
      { a: { shippingEstimate: 110 }, b: { eurEstimate: 220 } },
    ],
    [
      'requiring fields that do not conflict',
      '{ post(id: "p2") { longSummary shippingEstimate starBadge } }',
      {
        post: {
          longSummary: '5 comments: p2-c1,p2-c2,p2-c3,p2-c4,p2-c5',
          shippingEstimate: 220,
          starBadge: '2/5',
        },
      },
    ],
  ])('answers %s', async (_, query, data) => {
    const body = (await fixture.query(query)).body as Body;
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual(data);
  });
});

describe('two @requires of one type needing one field with different arguments (PLAN_EXECUTION=apollo)', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture(requiresArgumentConflict, { PLAN_EXECUTION: 'apollo' });
  });
  afterAll(() => fixture?.stop());

  // The reference executor answers a refused field as the compiled one does: null and its error at
  // its path, never a value computed from the other field's requirement, never a reserved alias.
  it('answers the refused field with null and REQUIRES_ARGUMENT_CONFLICT at its path', async () => {
    const body = (
      await fixture.query(
        '{ post(id: "p1") { shippingEstimate eurEstimate price(currency: "EUR") } }',
      )
    ).body as Body;
    expect(body.data).toEqual({ post: { shippingEstimate: 110, eurEstimate: null, price: 22 } });
    expect(JSON.stringify(body.data)).not.toContain('gwArg_');
    expect(body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['post', 'eurEstimate'], 'REQUIRES_ARGUMENT_CONFLICT'],
    ]);
  });
});

describe('@interfaceObject behind a non-resolvable key', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture(nonResolvableInterfaceObject);
  });
  afterAll(() => fixture?.stop());

  it('answers a reachable field', async () => {
    const body = (await fixture.query('{ labelled { id label } }')).body as Body;
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ labelled: { id: 'n1', label: 'label of n1' } });
  });

  // The planner leaves out the whole object whose selections no subgraph can reach: the error
  // names the unreachable field, and its null propagates from there (GraphQL spec).
  it.each([
    ['below a root field', '{ node { label } }', { node: { label: null } }, ['node', 'label']],
    [
      'inside an inline fragment',
      '{ node { ... on Node { label } } }',
      { node: { label: null } },
      ['node', 'label'],
    ],
    [
      'inside a named fragment',
      '{ node { ...L } } fragment L on Node { label }',
      { node: { label: null } },
      ['node', 'label'],
    ],
    [
      'below a nested field',
      '{ holder { node { label } } }',
      { holder: { node: { label: null } } },
      ['holder', 'node', 'label'],
    ],
    [
      'below a non-null nested field',
      '{ holder { required { label } } }',
      { holder: { required: { label: null } } },
      ['holder', 'required', 'label'],
    ],
    // non-null: the null goes up to the nearest nullable field
    ['non-null, below a root field', '{ node { tag } }', { node: null }, ['node', 'tag']],
    [
      'non-null, below non-null fields up to the root',
      '{ holder { required { tag } } }',
      null,
      ['holder', 'required', 'tag'],
    ],
    [
      'non-null, below a nullable nested field',
      '{ holder { node { tag } } }',
      { holder: { node: null } },
      ['holder', 'node', 'tag'],
    ],
    // a list the planner left out has no elements to name: the error is at the list
    ['below a list', '{ nodes { label } }', { nodes: null }, ['nodes']],
  ])('a field no subgraph can reach %s is an error at its path', async (_, query, data, path) => {
    const body = (await fixture.query(query)).body as Body;
    expect(body.data).toEqual(data);
    expect(body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [path, 'FIELD_UNREACHABLE'],
    ]);
  });

  it('reports each unreachable field at its own path', async () => {
    const body = (await fixture.query('{ node { label tag } }')).body as Body;
    expect(body.data).toEqual({ node: null });
    expect(body.errors?.map((e) => e.path)).toEqual([
      ['node', 'label'],
      ['node', 'tag'],
    ]);
  });

  it('leaves a subgraph error where the planner fetched the object', async () => {
    // `Node` has no implementation: the subgraph cannot complete the object it returns
    const body = (await fixture.query('{ node { id label } }')).body as Body;
    expect(body.data).toEqual({ node: null });
    expect(body.errors?.map((e) => e.path)).toEqual([['node']]);
  });
});

describe('@requires on a type whose first keys in the requiring subgraph are not resolvable', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture(requiresBehindNonResolvableKey);
  });
  afterAll(() => fixture?.stop());

  it.each([
    [
      'nested in a list',
      '{ shelf { id items { id name badge } } }',
      {
        shelf: {
          id: 's1',
          items: [
            { id: 'i1', name: 'Kettle', badge: '[Kettle]' },
            { id: 'i2', name: 'Lamp', badge: '[Lamp]' },
          ],
        },
      },
    ],
    [
      'a root list, without the required field',
      '{ items { badge } }',
      {
        items: [{ badge: '[Kettle]' }, { badge: '[Lamp]' }],
      },
    ],
    [
      'inside a fragment',
      '{ shelf { items { ... on Item { code badge } } } }',
      {
        shelf: {
          items: [
            { code: 'C1', badge: '[Kettle]' },
            { code: 'C2', badge: '[Lamp]' },
          ],
        },
      },
    ],
  ])('%s', async (_, query, expected) => {
    const body = (await fixture.query(query)).body as Body;
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual(expected);
  });
});

describe('@requires on a type its subgraph cannot resolve by any key', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture(requiresWithoutResolvableKey);
  });
  afterAll(() => fixture?.stop());

  it('is an error at each path, in errors, with null propagated', async () => {
    const body = (await fixture.query('{ shelf { id items { id name badge } } }')).body as Body;
    expect(body.data).toEqual({ shelf: null });
    expect(body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['shelf', 'items', 0, 'badge'], 'INVALID_GRAPHQL'],
      [['shelf', 'items', 1, 'badge'], 'INVALID_GRAPHQL'],
    ]);
    expect(body.extensions?.valueCompletion).toBeUndefined();
  });

  it('leaves the rest of the answer alone', async () => {
    const body = (await fixture.query('{ shelf { id items { id name } } }')).body as Body;
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      shelf: {
        id: 's1',
        items: [
          { id: 'i1', name: 'Kettle' },
          { id: 'i2', name: 'Lamp' },
        ],
      },
    });
  });
});
