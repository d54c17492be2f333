/**
 * docs/security.md Part 5, T: load and soak (cases 136–141), CI-sized: a few seconds of autocannon
 * at low concurrency each. The full-size runs (50 VUs × 60 s, stress ramps, heap-snapshot leak
 * test, 2 h chaos soak) belong to the benchmark: `npm run bench` and `npm run bench -- --soak`
 * (see NOT-APPLICABLE.md). Bounds are coarse: other test files share the 2 cores.
 */
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import { documentOfTokens, expectStillServing, nest, subgraphRequests } from './helpers.js';

const QUERY = '{ products(first: 5) { name price seller { name } } }';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { RATE_LIMIT_CAPACITY: '1000000000' } });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

function load(connections: number, seconds: number, query = QUERY): Promise<autocannon.Result> {
  return autocannon({
    url: stack.url,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
}

/** No 5xx, no socket errors or timeouts, some throughput. */
function expectHealthy(result: autocannon.Result): void {
  expect(result.errors, 'socket errors').toBe(0);
  expect(result.timeouts, 'timeouts').toBe(0);
  expect(result['5xx'], '5xx').toBe(0);
  expect(result.non2xx, 'non-2xx').toBe(0);
  expect(result.requests.total).toBeGreaterThan(10);
}

async function expectFullAnswer(): Promise<void> {
  const { status, body } = await stack.query(QUERY);
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  expect(body.data.products).toHaveLength(5);
  expect(body.data.products[0].seller.name).toBeTruthy();
}

describe('T. load and soak (CI-sized)', { timeout: 60_000 }, () => {
  it('case 136: baseline load (3 s, 10 connections after a warm-up): all 200, no errors', async () => {
    for (let i = 0; i < 20; i += 1) await expectFullAnswer(); // warm-up: 2 × connections
    const result = await load(10, 3);
    expectHealthy(result);
    await expectFullAnswer();
    console.info(
      `case 136: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms`,
    );
  });

  it('case 137: stress ramp (5 → 40 → 5 connections): no failure, latency recovers', async () => {
    const quiet = Date.now();
    await expectFullAnswer();
    const baselineMs = Date.now() - quiet;
    for (const [connections, seconds] of [
      [5, 1],
      [40, 2],
      [5, 1],
    ] as const)
      expectHealthy(await load(connections, seconds));
    const after = Date.now();
    await expectFullAnswer();
    expect(Date.now() - after).toBeLessThan(Math.max(1000, baselineMs * 10));
  });

  it('case 139: unique-query flood (CI-sized: 1,000 distinct queries): memory bounded, still serving', async () => {
    const before = process.memoryUsage().rss;
    const distinct = (i: number) =>
      `query Q${i} { a${i}: products(first: ${(i % 5) + 1}) { id n${i}: name } }`;
    for (let batch = 0; batch < 1000; batch += 50) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          postGraphQL(stack.url, { query: distinct(batch + j) }),
        ),
      );
      for (const a of answers) expect(a.status).toBe(200);
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 1024 * 1024);
    await expectStillServing(stack);
  });

  it('case 141: attack mix (5% malicious: cases 1, 9, 19, 22, 24) under load: legit served, attacks refused before subgraphs', async () => {
    const { maxTokens, maxDepth } = stack.config.limits;
    const bomb =
      '{ ...F0 } ' +
      Array.from(
        { length: 30 },
        (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
      ).join(' ') +
      ' fragment F30 on Query { __typename }';
    const attacks: unknown[] = [
      { query: documentOfTokens(maxTokens + 1), operationName: 'q1' },
      { query: `{ ${nest(maxDepth + 2)} }` },
      { query: '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }' },
      { query: bomb },
      [{ query: '{ __typename }' }, { query: '{ __typename }' }],
    ];
    const legit = load(10, 3);
    const statuses: number[] = [];
    const attacksSent = (async () => {
      const end = Date.now() + 2500;
      for (let i = 0; Date.now() < end; i += 1) {
        const { status } = await postGraphQL(stack.url, attacks[i % attacks.length]);
        statuses.push(status);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const [result] = await Promise.all([legit, attacksSent]);
    expectHealthy(result);
    expect(statuses.length).toBeGreaterThan(10);
    for (const status of statuses) expect(status).toBe(400);
    // No attack reaches a subgraph: alone, the same attacks cause no subgraph request.
    stack.resetStats();
    for (const attack of attacks) await postGraphQL(stack.url, attack);
    expect(subgraphRequests(stack)).toBe(0);
    await expectFullAnswer();
  });
});
