/**
 * docs/security.md Part 1, C: fragments (cases 19–23): cycles, unknown fragments, fragment bombs
 * and planner blow-ups are refused as 400s, quickly, and the gateway keeps serving.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import {
  expectNoLeaks,
  expectRefusedBeforeSubgraphs,
  expectStillServing,
  repeat,
} from './helpers.js';

const VALIDATION = 'GRAPHQL_VALIDATION_FAILED';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** `F0{...F1 ...F1}` … `F(n-1){...Fn ...Fn}`, `Fn{__typename}`: 2^n selections once inlined. */
function fragmentBomb(n: number): string {
  const chain = repeat(n, (i) => `fragment F${i - 1} on Query { ...F${i} ...F${i} }`);
  return `{ ...F0 } ${chain} fragment F${n} on Query { __typename }`;
}

/** Sends `send` while probing `/health` every 20 ms; the slowest probe shows event-loop lag. */
async function withHealthProbes<T>(
  send: () => Promise<T>,
): Promise<{ result: T; worstMs: number }> {
  const health = stack.url.replace(/\/graphql$/, '/health');
  let worstMs = 0;
  let running = true;
  const probes = (async () => {
    while (running) {
      const started = Date.now();
      await fetch(health).then((r) => r.text());
      worstMs = Math.max(worstMs, Date.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return { result: await send(), worstMs };
  } finally {
    running = false;
    await probes;
  }
}

describe('C. fragments', () => {
  it('case 19: a fragment cycle is a 400 validation error, not a 500', async () => {
    for (const query of [
      '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
      '{ ...A } fragment A on Query { ...A }',
      '{ product(id: "p1") { ...P } } fragment P on Product { name ...Q } fragment Q on Product { ...P }',
    ])
      await expectRefusedBeforeSubgraphs(stack, () => stack.query(query), {
        status: 400,
        code: VALIDATION,
      });
    await expectStillServing(stack);
  });

  it('case 20: a cycle through fields is refused quickly', async () => {
    const query =
      '{ user(id: "u1") { ...U } } fragment U on User { products(first: 1) { seller { ...U } } }';
    const started = Date.now();
    await expectRefusedBeforeSubgraphs(stack, () => stack.query(query), {
      status: 400,
      code: VALIDATION,
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('case 21: an unknown fragment is a 400, not a TypeError', async () => {
    for (const query of [
      '{ ...Missing }',
      '{ product(id: "p1") { ...Missing } }',
      '{ product(id: "p1") { name ...Known } } fragment Known on Product { ...Missing }',
    ])
      await expectRefusedBeforeSubgraphs(stack, () => stack.query(query), {
        status: 400,
        code: VALIDATION,
      });
  });

  it('case 22: a fragment bomb is refused quickly without stalling the event loop', async () => {
    const { result, worstMs } = await withHealthProbes(async () => {
      const started = Date.now();
      const response = await expectRefusedBeforeSubgraphs(
        stack,
        () => stack.query(fragmentBomb(30)),
        { status: 400, code: VALIDATION },
      );
      return { response, ms: Date.now() - started };
    });
    expect(result.ms).toBeLessThan(2000);
    expect(worstMs).toBeLessThan(1000);
    // Smaller bombs, under Apollo's 10-million recursive-selection guard: still bounded, never a 5xx.
    for (const n of [20, 22, 23]) {
      const started = Date.now();
      const response = await stack.query(fragmentBomb(n));
      expect(response.status, `F${n}: ${JSON.stringify(response.body).slice(0, 300)}`).toBeLessThan(
        500,
      );
      expectNoLeaks(stack, response.body);
      expect(Date.now() - started, `F${n}`).toBeLessThan(5000);
    }
    await expectStillServing(stack);
  });

  it('case 23: planner guards are on, and many fragments across subgraphs plan quickly', async () => {
    expect(process.env.APOLLO_DISABLE_SECURITY_RECURSIVE_SELECTIONS_CHECK).toBeUndefined();
    expect(process.env.APOLLO_DISABLE_SECURITY_NON_LOCAL_SELECTIONS_CHECK).toBeUndefined();
    const require = createRequire(import.meta.url);
    const { version } = require('@apollo/gateway/package.json') as { version: string };
    const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
    expect(
      major > 2 || (major === 2 && (minor > 13 || (minor === 13 && patch >= 2))),
      `@apollo/gateway ${version}`,
    ).toBe(true);

    // The schema has no interfaces or unions; the closest shape is many type conditions crossing
    // the product → user → product boundaries, each an entity fetch to plan, within the caps.
    const crossing = repeat(
      20,
      () =>
        '... on Product { seller { ... on User { products(first: 1) { ... on Product { price } } } } }',
    );
    const started = Date.now();
    const response = await stack.query(`{ products(first: 2) { ${crossing} } }`);
    expect(response.status, JSON.stringify(response.body).slice(0, 300)).toBe(200);
    expect(response.body.data.products).toHaveLength(2);
    expectNoLeaks(stack, response.body);
    expect(Date.now() - started).toBeLessThan(5000);
    await expectStillServing(stack);
  });
});
