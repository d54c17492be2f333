/** The pure rules behind retries and the circuit breaker, one line a case. */
import { describe, expect, it } from 'vitest';
import { createBreaker, SubgraphFault } from '../../src/subgraphClient/breaker.js';
import { createFetchShapes } from '../../src/subgraphClient/fetchShape.js';
import {
  nextRetryDelay,
  parseRetryAfter,
  type AttemptOutcome,
} from '../../src/subgraphClient/retryPolicy.js';

const options = { maxRetries: 2, baseDelayMs: 50, maxDelayMs: 1000 };
const answered = (status: number, retryAfter?: string): AttemptOutcome => ({
  kind: 'answered',
  status,
  retryAfter,
});
const now = Date.parse('2026-01-01T00:00:00Z');
const delay = (outcome: AttemptOutcome, retry = 0, remainingMs = 10_000, random = 0.5) =>
  nextRetryDelay(outcome, retry, remainingMs, options, () => random, now);

describe('nextRetryDelay', () => {
  it.each<[string, AttemptOutcome, number, number, number | undefined]>([
    [
      'refused connection, first retry: jitter within 50 ms',
      { kind: 'connection-failed' },
      0,
      10_000,
      25,
    ],
    [
      'refused connection, second retry: jitter within 100 ms',
      { kind: 'connection-failed' },
      1,
      10_000,
      50,
    ],
    ['no third retry', { kind: 'connection-failed' }, 2, 10_000, undefined],
    ['timeout: the budget is spent', { kind: 'timed-out' }, 0, 10_000, undefined],
    ['garbage: asking again doubles the load', { kind: 'invalid-response' }, 0, 10_000, undefined],
    ['500 is not retried', answered(500), 0, 10_000, undefined],
    ['400 is not retried', answered(400), 0, 10_000, undefined],
    ['502 is retried', answered(502), 0, 10_000, 25],
    ['503 is retried', answered(503), 0, 10_000, 25],
    ['504 is retried', answered(504), 0, 10_000, 25],
    ['429 Retry-After seconds wins over backoff', answered(429, '2'), 0, 10_000, 2000],
    ['503 Retry-After HTTP date', answered(503, 'Thu, 01 Jan 2026 00:00:03 GMT'), 0, 10_000, 3000],
    ['Retry-After beyond the budget: stop now', answered(429, '20'), 0, 10_000, undefined],
    ['backoff beyond the budget: stop now', { kind: 'connection-failed' }, 0, 10, undefined],
  ])('%s', (_name, outcome, retry, remaining, expected) => {
    expect(delay(outcome, retry, remaining)).toBe(expected);
  });

  it('caps the backoff ceiling at maxDelayMs', () => {
    expect(
      nextRetryDelay(
        { kind: 'connection-failed' },
        9,
        60_000,
        { ...options, maxRetries: 20 },
        () => 0.999,
      ),
    ).toBe(999);
  });
});

describe('parseRetryAfter', () => {
  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ['0', 0],
    [' 7 ', 7000],
    ['Thu, 01 Jan 2026 00:00:01 GMT', 1000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['soon', undefined],
    ['-1', undefined],
  ])('%s → %s', (value, expected) => expect(parseRetryAfter(value, now)).toBe(expected));
});

describe('fetch shapes', () => {
  const shapeOf = createFetchShapes();
  it.each<[string, boolean, string[]]>([
    ['{ a b: c }', false, ['a', 'b']],
    ['query Q { product(id: 1) { id } }', false, ['product']],
    ['mutation { createPayment(productId: "p1") { id } }', true, ['createPayment']],
    ['# comment\n  mutation M { x }', true, ['x']],
    ['fragment F on Mutation { x }\nmutation { ...F y }', true, ['x', 'y']],
    [
      'query($representations:[_Any!]!){_entities(representations:$representations){...on User{name}}}',
      false,
      ['_entities'],
    ],
    ['not graphql {', true, []],
  ])('%s', (query, mutation, rootFields) => {
    expect(shapeOf(query)).toEqual({ mutation, rootFields });
  });
});

describe('circuit breaker', () => {
  const fault = () => Promise.reject(new SubgraphFault('down'));
  it('opens when more than half of a full-enough window failed, fails fast, half-opens after the cool-off', async () => {
    const states: string[] = [];
    const breaker = createBreaker({
      window: 4,
      threshold: 0.5,
      halfOpenAfterMs: 100,
      onStateChange: (s) => states.push(s),
    });
    expect(await breaker.run(() => Promise.resolve(1))).toEqual({ open: false, value: 1 });
    await expect(breaker.run(fault)).rejects.toThrow(SubgraphFault); // 1 of 2: not above 50 %
    expect(breaker.state).toBe('closed');
    await expect(breaker.run(fault)).rejects.toThrow(SubgraphFault); // 2 of 3: above
    expect(breaker.state).toBe('open');
    let called = false;
    expect(await breaker.run(() => Promise.resolve((called = true)))).toEqual({ open: true });
    expect(called).toBe(false);
    await new Promise((r) => setTimeout(r, 120));
    expect(await breaker.run(() => Promise.resolve(2))).toEqual({ open: false, value: 2 });
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('ignores errors that are not subgraph faults', async () => {
    const breaker = createBreaker({ window: 2, threshold: 0.5, halfOpenAfterMs: 100 });
    for (let i = 0; i < 4; i += 1)
      await expect(breaker.run(() => Promise.reject(new Error('bug')))).rejects.toThrow('bug');
    expect(breaker.state).toBe('closed');
  });
});
