/**
 * docs/security.md Part 1, B: shape limits: depth, aliases, duplication, cost (cases 9–18).
 * Every limit at N (served) and N+1 (refused, nothing executed), N from the stack's config.
 */
import depthLimit from 'graphql-depth-limit';
import { parse, version, type GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';
import {
  documentOfTokens,
  expectNoLeaks,
  expectRefusedBeforeSubgraphs,
  expectStillServing,
  nest,
  productionEnv,
  repeat,
} from './helpers.js';

let stack: Stack;
/** Aliases, tokens and characters raised, so root fields and duplication meet their own limits. */
let wide: Stack;
let production: Stack;

beforeAll(async () => {
  [stack, wide, production] = await Promise.all([
    startStack(),
    startStack({
      env: { MAX_ALIASES: '1000', MAX_TOKENS: '200000', MAX_QUERY_CHARS: '900000' },
    }),
    productionEnv().then((env) => startStack({ env })),
  ]);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), wide?.stop(), production?.stop()]);
});

const SIZE_CODES = ['GRAPHQL_PARSE_FAILED', 'MAX_TOKENS_LIMIT'];

/** The depth `graphql-depth-limit` gives a document: the smallest limit it accepts. */
function libraryDepth(query: string): number {
  const document = parse(query);
  for (let limit = 0; ; limit++) {
    const errors: GraphQLError[] = [];
    const rule = depthLimit(limit) as (context: unknown) => unknown;
    rule({ getDocument: () => document, reportError: (e: GraphQLError) => errors.push(e) });
    if (errors.length === 0) return limit;
  }
}

/** Depth `d` with every level's field in its own named fragment. */
function namedFragments(d: number): string {
  const typeOf = (k: number) => (k === 0 ? 'Query' : k % 2 === 1 ? 'Product' : 'User');
  const field = (k: number) => (k % 2 === 0 ? 'products(first: 1)' : 'seller');
  const fragments = Array.from(
    { length: d },
    (_, k) => `fragment F${k} on ${typeOf(k)} { ${field(k)} { ...F${k + 1} } }`,
  );
  return `{ ...F0 } ${fragments.join(' ')} fragment F${d} on ${typeOf(d)} { name }`;
}

/** Depth `d` with every level's selection wrapped in an inline fragment. */
function inlineFragments(d: number, k = 0): string {
  if (k === d) return 'name';
  const [field, type] = k % 2 === 0 ? ['products(first: 1)', 'Product'] : ['seller', 'User'];
  return `${k === 0 ? '{ ' : ''}${field} { ... on ${type} { ${inlineFragments(d, k + 1)} } }${k === 0 ? ' }' : ''}`;
}

/** One fragment used once shallow, then again deep enough to reach depth `d` (d ≥ 4). */
function reusedFragment(d: number): string {
  const deep = `fragment Deep on Product { ${nest(d - 3, 'name', false)} }`;
  return `{ products(first: 1) { ...Deep } product(id: "p1") { seller { products(first: 1) { ...Deep } } } } ${deep}`;
}

describe('B. shape limits', () => {
  it('case 9: depth at N and N+1, with the counting convention pinned', async () => {
    // Convention (graphql-depth-limit's): a field whose selection holds only leaves has depth 1.
    expect(libraryDepth('{ products(first: 1) { name } }')).toBe(1);
    expect(libraryDepth('{ products(first: 1) { seller { name } } }')).toBe(2);
    const n = stack.config.limits.maxDepth;
    expect(libraryDepth(`{ ${nest(n)} }`)).toBe(n);

    const ok = await stack.query(`{ ${nest(n)} }`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.data.products).toHaveLength(1);
    await expectRefusedBeforeSubgraphs(stack, () => stack.query(`{ ${nest(n + 1)} }`), {
      status: 400,
      code: 'MAX_DEPTH_LIMIT',
    });
  });

  it('case 10: depth hidden in named fragments, inline fragments and a reused fragment', async () => {
    const n = stack.config.limits.maxDepth;
    for (const build of [namedFragments, inlineFragments, reusedFragment]) {
      expect(libraryDepth(build(n + 1)), build.name).toBe(n + 1);
      const ok = await stack.query(build(n));
      expect(ok.status, `${build.name}: ${JSON.stringify(ok.body)}`).toBe(200);
      await expectRefusedBeforeSubgraphs(stack, () => stack.query(build(n + 1)), {
        status: 400,
        code: 'MAX_DEPTH_LIMIT',
      });
    }
  });

  it('case 11: deep introspection is refused with introspection on and off', async () => {
    const [major, minor] = version.split('.').map(Number) as [number, number];
    expect(major > 16 || (major === 16 && minor >= 9), `graphql ${version}`).toBe(true);
    const query =
      '{ __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }';
    // Introspection on (NODE_ENV=test): graphql-js's MaxIntrospectionDepthRule.
    expect(stack.config.introspection).toBe(true);
    const on = await expectRefusedBeforeSubgraphs(stack, () => stack.query(query), {
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
    });
    expect(on.body.errors[0].message).toMatch(/introspection depth/i);
    // Introspection off (production).
    expect(production.config.introspection).toBe(false);
    await expectRefusedBeforeSubgraphs(production, () => production.query(query), {
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
    });
  });

  it('case 12: an operation or fragment named __schema is still limited (depth, cost)', async () => {
    const n = stack.config.limits.maxDepth;
    const expensive = `products(first: ${stack.config.cost.maxCost + 1}) { id }`;
    const cases: [string, string][] = [
      [`query __schema { ${nest(n + 1)} }`, 'MAX_DEPTH_LIMIT'],
      [`{ ...__schema } fragment __schema on Query { ${nest(n + 1)} }`, 'MAX_DEPTH_LIMIT'],
      [`query __schema { ${expensive} }`, 'COST_ESTIMATED_TOO_EXPENSIVE'],
      [
        `{ ...__schema } fragment __schema on Query { ${expensive} }`,
        'COST_ESTIMATED_TOO_EXPENSIVE',
      ],
      [
        `query __type { ...__schema } fragment __schema on Query { ${expensive} }`,
        'COST_ESTIMATED_TOO_EXPENSIVE',
      ],
    ];
    for (const [query, code] of cases)
      await expectRefusedBeforeSubgraphs(stack, () => stack.query(query), { status: 400, code });
  });

  it('case 13: alias overloading at N and N+1 (real fields, fragments, __typename)', async () => {
    const n = stack.config.limits.maxAliases;
    const users = (count: number) => repeat(count, (i) => `u${i}: user(id: "u${i}") { id }`);
    const ok = await stack.query(`{ ${users(n)} }`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.data[`u${n}`]).toEqual({ id: `u${n}` });

    const refused: string[] = [
      `{ ${users(n + 1)} }`,
      // Aliases inside fragments count where the fragment is spread.
      `{ ...A } fragment A on Query { ${users(n + 1)} }`,
      `{ u0: user(id: "u0") { id } ...A } fragment A on Query { ${users(n)} }`,
      // graphql-cop's probe: 101 aliases of __typename (not exempt here).
      `{ product(id: "p1") { ${repeat(101, (i) => `alias${i}: __typename`)} } }`,
    ];
    for (const query of refused)
      await expectRefusedBeforeSubgraphs(stack, () => stack.query(query), {
        status: 400,
        code: 'MAX_ALIASES_LIMIT',
      });
    // At the root, 101 aliases also exceed the root-field limit, which is checked first.
    await expectRefusedBeforeSubgraphs(
      stack,
      () => stack.query(`{ ${repeat(101, (i) => `alias${i}: __typename`)} }`),
      { status: 400, code: ['MAX_ROOT_FIELDS_LIMIT', 'MAX_ALIASES_LIMIT'] },
    );
  });

  it('case 14: root-field fan-out at N and N+1, each alias counted', async () => {
    const n = wide.config.limits.maxRootFields;
    const fanOut = (count: number) =>
      `{ ${repeat(count, (i) => `a${i}: products(first: 1) { name }`)} }`;
    const ok = await wide.query(fanOut(n));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(Object.keys(ok.body.data)).toHaveLength(n);
    await expectRefusedBeforeSubgraphs(wide, () => wide.query(fanOut(n + 1)), {
      status: 400,
      code: 'MAX_ROOT_FIELDS_LIMIT',
    });
    // With the default alias limit the same request is refused too.
    await expectRefusedBeforeSubgraphs(stack, () => stack.query(fanOut(n + 1)), {
      status: 400,
      code: ['MAX_ROOT_FIELDS_LIMIT', 'MAX_ALIASES_LIMIT'],
    });
  });

  it('case 15: field duplication: 500 × __typename served; 5,000 × name bounded', async () => {
    const started = Date.now();
    const cop = await stack.query(`query cop { ${'__typename '.repeat(500)}}`);
    expect(cop.status).toBe(200);
    expect(cop.body.data).toEqual({ __typename: 'Query' });
    expect(Date.now() - started).toBeLessThan(2000);

    const names = `{ user(id: 1) { ${'name '.repeat(5000)}} }`;
    await expectRefusedBeforeSubgraphs(stack, () => stack.query(names), {
      status: 400,
      code: SIZE_CODES,
    });
    // Token cap raised: graphql-js's overlapping-fields budget bounds the O(n²) work.
    const t = Date.now();
    const raised = await wide.query(names);
    expect(raised.status).toBeLessThan(500);
    expectNoLeaks(wide, raised.body);
    expect(Date.now() - t).toBeLessThan(5000);
    await expectStillServing(wide);
  });

  it('case 16: amount attack: a huge `first` is refused by cost, the subgraph never sees it', async () => {
    const payments = await devToken('u1', 'read:payments');
    const cases: [string, Record<string, unknown> | undefined, string | undefined][] = [
      ['{ products(first: 99999999) { name } }', undefined, undefined],
      ['query($n: Int) { products(first: $n) { name } }', { n: 99_999_999 }, undefined],
      [
        '{ product(id: "p1") { seller { products(first: 99999999) { name } } } }',
        undefined,
        undefined,
      ],
      ['{ user(id: "u1") { payments(first: 99999999) { amount } } }', undefined, payments],
    ];
    for (const [query, variables, token] of cases)
      await expectRefusedBeforeSubgraphs(stack, () => stack.query(query, { variables, token }), {
        status: 400,
        code: 'COST_ESTIMATED_TOO_EXPENSIVE',
      });
  });

  it('case 17: cost at maxCost and maxCost+1', async () => {
    const max = stack.config.cost.maxCost;
    // docs/architecture.md's formula: a list is size × item, an object 1, a scalar 0: `products(first: K) { id }` costs K.
    const ok = await stack.query(`{ products(first: ${max}) { id } }`);
    expect(ok.status, JSON.stringify(ok.body).slice(0, 300)).toBe(200);
    expect(ok.body.extensions.cost.estimated).toBe(max);
    await expectRefusedBeforeSubgraphs(
      stack,
      () => stack.query(`{ products(first: ${max + 1}) { id } }`),
      { status: 400, code: 'COST_ESTIMATED_TOO_EXPENSIVE' },
    );
  });

  it('case 18: limits in production: still 400 with their code, never a 500 or a leak', async () => {
    const l = production.config.limits;
    const cases: [string, string, string?][] = [
      [`{ ${nest(l.maxDepth + 1)} }`, 'MAX_DEPTH_LIMIT'],
      [
        `{ product(id: "p1") { ${repeat(l.maxAliases + 1, (i) => `a${i}: name`)} } }`,
        'MAX_ALIASES_LIMIT',
      ],
      [`{ ${repeat(l.maxRootFields + 1, (i) => `r${i}: __typename`)} }`, 'MAX_ROOT_FIELDS_LIMIT'],
      [
        `{ product(id: "p1") { ${'name @include(if: true) '.repeat(l.maxDirectives + 1)}} }`,
        'MAX_DIRECTIVES_LIMIT',
      ],
      [documentOfTokens(l.maxTokens + 1), 'MAX_TOKENS_LIMIT', 'q1'],
      [
        `{ products(first: ${production.config.cost.maxCost + 1}) { id } }`,
        'COST_ESTIMATED_TOO_EXPENSIVE',
      ],
    ];
    for (const [query, code, operationName] of cases)
      await expectRefusedBeforeSubgraphs(
        production,
        () => production.query(query, { operationName }),
        { status: 400, code },
      );
    await expectStillServing(production);
  });
});
