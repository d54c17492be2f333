/** Tracing off (no OTLP endpoint): no SDK, yet a caller's `traceparent` still reaches the subgraphs. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withSpan } from '../../src/observability/tracing.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

it('passes a valid client traceparent through unchanged, and drops a malformed one', async () => {
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  stack.resetStats();
  await stack.query('{ products(first: 1) { name seller { name } } }', {
    headers: { traceparent },
  });
  expect(stack.subgraphs.product.stats.received.at(-1)?.headers.traceparent).toBe(traceparent);
  expect(stack.subgraphs.user.stats.received.at(-1)?.headers.traceparent).toBe(traceparent);

  stack.resetStats();
  await stack.query('{ product(id: "p1") { name } }', {
    headers: { traceparent: '00-XYZ-"injected"-01' },
  });
  expect(stack.subgraphs.product.stats.received.at(-1)?.headers.traceparent).toBeUndefined();
});

it('withSpan is a cheap pass-through without the SDK, errors included', async () => {
  expect(await withSpan('gateway.noop', () => 42)).toBe(42);
  await expect(withSpan('gateway.noop', () => Promise.reject(new Error('boom')))).rejects.toThrow(
    'boom',
  );
});
