/**
 * docs/security.md Part 1, D: batching and multiple operations (cases 24 and 26; 25 does not
 * apply, see NOT-APPLICABLE.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';
import { expectRefusedBeforeSubgraphs, expectStillServing, repeat } from './helpers.js';

/** A mutation root field costs 10 (docs/architecture.md); a budget of 50 pays for five. */
const CAPACITY = 50;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: { RATE_LIMIT_CAPACITY: String(CAPACITY), RATE_LIMIT_REFILL_PER_SECOND: '0.01' },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const payments = (count: number) =>
  `mutation { ${repeat(count, (i) => `a${i}: createPayment(productId: "p${i}") { id }`)} }`;

describe('D. batching and multiple operations', () => {
  it('case 24: an array body is refused (batching disabled), nothing executed', async () => {
    const entry = { query: 'query cop { __typename }' };
    for (const body of [
      Array.from({ length: 10 }, () => entry),
      [{ query: '{ products(first: 1) { name } }' }],
      [],
    ])
      await expectRefusedBeforeSubgraphs(stack, () => postGraphQL(stack.url, body), {
        status: 400,
        code: 'BAD_REQUEST',
      });
    await expectStillServing(stack);
  });

  it('case 26: aliased mutations in one request are each charged; too many refuse the request', async () => {
    // Within the budget: five aliased calls are five calls, each paid for.
    const caller = await devToken('batch-a');
    const five = await stack.query(payments(5), { token: caller });
    expect(five.status, JSON.stringify(five.body)).toBe(200);
    expect(Object.keys(five.body.data)).toHaveLength(5);
    expect(five.body.extensions.cost.estimated).toBe(5 * 10);
    // The sixth call of the window is refused, however it is sent.
    const sixth = await expectRefusedBeforeSubgraphs(
      stack,
      () => stack.query(payments(1), { token: caller }),
      { status: 429, code: 'REQUEST_RATE_LIMITED' },
    );
    expect(sixth.headers.get('retry-after')).toMatch(/^\d+$/);

    // Six aliased calls at once cost more than a whole budget: refused, nothing executed.
    const six = await devToken('batch-b');
    await expectRefusedBeforeSubgraphs(stack, () => stack.query(payments(6), { token: six }), {
      status: 400,
      code: 'COST_ESTIMATED_TOO_EXPENSIVE',
    });

    // Fifty aliased calls (graphql-cop style) never reach admission's budget: the shape limits refuse.
    await expectRefusedBeforeSubgraphs(stack, () => stack.query(payments(50), { token: six }), {
      status: 400,
      code: ['MAX_ALIASES_LIMIT', 'MAX_ROOT_FIELDS_LIMIT'],
    });
  });
});
