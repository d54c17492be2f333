/**
 * Operation height (`MAX_HEIGHT`, Apollo Router's `max_height`), introspection depth and
 * graphql-js's validation-error cap, over HTTP against the real stack. Each denial uses a document
 * that every other limit admits: aliases raised, so only the height binds. The height is checked
 * with the other shape limits on the validated document, before authorization, cost and planning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import {
  expectNoLeaks,
  expectRefusedBeforeSubgraphs,
  expectStillServing,
  productionEnv,
  repeat,
  requestsCounted,
} from './helpers.js';

let stack: Stack;
let production: Stack;

beforeAll(async () => {
  [stack, production] = await Promise.all([
    // Aliases raised: `a1: name … aN: name` then meets the height limit only.
    startStack({ env: { MAX_ALIASES: '10000' } }),
    productionEnv().then((env) => startStack({ env: { ...env, MAX_ALIASES: '10000' } })),
  ]);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), production?.stop()]);
});

/** `{ product(id: "p1") { a1: name … } }` of exactly `height` unique fields (product + aliases). */
const wide = (height: number) =>
  `{ product(id: "p1") { ${repeat(height - 1, (i) => `a${i}: name`)} } }`;

describe('MAX_HEIGHT: unique field selections', () => {
  it('serves height N and refuses N+1 with 400 MAX_HEIGHT_LIMIT before any subgraph', async () => {
    const n = stack.config.limits.maxHeight;
    const served = await stack.query(wide(n));
    expect(served.status, JSON.stringify(served.body).slice(0, 300)).toBe(200);
    expect(served.body.data.product.a1).toBeTruthy();

    const before = await requestsCounted(stack, 'MAX_HEIGHT_LIMIT');
    const refused = await expectRefusedBeforeSubgraphs(stack, () => stack.query(wide(n + 1)), {
      status: 400,
      code: 'MAX_HEIGHT_LIMIT',
    });
    expect(refused.body.errors).toHaveLength(1);
    expect(refused.body.errors[0].extensions.limit).toBe(n);
    expect(refused.body.errors[0].message).toBe(`Query height limit of ${n} exceeded.`);
    expect(await requestsCounted(stack, 'MAX_HEIGHT_LIMIT')).toBe(before + 1);
    await expectStillServing(stack);
  });

  it('counts fields inside fragments, each fragment field once however often it is spread', async () => {
    const n = stack.config.limits.maxHeight;
    const fragment = (height: number) =>
      `fragment F on Product { ${repeat(height - 1, (i) => `a${i}: name`)} }`;
    // Spread twice, inline fragment too: the same fields merge, height stays N.
    const atN = `{ product(id: "p1") { ...F ... on Product { ...F } } } ${fragment(n)}`;
    expect((await stack.query(atN)).status).toBe(200);
    await expectRefusedBeforeSubgraphs(
      stack,
      () => stack.query(`{ product(id: "p1") { ...F } } ${fragment(n + 1)}`),
      { status: 400, code: 'MAX_HEIGHT_LIMIT' },
    );
  });

  it('measures the operation that runs, as Apollo Router does', async () => {
    const n = stack.config.limits.maxHeight;
    const query = `query Small { __typename } query Wide ${wide(n + 1)}`;
    expect((await stack.query(query, { operationName: 'Small' })).status).toBe(200);
    await expectRefusedBeforeSubgraphs(stack, () => stack.query(query, { operationName: 'Wide' }), {
      status: 400,
      code: 'MAX_HEIGHT_LIMIT',
    });
  });

  it('merges duplicated fields: 600 × __typename has height 1 and is served', async () => {
    // Duplication is legitimate (clients add duplicates); docs/security.md case 15.
    const response = await stack.query(`{ ${'__typename '.repeat(600)}}`);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ __typename: 'Query' });
  });

  it('keeps the code and status in production, without leaks', async () => {
    const n = production.config.limits.maxHeight;
    const response = await expectRefusedBeforeSubgraphs(
      production,
      () => production.query(wide(n + 1)),
      { status: 400, code: 'MAX_HEIGHT_LIMIT' },
    );
    expectNoLeaks(production, response.body);
  });
});

describe('introspection fields count toward MAX_DEPTH', () => {
  /** `__type(name: "Product") { fields { type { ofType … { name } } } }` of exactly `depth`. */
  const typeQuery = (depth: number) => {
    let inner = 'name';
    for (let i = 0; i < depth - 3; i++) inner = `ofType { ${inner} }`;
    return `{ __type(name: "Product") { fields { type { ${inner} } } } }`;
  };
  /** `__schema { types { fields { type { ofType … } } } }` of exactly `depth` (≥ 4). */
  const schemaQuery = (depth: number) => {
    let inner = 'name';
    for (let i = 0; i < depth - 4; i++) inner = `ofType { ${inner} }`;
    return `{ __schema { types { fields { type { ${inner} } } } } }`;
  };

  it.each([
    ['__type', typeQuery],
    ['__schema', schemaQuery],
  ])('%s: depth N served, N+1 refused with 400 MAX_DEPTH_LIMIT', async (_, query) => {
    const n = stack.config.limits.maxDepth;
    const served = await stack.query(query(n));
    expect(served.status, JSON.stringify(served.body).slice(0, 300)).toBe(200);
    expect(served.body.errors).toBeUndefined();
    await expectRefusedBeforeSubgraphs(stack, () => stack.query(query(n + 1)), {
      status: 400,
      code: 'MAX_DEPTH_LIMIT',
    });
  });

  it('counts introspection reached through a fragment', async () => {
    // `__type` (1) › `ofType` × (depth − 1) › name, in a fragment beside a regular field.
    const query = (depth: number) =>
      `{ product(id: "p1") { name } ...T } fragment T on Query { __type(name: "User") { ` +
      `${'ofType { '.repeat(depth - 1)}name${' }'.repeat(depth - 1)} } }`;
    const n = stack.config.limits.maxDepth;
    expect((await stack.query(query(n))).status).toBe(200);
    await expectRefusedBeforeSubgraphs(stack, () => stack.query(query(n + 1)), {
      status: 400,
      code: 'MAX_DEPTH_LIMIT',
    });
  });
});

describe('the validation-error cap ("Validation aborted")', () => {
  // 150 unknown directives on one field: height 1, depth 0, under the token cap, so the document
  // reaches validation and hits graphql-js's cap of 100 errors.
  const aborted = `{ __typename ${'@unknown '.repeat(150)}}`;

  it.each([
    ['development', () => stack],
    ['production', () => production],
  ])(
    '%s: 400 GRAPHQL_VALIDATION_FAILED, the last error says validation was aborted',
    async (_, on) => {
      const s = on();
      const response = await expectRefusedBeforeSubgraphs(s, () => s.query(aborted), {
        status: 400,
        code: 'GRAPHQL_VALIDATION_FAILED',
      });
      const errors = response.body.errors as { message: string; extensions: { code: string } }[];
      expect(errors.length).toBeLessThanOrEqual(101);
      expect(errors.every((e) => e.extensions.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
      expect(errors.at(-1)!.message).toMatch(/Validation aborted/);
      expect(JSON.stringify(response.body).length).toBeLessThan(64 * 1024);
    },
  );
});
