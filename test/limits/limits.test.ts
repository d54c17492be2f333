import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getIntrospectionQuery } from 'graphql';
import { loadConfig } from '../../src/config/config.js';
import { countTokens } from '../../src/limits/tokenLimitPlugin.js';
import { startStack, type GraphQLResponse, type Stack } from '../helpers/stack.js';

// Every limit at N (served) and N+1 (refused with its code, HTTP 400, nothing executed), with N
// taken from the gateway's configuration (the defaults).
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

type Level = 'products' | 'seller';
const next = (level: Level): Level => (level === 'products' ? 'seller' : 'products');
const open = (level: Level) => (level === 'products' ? 'products(first: 1)' : 'seller');

/** `levels` nested fields alternating products / seller around `leaf`. */
function nest(levels: number, leaf = 'name', first: Level = 'products'): string {
  return levels === 0 ? leaf : `${open(first)} { ${nest(levels - 1, leaf, next(first))} }`;
}
/** The type of the innermost field of `nest(levels)`. */
const innermost = (levels: number): 'Product' | 'User' => (levels % 2 === 1 ? 'Product' : 'User');

/** A query of exactly `depth` (graphql-depth-limit counts `{ a { b } }` as depth 1). */
const deepQuery = (depth: number) => `{ ${nest(depth)} }`;
const repeat = (n: number, f: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => f(i + 1)).join(' ');

const queries = {
  depth: deepQuery,
  aliases: (n: number) => `{ product(id: "p1") { ${repeat(n, (i) => `a${i}: name`)} } }`,
  rootFields: (n: number) => `{ ${repeat(n, (i) => `r${i}: __typename`)} }`,
  directives: (n: number) =>
    `{ product(id: "p1") { ${repeat(n, () => 'name @include(if: true)')} } }`,
  // Operations `query qI { __typename }` of 5 tokens each, the remainder as extra `__typename`s
  // in the first; run with operationName q1.
  tokens: (n: number) =>
    `query q1 { ${repeat(n % 5, () => '__typename')} __typename } ` +
    repeat(Math.floor(n / 5) - 1, (i) => `query q${i + 1} { __typename }`),
  chars: (n: number) => {
    const frame = '{ product(id: "") { name } }';
    return `{ product(id: "${'x'.repeat(n - frame.length)}") { name } }`;
  },
};

/** Sends the query and returns the response and how many requests the subgraphs received. */
async function send(
  query: string,
  on: Stack = stack,
): Promise<GraphQLResponse & { subgraphRequests: number }> {
  on.resetStats();
  const operationName = /^query q1 /.test(query) ? 'q1' : undefined;
  const response = await on.query(query, { operationName });
  const s = on.subgraphs;
  const subgraphRequests =
    s.product.stats.requests + s.user.stats.requests + s.payment.stats.requests;
  return { ...response, subgraphRequests };
}

function expectRefused(response: Awaited<ReturnType<typeof send>>, code: string) {
  expect(response.status).toBe(400);
  expect(response.body.errors[0].extensions.code).toBe(code);
  expect(response.body.data).toBeUndefined();
  expect(response.subgraphRequests).toBe(0);
}

describe('operation limits at N and N+1', () => {
  const cases = [
    ['depth', () => stack.config.limits.maxDepth, 'MAX_DEPTH_LIMIT'],
    ['aliases', () => stack.config.limits.maxAliases, 'MAX_ALIASES_LIMIT'],
    ['directives', () => stack.config.limits.maxDirectives, 'MAX_DIRECTIVES_LIMIT'],
    ['tokens', () => stack.config.limits.maxTokens, 'MAX_TOKENS_LIMIT'],
    ['chars', () => stack.config.limits.maxQueryChars, 'GRAPHQL_PARSE_FAILED'],
  ] as const;

  it.each(cases)('%s: N is served, N+1 is refused', async (name, limit, code) => {
    const n = limit();
    const atLimit = await send(queries[name](n));
    expect(atLimit.status, JSON.stringify(atLimit.body.errors)).toBe(200);
    expect(atLimit.body.errors).toBeUndefined();
    expectRefused(await send(queries[name](n + 1)), code);
  });

  it('rootFields: N is served, N+1 is refused (aliases allowed beyond it for this case)', async () => {
    // The root-field limit counts response keys, so N+1 root fields need N+1 aliases: this case
    // runs on a second gateway whose alias limit is out of the way.
    const wide = await startStack({ env: { MAX_ALIASES: '10000' } });
    try {
      const n = wide.config.limits.maxRootFields;
      expect(n).toBe(stack.config.limits.maxRootFields);
      expect((await send(queries.rootFields(n), wide)).status).toBe(200);
      expectRefused(await send(queries.rootFields(n + 1), wide), 'MAX_ROOT_FIELDS_LIMIT');
      // An unaliased field repeated executes once, and counts once (Apollo Client repeats fields).
      expect((await send(`{ ${repeat(500, () => '__typename')} }`, wide)).status).toBe(200);
    } finally {
      await wide.stop();
    }
  });

  it('builds the token and character cases to the exact size', () => {
    const { maxTokens, maxQueryChars } = stack.config.limits;
    expect(countTokens(queries.tokens(maxTokens), Infinity)).toBe(maxTokens);
    expect(countTokens(queries.tokens(maxTokens + 1), Infinity)).toBe(maxTokens + 1);
    expect(queries.chars(maxQueryChars)).toHaveLength(maxQueryChars);
  });
});

describe('the operations the gateway must serve fit the default limits', () => {
  it('the landing page’s full introspection query', async () => {
    const response = await send(
      getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }),
    );
    expect(response.status).toBe(200);
    expect(response.body.data.__schema.types.length).toBeGreaterThan(10);
    // Introspection is priced by what it lists, and the full query still fits the default maximum.
    expect(response.body.extensions.cost.estimated).toBeGreaterThan(100);
    expect(response.body.extensions.cost.estimated).toBeLessThan(loadConfig({}).cost.maxCost);
  });

  it('DESIGN’s CheckoutScreen', async () => {
    const checkout = `query CheckoutScreen {
      me { name email payments(first: 5) { amount status product { name price } } }
      products(first: 10) { name price seller { name } }
    }`;
    expect((await send(checkout)).status).toBe(200);
  });
});

describe('limits cannot be dodged', () => {
  const max = () => stack.config.limits.maxDepth;

  it('counts depth through named and inline fragments', async () => {
    const d = max() + 1;
    const named = `{ products(first: 1) { ...Deep } } fragment Deep on Product { ${nest(d - 1, 'name', 'seller')} }`;
    expectRefused(await send(named), 'MAX_DEPTH_LIMIT');
    const inline = `{ products(first: 1) { ... on Product { ${nest(d - 1, 'name', 'seller')} } } }`;
    expectRefused(await send(inline), 'MAX_DEPTH_LIMIT');
  });

  it('counts a fragment shallow where first used and too deep where reused', async () => {
    const levels = max();
    const type = innermost(levels);
    const fragment =
      type === 'Product'
        ? 'fragment T on Product { seller { name } }'
        : 'fragment T on User { products(first: 1) { name } }';
    const shallow = type === 'Product' ? 'products(first: 1) { ...T }' : 'user(id: "u1") { ...T }';
    expect((await send(`{ ${shallow} } ${fragment}`)).status).toBe(200);
    expectRefused(
      await send(`{ ${shallow} ${nest(levels, '...T')} } ${fragment}`),
      'MAX_DEPTH_LIMIT',
    );
  });

  it('counts aliases inside fragments', async () => {
    const n = stack.config.limits.maxAliases;
    const query = `{ product(id: "p1") { ...A } } fragment A on Product { ${repeat(n + 1, (i) => `a${i}: name`)} }`;
    expectRefused(await send(query), 'MAX_ALIASES_LIMIT');
  });

  it('counts aliases of a fragment at every spread', async () => {
    const n = stack.config.limits.maxAliases;
    const half = Math.floor(n / 2) + 1;
    const query = `{ a: product(id: "p1") { ...A } b: product(id: "p2") { ...A } } fragment A on Product { ${repeat(half, (i) => `a${i}: name`)} }`;
    expectRefused(await send(query), 'MAX_ALIASES_LIMIT');
  });

  it('enforces depth on an operation or fragment named like introspection', async () => {
    const deep = deepQuery(max() + 1);
    expectRefused(await send(`query __schema ${deep}`), 'MAX_DEPTH_LIMIT');
    expectRefused(
      await send(`{ ...__schema } fragment __schema on Query ${deep}`),
      'MAX_DEPTH_LIMIT',
    );
  });
});

describe('malformed and hostile documents get a 400, never a 500', () => {
  it.each([
    ['a fragment cycle', '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }'],
    [
      'a cycle through fields',
      '{ products(first: 1) { ...P } } fragment P on Product { seller { products(first: 1) { ...P } } }',
    ],
    ['an unknown fragment', '{ ...Missing }'],
  ])('%s is a validation failure', async (_name, query) => {
    expectRefused(await send(query), 'GRAPHQL_VALIDATION_FAILED');
  });

  const bomb = (on: string, k: number) =>
    repeat(k, (i) => `fragment F${i - 1} on ${on} { ...F${i} ...F${i} }`) +
    ` fragment F${k} on ${on} { __typename }`;

  it('refuses a fragment bomb of 2^30 selections', async () => {
    const response = await send(`{ ...F0 } ${bomb('Query', 30)}`);
    expectRefused(response, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('serves a bomb small enough to pass the recursion guard, quickly (fragments expand once)', async () => {
    const started = Date.now();
    const response = await send(`{ products(first: 1) { ...F0 } } ${bomb('Product', 20)}`);
    expect(response.status).toBe(200);
    expect(response.body.extensions.cost.estimated).toBe(1);
    // Generous: the point is seconds (an unmemoized walk of 2^20 selections), not milliseconds.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a field repeated a thousand times (graphql-js meters the overlap check)', async () => {
    const response = await send(`{ product(id: "p1") { ${repeat(990, () => 'name')} } }`);
    expectRefused(response, 'GRAPHQL_VALIDATION_FAILED');
  });

  it.each([['qwerty cop { abc }'], ['test'], ['{ "\\uD800" }']])(
    '%s is a parse failure without a stack trace',
    async (query) => {
      const response = await send(query);
      expectRefused(response, 'GRAPHQL_PARSE_FAILED');
      expect(JSON.stringify(response.body)).not.toMatch(/stacktrace|exception/);
    },
  );

  it('refuses hundreds of operations at the token limit, thousands at the length limit', async () => {
    expectRefused(await send(repeat(300, (i) => `query q${i} { __typename }`)), 'MAX_TOKENS_LIMIT');
    expectRefused(
      await send(repeat(5000, (i) => `query q${i} { __typename }`)),
      'GRAPHQL_PARSE_FAILED',
    );
  });

  it('refuses a megabyte string literal or comment by its length', async () => {
    const long = 'x'.repeat(900_000);
    expectRefused(await send(`{ user(id: "${long}") { id } }`), 'GRAPHQL_PARSE_FAILED');
    expectRefused(await send(`#${long}\n{ __typename }`), 'GRAPHQL_PARSE_FAILED');
  });

  it('refuses 1,500 and 5,000 levels of nesting with the token and length caps raised, never a 500', async () => {
    const raised = await startStack({
      env: { MAX_TOKENS: '1000000', MAX_QUERY_CHARS: '10000000' },
    });
    try {
      expectRefused(await send(deepQuery(1500), raised), 'MAX_DEPTH_LIMIT');
      // Deeper still, graphql-js's recursive parser runs out of stack: a parse failure, not a 500.
      expectRefused(await send(deepQuery(5000), raised), 'GRAPHQL_PARSE_FAILED');
    } finally {
      await raised.stop();
    }
  });

  it('refuses deeply nested introspection (graphql-js caps its list depth)', async () => {
    const query =
      '{ __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }';
    expectRefused(await send(query), 'GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses a batch', async () => {
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 10 }, () => ({ query: '{ __typename }' }))),
    });
    expect(response.status).toBe(400);
  });
});
