/**
 * docs/security.md Part 1, E: introspection, suggestions, error leakage (cases 27–32).
 * `production` runs NODE_ENV=production with every key configured; the `…Fake` stacks route the
 * user subgraph to a fake that fails in ways a real subgraph cannot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import {
  FAKE_SECRETS,
  expectNoLeaks,
  expectRefusedBeforeSubgraphs,
  expectStillServing,
  getGraphQL,
  leaksIn,
  postRaw,
  productionEnv,
  startFakeUserSubgraph,
  viaFakeUser,
  type FakeUserSubgraph,
} from './helpers.js';

const VALIDATION = 'GRAPHQL_VALIDATION_FAILED';
const SELLERS = '{ products(first: 2) { name seller { name } } }';

let production: Stack;
let development: Stack;
let fake: FakeUserSubgraph;
let productionFake: Stack;
let developmentFake: Stack;

beforeAll(async () => {
  fake = await startFakeUserSubgraph();
  const prod = await productionEnv();
  [production, development, productionFake, developmentFake] = await Promise.all([
    startStack({ env: prod }),
    // NODE_ENV unset: development, where Apollo Server's own defaults would expose the most.
    startStack({ env: { NODE_ENV: '' } }),
    startStack({ env: { ...prod, ...viaFakeUser(fake) } }),
    startStack({ env: { NODE_ENV: '', ...viaFakeUser(fake) } }),
  ]);
});
afterAll(async () => {
  await Promise.all(
    [production, development, productionFake, developmentFake].map((s) => s?.stop()),
  );
  await fake?.close();
});

/** No secret of the fake and not its address either. */
function expectNothingOfTheFake(stack: Stack, body: unknown): void {
  const text = JSON.stringify(body);
  for (const secret of [...FAKE_SECRETS, new URL(fake.url).host])
    expect(text, `${secret} in ${text.slice(0, 400)}`).not.toContain(secret);
  expect(text).not.toMatch(/"response"|statusText|Expected JSON response body/);
  expectNoLeaks(stack, body);
}

describe('E. introspection, suggestions, error leakage', () => {
  it('case 27: introspection off in production, every variant blocked; __typename served', async () => {
    expect(production.config.introspection).toBe(false);
    const variants = [
      '{ __schema { types { name } } }',
      '{ x: __schema { types { name } } }',
      '{ ...F } fragment F on Query { __schema { types { name } } }',
      '{ ... on Query { __schema { queryType { name } } } }',
      '{ __type(name: "User") { fields { name } } }',
      '{ product(id: "p1") { name } t: __type(name: "Query") { name } }',
      '{ #comment\n __schema\t{\r\n types , { name } } }',
      '\uFEFF{ __schema { types { name } } }',
      'query IntrospectionQuery { __schema { queryType { name } } }',
    ];
    for (const query of variants)
      await expectRefusedBeforeSubgraphs(production, () => production.query(query), {
        status: 400,
        code: VALIDATION,
      });
    // Over GET, and as an entry of a batch.
    const get = await getGraphQL(production.url, { query: '{ __schema { types { name } } }' });
    expect(get.status).toBe(400);
    expect(get.body.errors[0].extensions.code).toBe(VALIDATION);
    const batch = await postGraphQL(production.url, [{ query: '{ __schema { types { name } } }' }]);
    expect(batch.status).toBe(400);
    expect(JSON.stringify(batch.body)).not.toContain('queryType');

    const typename = await production.query('{ __typename }');
    expect(typename.status).toBe(200);
    expect(typename.body.data).toEqual({ __typename: 'Query' });
  });

  it('case 28: no field suggestions in production', async () => {
    for (const query of [
      'query cop { __schema { directive } }',
      '{ usr { id } }',
      '{ product(id: "p1") { nam } }',
      '{ products(frist: 1) { name } }',
      'query($s: PaymentStatu) { __typename }',
      '{ product(id: "p1") { ... on Prodcut { name } } }',
      '{ product(id: "p1") { name @inclde(if: true) } }',
    ])
      await expectRefusedBeforeSubgraphs(production, () => production.query(query), {
        status: 400,
        code: VALIDATION,
      });
  });

  it('case 29: no suggestions through variable coercion or relayed errors in production', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['query($id: ID!) { product(id: $id) { id } }', { id: { emial: 'x' } }],
      ['query($id: ID!) { product(id: $id) { id } }', { id: ['ADMN'] }],
      ['query($f: Int!) { products(first: $f) { id } }', { f: 'ADMN' }],
      ['query($b: Boolean!) { product(id: "p1") { name @include(if: $b) } }', { b: 'tru' }],
    ];
    for (const [query, variables] of cases)
      await expectRefusedBeforeSubgraphs(production, () => production.query(query, { variables }), {
        status: 400,
        code: ['BAD_USER_INPUT', VALIDATION],
      });
    // A suggestion that comes back inside a subgraph's error is removed as well.
    fake.mode = 'graphql-error';
    const relayed = await productionFake.query(SELLERS);
    expect(relayed.status).toBe(200);
    expect(relayed.body.errors.length).toBeGreaterThan(0);
    expectNothingOfTheFake(productionFake, relayed.body);
    fake.mode = 'ok';
  });

  it('case 30: no stack trace when a resolver or subgraph throws (NODE_ENV unset and production)', async () => {
    expect(development.config.nodeEnv).toBe('development');
    // A real subgraph resolver throws (bad `after` cursor).
    const thrown = await development.query('{ products(first: 1, after: "nope") { id } }');
    expect(thrown.status).toBeLessThan(500);
    expect(thrown.body.errors.length).toBeGreaterThan(0);
    expectNoLeaks(development, thrown.body);

    // A subgraph sends its own stack trace and exception object: the gateway drops them.
    fake.mode = 'graphql-error';
    try {
      for (const stack of [developmentFake, productionFake]) {
        const response = await stack.query(SELLERS);
        expect(response.status).toBe(200);
        expect(response.body.data.products).toHaveLength(2);
        const leaks = leaksIn(stack, JSON.stringify(response.body)).filter(
          // why: outside production, graphql-js's suggestions are a development aid, kept.
          (leak) => stack.config.production || leak !== 'suggestion',
        );
        expect(leaks, JSON.stringify(response.body)).toEqual([]);
        for (const error of response.body.errors) {
          expect(error.extensions).not.toHaveProperty('stacktrace');
          expect(error.extensions).not.toHaveProperty('exception');
        }
      }
    } finally {
      fake.mode = 'ok';
    }
    await expectStillServing(developmentFake);
  });

  it('case 31: a failing subgraph leaks no URL, status text, body or internal host', async () => {
    try {
      for (const mode of ['http-500', 'html', 'reset'] as const) {
        fake.mode = mode;
        for (const stack of [developmentFake, productionFake]) {
          const response = await stack.query(SELLERS);
          const summary = `${mode}: ${JSON.stringify(response.body).slice(0, 400)}`;
          expect(response.status, summary).toBe(200);
          // Partial data: the products, with null sellers and one error per failed path.
          expect(response.body.data.products, summary).toHaveLength(2);
          expect(response.body.data.products[0].seller, summary).toBeNull();
          for (const error of response.body.errors) {
            expect(error.extensions.code, summary).toMatch(/^[A-Z_]+$/);
            expect(error.extensions.serviceName ?? 'user', summary).toBe('user');
            expect(error.extensions, summary).not.toHaveProperty('response');
          }
          expectNothingOfTheFake(stack, response.body);
        }
      }
    } finally {
      fake.mode = 'ok';
    }
    await expectStillServing(productionFake);
  });

  it('case 32: federation internals are not queryable at the gateway', async () => {
    for (const stack of [production, development]) {
      for (const query of [
        '{ _service { sdl } }',
        '{ _entities(representations: [{ __typename: "User", id: "1" }]) { ... on User { email } } }',
      ])
        await expectRefusedBeforeSubgraphs(stack, () => stack.query(query), {
          status: 400,
          code: VALIDATION,
        });
    }
    // The API schema (introspection on, development) holds no join__/link__ or federation types.
    const schema = await development.query(
      '{ __schema { types { name } directives { name } } a: __type(name: "_Any") { name } e: __type(name: "_Entity") { name } }',
    );
    expect(schema.status).toBe(200);
    expect(schema.body.data.a).toBeNull();
    expect(schema.body.data.e).toBeNull();
    expectNoLeaks(development, schema.body);
    const raw = await postRaw(development.url, JSON.stringify({ query: '{ _service { sdl } }' }));
    expect(raw.text).not.toMatch(/join__|link__|@key/);
  });
});
