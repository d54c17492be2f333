import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ON_TEST_CLUSTER, redisAvailable, testRedisEnv, uniquePrefix } from '../helpers/redis.js';
import { metric, startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/waitFor.js';
import { createTestIssuer, type TestIssuer } from '../helpers/tokens.js';
import { keyPool } from '../helpers/apiKeys.js';

// Cost budgets through HTTP, on the test Redis (one node, or the `cluster` project's cluster) under a unique key prefix. Capacity 30 (small
// enough to exhaust in three requests), refilled so slowly that no test depends on its speed; the
// `persecond` tier (1 point a second) is for the exact Retry-After.
const hasRedis = await redisAvailable();
const QUERY = '{ products(first: 7) { name seller { name } } }'; // costs 14, actual 14

let stack: Stack;
let issuer: TestIssuer;
const prefix = uniquePrefix('budgets');
// API keys name budgets only once issued (API_KEYS_PATH): each caller gets a key of its own.
const keys = keyPool();
const env = (extra: Record<string, string> = {}) => ({
  ...testRedisEnv(),
  RATE_LIMIT_KEY_PREFIX: prefix,
  API_KEYS_PATH: keys.file.path,
  RATE_LIMIT_CAPACITY: '30',
  RATE_LIMIT_REFILL_PER_SECOND: '0.001',
  RATE_LIMIT_TIERS: JSON.stringify({
    pro: { capacity: 300, refillPerSecond: 0.001 },
    persecond: { capacity: 30, refillPerSecond: 1 },
  }),
  JWT_PUBLIC_KEY: issuer.publicKeyPem,
  JWT_ISSUER: issuer.issuer,
  JWT_AUDIENCE: issuer.audience,
  ...extra,
});

beforeAll(async () => {
  issuer = await createTestIssuer();
  if (hasRedis) stack = await startStack({ env: env() });
});
afterAll(async () => {
  // why: on the cluster a CROSSSLOT would only show as the local fallback budget.
  const fallbacks =
    ON_TEST_CLUSTER && stack
      ? await metric(stack, 'gateway_redis_fallbacks_total{feature="rateLimit"}')
      : 0;
  await stack?.stop();
  keys.file.remove();
  expect(fallbacks).toBe(0);
});

/** A fresh caller (its own issued API key, so its own bucket). */
const caller = () => keys.next();
const headersOf = (response: { headers: Headers }) => ({
  limit: Number(response.headers.get('ratelimit-limit')),
  remaining: Number(response.headers.get('ratelimit-remaining')),
  reset: Number(response.headers.get('ratelimit-reset')),
});

describe.skipIf(!hasRedis)('a caller’s cost budget', () => {
  it('is spent by the estimate', async () => {
    const first = await stack.query(QUERY, { headers: caller() });
    expect(first.status).toBe(200);
    expect(headersOf(first)).toMatchObject({ limit: 30, remaining: 16, reset: 14_000 });
    expect(first.body.extensions.cost).toEqual({
      estimated: 14,
      actual: 14,
      limit: 2000,
      budgetRemaining: 16,
    });
  });

  it('is refused when out, with the exact Retry-After, nothing executed', async () => {
    const token = await issuer.mint({ sub: `erin-${process.pid}`, plan: 'persecond' });
    expect((await stack.query(QUERY, { token })).status).toBe(200);
    expect((await stack.query(QUERY, { token })).status).toBe(200);

    const limitedBefore = await metric(stack, 'gateway_rate_limited_total');
    stack.resetStats();
    const refused = await stack.query(QUERY, { token });
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions.code).toBe('REQUEST_RATE_LIMITED');
    expect(refused.body.data).toBeUndefined();
    expect(stack.subgraphs.product.stats.requests).toBe(0);
    expect(await metric(stack, 'gateway_rate_limited_total')).toBe(limitedBefore + 1);
    // At 1 point a second, the cost fits after exactly (cost − points held) seconds, rounded up;
    // the points held are RateLimit-Remaining rounded down, so the two add up to the cost.
    const { remaining } = headersOf(refused);
    expect(remaining).toBeLessThan(14);
    expect(Number(refused.headers.get('retry-after'))).toBe(14 - remaining);
    expect(refused.body.extensions.cost).toMatchObject({
      estimated: 14,
      actual: null,
      budgetRemaining: remaining,
    });
  });

  it('gets the unused part of the estimate back after execution', async () => {
    const headers = caller();
    // Estimated 1 + 10 × 1 = 11; the user does not exist: only the root field is paid, actual 1.
    const response = await stack.query('{ user(id: "nobody") { products(first: 10) { name } } }', {
      headers,
    });
    expect(response.status).toBe(200);
    expect(response.body.extensions.cost).toMatchObject({
      estimated: 11,
      actual: 1,
      budgetRemaining: 29,
    });
    expect(headersOf(response).remaining).toBe(29);
    // A short list (the end of the catalogue) pays for what came back, not the 10 assumed.
    const short = await stack.query('{ products(first: 10, after: "p1998") { name } }', {
      headers,
    });
    const fetched = short.body.data.products.length;
    expect(fetched).toBeLessThan(10);
    expect(short.body.extensions.cost).toMatchObject({ estimated: 10, actual: fetched });
    expect(headersOf(short).remaining).toBe(29 - fetched);
  });

  it('charges every request at least one point, so a free or empty query is still rate limited', async () => {
    const headers = caller();
    const free = await stack.query('{ __typename }', { headers });
    expect(free.body.extensions.cost).toMatchObject({ estimated: 0, actual: 0 });
    expect(headersOf(free).remaining).toBe(29);
    expect(
      headersOf(await stack.query('{ user(id: "nobody") { name } }', { headers })).remaining,
    ).toBe(28);
  });

  it('puts the RateLimit headers on every response, refused ones too', async () => {
    const headers = caller();
    const responses = [
      await stack.query('{ products(first: 1) { id } }', { headers }), // 200
      await stack.query('{ products(first: 1) { id ', { headers }), // parse error
      await stack.query('{ nope }', { headers }), // validation error
      await stack.query('{ products(first: 3000) { id } }', { headers }), // too expensive
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 400, 400, 400]);
    for (const response of responses) {
      expect(headersOf(response)).toMatchObject({ limit: 30, remaining: 29 });
      expect(headersOf(response).reset).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses a cost larger than the whole budget with a 400: waiting would not help', async () => {
    // 1 + 20 × 2 = 41 > 30, below MAX_COST.
    stack.resetStats();
    const response = await stack.query('{ products(first: 20) { seller { name } } }', {
      headers: caller(),
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
    expect(response.headers.get('retry-after')).toBeNull();
    expect(stack.subgraphs.product.stats.requests).toBe(0);
  });

  it('identifies callers by JWT sub, else API key, else address; a forged X-Forwarded-For changes nothing', async () => {
    const run = async (options: { token?: string; headers?: Record<string, string> }) =>
      headersOf(await stack.query('{ products(first: 3) { id } }', options)).remaining;
    const alice = await issuer.mint({ sub: `alice-${process.pid}` });
    expect(await run({ token: alice })).toBe(27);
    expect(await run({ token: alice, headers: caller() })).toBe(24); // sub wins over an API key
    expect(await run({ token: await issuer.mint({ sub: `bob-${process.pid}` }) })).toBe(27);
    const key = caller();
    expect(await run({ headers: key })).toBe(27);
    expect(await run({ headers: key })).toBe(24);
    // Anonymous without a key: the client address, whatever X-Forwarded-For says (TRUST_PROXY off).
    const before = await run({ headers: { 'x-forwarded-for': '203.0.113.1' } });
    expect(await run({ headers: { 'x-forwarded-for': '203.0.113.2' } })).toBe(before - 3);
  });

  it('gives a caller whose plan claim names a tier that tier’s budget', async () => {
    const pro = await issuer.mint({ sub: `carol-${process.pid}`, plan: 'pro' });
    const response = await stack.query(QUERY, { token: pro });
    expect(headersOf(response)).toMatchObject({ limit: 300, remaining: 286 });
    const unknownPlan = await issuer.mint({ sub: `dave-${process.pid}`, plan: 'platinum' });
    expect(headersOf(await stack.query(QUERY, { token: unknownPlan }))).toMatchObject({
      limit: 30,
    });
  });

  it('is one budget for every gateway instance on the same Redis', async () => {
    const other = await startStack({ env: env() });
    try {
      // why: an instance takes traffic once /ready says its Redis answers, as a load balancer
      // sends it; before that its budgets fall back to the in-process bucket by design.
      const readyUrl = other.url.replace(/\/graphql$/, '/ready');
      await waitFor('the second instance is ready', async () =>
        (await fetch(readyUrl)).status === 200 ? true : undefined,
      );
      const headers = caller();
      expect(headersOf(await stack.query(QUERY, { headers })).remaining).toBe(16);
      expect(headersOf(await other.query(QUERY, { headers })).remaining).toBe(2);
      const refused = await stack.query(QUERY, { headers });
      expect(refused.status).toBe(429);
      expect((await other.query(QUERY, { headers })).status).toBe(429);
    } finally {
      await other.stop();
    }
  });
});
