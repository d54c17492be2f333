import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metric, startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';

// The cost step through HTTP, on the default configuration (MAX_COST 2000, budgets in process).
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const CHECKOUT_SCREEN = `query CheckoutScreen {
  me { name email payments(first: 5) { amount status product { name price } } }
  products(first: 10) { name price seller { name } }
}`;

/**
 * A query whose estimate is exactly `n` (n ≥ 200): 100 products × (product 1 + seller 1 + m of the
 * seller's products), plus r more products. Every list stays within the subgraphs' page size.
 */
function costing(n: number): string {
  const m = Math.floor(n / 100) - 2;
  const r = n - 100 * (m + 2);
  const rest = r > 0 ? ` r: products(first: ${r}) { id }` : '';
  return `{ products(first: 100) { seller { products(first: ${m}) { id } } }${rest} }`;
}

const costMetric = (kind: 'estimated' | 'actual') =>
  metric(stack, `gateway_operation_cost_count{kind="${kind}"}`);

describe('extensions.cost', () => {
  it('reports estimated, actual, limit and budget on every executed response', async () => {
    const { status, body, headers } = await stack.query(
      '{ products(first: 7) { name seller { name } } }',
    );
    expect(status).toBe(200);
    expect(body.extensions.cost).toEqual({
      estimated: 14,
      actual: 14,
      limit: 2000,
      budgetRemaining: Number(headers.get('ratelimit-remaining')),
    });
  });

  it.each([
    ['anonymous (me removed by authorization)', undefined, 20],
    ['signed in without read:payments (payments removed)', 'read:email', 21],
    ['signed in with every scope', 'read:email read:payments', 31],
  ])('CheckoutScreen, %s', async (_who, scopes, expected) => {
    const token = scopes === undefined ? undefined : await devToken('u42', scopes);
    const { status, body } = await stack.query(CHECKOUT_SCREEN, { token });
    expect(status).toBe(200);
    expect(body.extensions.cost).toMatchObject({ estimated: expected, actual: expected });
  });

  it('counts the estimate and the actual cost in gateway_operation_cost', async () => {
    const [estimated, actual] = [await costMetric('estimated'), await costMetric('actual')];
    await stack.query('{ products(first: 2) { id } }');
    expect(await costMetric('estimated')).toBe(estimated + 1);
    expect(await costMetric('actual')).toBe(actual + 1);
  });
});

describe('MAX_COST', () => {
  it('serves an estimate of exactly N, refuses N+1 before any subgraph call', async () => {
    const n = stack.config.cost.maxCost;
    const atLimit = await stack.query(costing(n));
    expect(atLimit.status).toBe(200);
    expect(atLimit.body.extensions.cost).toMatchObject({ estimated: n, limit: n });

    stack.resetStats();
    const over = await stack.query(costing(n + 1));
    expect(over.status).toBe(400);
    expect(over.body.errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
    expect(over.body.errors[0].extensions.cost).toEqual({ estimated: n + 1, limit: n });
    expect(over.body.extensions.cost).toMatchObject({ estimated: n + 1, actual: null, limit: n });
    expect(over.body.data).toBeUndefined();
    expect(stack.subgraphs.product.stats.requests).toBe(0);
  });

  it.each([
    ['a huge page size', '{ products(first: 99999999) { name } }', undefined],
    [
      'a huge page size in a variable',
      'query($n: Int) { products(first: $n) { name } }',
      { n: 99999999 },
    ],
    [
      'nested lists',
      '{ products(first: 100) { seller { products(first: 100) { seller { name } } } } }',
      undefined,
    ],
  ])('refuses %s', async (_name, query, variables) => {
    stack.resetStats();
    const response = await stack.query(query, { variables });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
    expect(stack.subgraphs.product.stats.requests).toBe(0);
  });

  it('refuses a list field without its required slicing argument (explicit null)', async () => {
    stack.resetStats();
    const response = await stack.query('{ products(first: null) { name } }');
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      reason: 'REQUIRE_ONE_SLICING_ARGUMENT',
    });
    expect(stack.subgraphs.product.stats.requests).toBe(0);
  });

  it('leaves variables that do not coerce to execution: 400 BAD_USER_INPUT, never a 500', async () => {
    stack.resetStats();
    let deep: unknown = 1;
    for (let i = 0; i < 50; i++) deep = { a: deep };
    for (const n of ['ten', 2.5, deep]) {
      const response = await stack.query('query($n: Int) { products(first: $n) { id } }', {
        variables: { n },
      });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    expect(stack.subgraphs.product.stats.requests).toBe(0);
  });

  it('costs a query named like introspection like any other', async () => {
    const response = await stack.query('query __schema { products(first: 3000) { id } }');
    expect(response.body.errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
  });
});
