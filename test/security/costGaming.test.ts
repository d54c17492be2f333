import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';

// Cost that cannot be gamed, over HTTP against the real subgraphs. The budget is small and refills
// slowly (1 point a second), so what a request is charged shows in the budget it leaves.
const CAPACITY = 4000;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: { RATE_LIMIT_CAPACITY: String(CAPACITY), RATE_LIMIT_REFILL_PER_SECOND: '1' },
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** A caller of its own (its own budget) who may read everything the queries ask for. */
const caller = (sub: string) => devToken(sub, 'read:email read:payments');

/**
 * Every fetch runs (me, its 17 payments with their users, the users' products), then the product
 * subgraph refuses `first: 101` (its page size is 100): the error nulls each User!, each Payment!,
 * and so the whole payments list. Estimated 1 + 17 × (1 + 1 + 101) = 1752.
 */
const LATE_FAILURE = '{ me { payments(first: 17) { user { products(first: 101) { id } } } } }';

describe('a late error earns no refund', () => {
  it('charges what the subgraphs were asked for, not the nulled response', async () => {
    const token = await caller('u7');
    const { status, body, headers } = await stack.query(LATE_FAILURE, { token });
    expect(status).toBe(200);
    expect(body.data.me.payments).toBeNull();
    expect(body.errors.length).toBeGreaterThan(0);
    expect(stack.subgraphs.product.stats.requests).toBeGreaterThan(0);
    const cost = body.extensions.cost;
    expect(cost.estimated).toBe(1752);
    // Before: actual 1 (me), 1751 points given back.
    expect(cost.actual).toBe(1752);
    expect(Number(headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(CAPACITY - 1752 + 60);
  });

  it('admits the attack only as often as its estimate fits the budget', async () => {
    const token = await caller('u8');
    let admitted = 0;
    let limited = 0;
    for (let i = 0; i < 6; i++) {
      const { status, body } = await stack.query(LATE_FAILURE, { token });
      if (status === 200) admitted += 1;
      else {
        expect(status).toBe(429);
        expect(body.errors[0].extensions.code).toBe('REQUEST_RATE_LIMITED');
        limited += 1;
      }
    }
    // Before: all 6 admitted (each charged 1). 4000 points hold two estimates of 1752.
    expect(admitted).toBe(2);
    expect(limited).toBe(4);
  });

  it('still gives back what an honest query did not fetch', async () => {
    const token = await caller('u9');
    // me 1 + payments 30 × (1 + product 1); user u9 has fewer than 60 payments in the seed.
    const { status, body } = await stack.query(
      '{ me { payments(first: 60) { id product { name } } } }',
      {
        token,
      },
    );
    expect(status).toBe(200);
    const cost = body.extensions.cost;
    expect(cost.estimated).toBe(121);
    expect(cost.actual).toBe(1 + 2 * body.data.me.payments.length);
    expect(cost.actual).toBeLessThan(cost.estimated);
  });
});

describe("a late error earns no refund on @apollo/gateway's own executor too", () => {
  let apollo: Stack;
  beforeAll(async () => {
    apollo = await startStack({ env: { PLAN_EXECUTION: 'apollo' } });
  });
  afterAll(async () => {
    await apollo?.stop();
  });

  it('records the fetches whichever executor runs the plan', async () => {
    const { status, body } = await apollo.query(LATE_FAILURE, { token: await caller('u7') });
    expect(status).toBe(200);
    expect(body.data.me.payments).toBeNull();
    expect(body.extensions.cost).toMatchObject({ estimated: 1752, actual: 1752 });
  });
});

describe('slicing arguments', () => {
  it('refuses a negative first with 400 BAD_USER_INPUT before any subgraph is called', async () => {
    const token = await caller('u10');
    stack.resetStats();
    const { status, body } = await stack.query(
      '{ me { payments(first: 100) { user { products(first: -1) { id } } } } }',
      { token },
    );
    expect(status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].extensions.fieldPath).toEqual(['me', 'payments', 'user', 'products']);
    expect(body.data).toBeUndefined();
    expect(stack.subgraphs.user.stats.requests).toBe(0);
    expect(stack.subgraphs.product.stats.requests).toBe(0);
  });

  it('refuses a negative first given in a variable the same way', async () => {
    stack.resetStats();
    const { status, body } = await stack.query('query($n: Int) { products(first: $n) { id } }', {
      variables: { n: -5 },
    });
    expect(status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(stack.subgraphs.product.stats.requests).toBe(0);
  });

  it('charges first: 0 the call it still causes', async () => {
    const token = await caller('u11');
    // me 1 + payments 5 × (1 + user 1 + products asked with first: 0, weight 1 each)
    const { status, body } = await stack.query(
      '{ me { payments(first: 5) { user { products(first: 0) { id } } } } }',
      { token },
    );
    expect(status).toBe(200);
    expect(body.data.me.payments[0].user.products).toEqual([]);
    expect(body.extensions.cost).toMatchObject({ estimated: 16, actual: 16 });
  });

  it('estimates a huge first at its value, so it is refused, never capped', async () => {
    stack.resetStats();
    const { status, body } = await stack.query('{ products(first: 2147483647) { id } }');
    expect(status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
    expect(body.errors[0].extensions.cost.estimated).toBe(2147483647);
    expect(stack.subgraphs.product.stats.requests).toBe(0);
  });
});

/** `n` aliased deep `__schema` selections: every type with its fields, their args and types. */
const deepSchema = (n: number) =>
  `{ ${Array.from(
    { length: n },
    (_, i) =>
      `s${i}: __schema { types { name fields { name args { name type { name ofType { name } } } type { name fields { name } ofType { name } } } } }`,
  ).join(' ')} }`;

describe('introspection is not free', () => {
  it('refuses aliased deep __schema selections as too expensive, before any work', async () => {
    // 4 of them stay within the height, depth and alias limits: the cost alone refuses them (the
    // 15 of the original report are refused as well, by MAX_HEIGHT first).
    for (const n of [4, 15]) {
      const { status, body } = await stack.query(deepSchema(n));
      expect(status).toBe(400);
      expect(['COST_ESTIMATED_TOO_EXPENSIVE', 'MAX_HEIGHT_LIMIT']).toContain(
        body.errors[0].extensions.code,
      );
      expect(body.data).toBeUndefined();
    }
    const { body } = await stack.query(deepSchema(4));
    expect(body.errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
    expect(body.errors[0].extensions.cost.estimated).toBeGreaterThan(stack.config.cost.maxCost);
  });

  it('takes each deep __schema selection from the budget until the caller gets 429', async () => {
    const token = await caller('u13');
    const one = deepSchema(1);
    let admitted = 0;
    let estimated = 0;
    let limited:
      { status: number; body: { errors: { extensions: { code: string } }[] } } | undefined;
    for (let i = 0; i < 12 && !limited; i++) {
      const response = await stack.query(one, { token });
      if (response.status === 200) {
        admitted += 1;
        estimated = response.body.extensions.cost.estimated;
        expect(response.body.extensions.cost.actual).toBe(estimated);
      } else limited = response;
    }
    // Before: each cost 1 point, all 12 admitted.
    expect(estimated).toBeGreaterThan(100);
    expect(limited?.status).toBe(429);
    expect(limited?.body.errors?.[0]?.extensions.code).toBe('REQUEST_RATE_LIMITED');
    expect(admitted).toBeLessThanOrEqual(Math.ceil(CAPACITY / estimated));
  });

  it('charges one __schema selection by the size of what it lists, with no refund', async () => {
    const token = await caller('u12');
    const { status, body, headers } = await stack.query(
      '{ __schema { types { name fields { name } } } }',
      {
        token,
      },
    );
    expect(status).toBe(200);
    const types = body.data.__schema.types as { fields: unknown[] | null }[];
    const listed = types.length + types.reduce((n, t) => n + (t.fields?.length ?? 0), 0);
    const cost = body.extensions.cost;
    // at least one point per type and per field listed
    expect(cost.estimated).toBeGreaterThanOrEqual(listed);
    expect(cost.actual).toBe(cost.estimated);
    expect(Number(headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(
      CAPACITY - cost.estimated + 60,
    );
  });

  it('charges __type by the fields of the type it names', async () => {
    const { status, body } = await stack.query(
      '{ __type(name: "Product") { name fields { name type { name } } } }',
    );
    expect(status).toBe(200);
    // __type 1 + 6 fields × (1 + type 1)
    expect(body.data.__type.fields).toHaveLength(6);
    expect(body.extensions.cost).toMatchObject({ estimated: 13, actual: 13 });
  });
});
