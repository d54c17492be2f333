import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_LABEL_MIN_COUNT } from '../../src/observability/operationLabels.js';
import { recordLog } from '../helpers/logs.js';
import { scrapeMetrics, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
const recorded = recordLog();
beforeAll(async () => {
  stack = await startStack({ log: recorded.log });
});
afterAll(async () => {
  await stack?.stop();
});

describe('one query per screen across three subgraphs', () => {
  it('resolves products with their sellers from the user subgraph', async () => {
    const { status, body } = await stack.query(
      '{ products(first: 3) { id name price seller { id name } } }',
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.products).toHaveLength(3);
    for (const product of body.data.products) {
      expect(product.seller.id).toMatch(/^u\d+$/);
      expect(typeof product.seller.name).toBe('string');
    }
  });

  it('resolves a payment’s product across subgraphs through the user’s payments', async () => {
    const { status, body } = await stack.query(
      'query($id: ID!) { user(id: $id) { name products(first: 2) { name seller { id } } } }',
      { variables: { id: 'u7' } },
    );
    expect(status).toBe(200);
    expect(body.data.user.name).toBeTruthy();
    expect(body.data.user.products.length).toBeGreaterThan(0);
    for (const p of body.data.user.products) expect(p.seller.id).toBe('u7');
  });

  it('plans two root fields on different subgraphs as a Parallel node', async () => {
    const { body } = await stack.query('{ products(first: 1) { id } user(id: "u1") { name } }', {
      headers: { 'apollo-expose-query-plan': 'true' },
    });
    expect(body.data.products).toHaveLength(1);
    expect(body.extensions.queryPlan.text).toContain('Parallel');
    expect(body.extensions.queryPlan.object.kind).toBe('Parallel');
  });

  it('does not expose the plan without the header', async () => {
    const { body } = await stack.query('{ products(first: 1) { id } }');
    expect(body.extensions?.queryPlan).toBeUndefined();
  });

  it('fetches 50 sellers with one user-subgraph request and one data-layer call', async () => {
    stack.resetStats();
    const { body } = await stack.query('{ products(first: 50) { seller { name } } }');
    expect(body.data.products).toHaveLength(50);
    expect(stack.subgraphs.user.stats.requests).toBe(1);
    expect(stack.subgraphs.user.stats.dataCalls).toBe(1);
    expect(stack.subgraphs.product.stats.requests).toBe(1);
  });
});

describe('bad input gets a clear status and code, never a 500', () => {
  const post = (body: string, contentType = 'application/json') =>
    fetch(stack.url, { method: 'POST', headers: { 'content-type': contentType }, body });

  it.each([
    ['syntax error', '{"query":"{ products(first: 1) { id "}', 400, 'GRAPHQL_PARSE_FAILED'],
    [
      'unknown field',
      '{"query":"{ products(first: 1) { nope } }"}',
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    ['malformed JSON', '{"query": ', 400, 'BAD_REQUEST'],
    [
      'array body (batching off)',
      '[{"query":"{ __typename }"},{"query":"{ __typename }"}]',
      400,
      'BAD_REQUEST',
    ],
    ['missing query', '{"variables":{}}', 400, 'BAD_REQUEST'],
    [
      'variables of the wrong type',
      '{"query":"query($f: Int) { products(first: $f) { id } }","variables":{"f":"ten"}}',
      400,
      'BAD_USER_INPUT',
    ],
  ])('%s', async (_name, body, status, code) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    const json = (await response.json()) as {
      errors: { extensions: { code: string; stacktrace?: unknown } }[];
    };
    expect(json.errors[0]!.extensions.code).toBe(code);
    expect(JSON.stringify(json)).not.toMatch(/stacktrace|\n\s+at /);
  });

  it('refuses a simple-request content type (CSRF prevention)', async () => {
    const response = await post('{"query":"{ __typename }"}', 'text/plain');
    expect(response.status).toBe(400);
  });

  it('refuses an oversized body with 413 before parsing it', async () => {
    const big = JSON.stringify({
      query: `{ __typename }`,
      variables: { pad: 'x'.repeat(stack.config.limits.maxBodyBytes) },
    });
    const response = await post(big);
    expect(response.status).toBe(413);
    expect(
      ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!
        .extensions.code,
    ).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a mutation over GET with 405 and Allow: POST', async () => {
    const url = `${stack.url}?query=${encodeURIComponent('mutation { updateProductPrice(id: "p1", price: 1) { id } }')}`;
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('serves queries over GET', async () => {
    const url = `${stack.url}?query=${encodeURIComponent('{ product(id: "p1") { id name } }')}`;
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { product: { id: string } } }).data.product.id).toBe(
      'p1',
    );
  });
});

describe('operational endpoints', () => {
  it('answers /health and /ready', async () => {
    const base = stack.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      supergraphId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('exposes request and subgraph metrics', async () => {
    // An operation name gets its own label once it has been seen a few times.
    for (let i = 0; i < OPERATION_LABEL_MIN_COUNT; i += 1)
      await stack.query('query Catalogue { products(first: 2) { name } }', {
        operationName: 'Catalogue',
      });
    const text = await scrapeMetrics(stack);
    expect(text).toMatch(/gateway_requests_total\{operation="Catalogue",code="OK"\} \d+/);
    expect(text).toMatch(/gateway_subgraph_requests_total\{subgraph="product",outcome="ok"\} \d+/);
    expect(text).toContain('gateway_request_duration_seconds_bucket');
  });
});

describe('supergraph hot reload', () => {
  it('picks up a valid change and keeps the last good supergraph on an invalid one', async () => {
    const original = fs.readFileSync(stack.supergraphPath, 'utf8');
    const reloads = () =>
      stack.gateway.metrics.supergraphReloads
        .get()
        .then((m) => m.values.find((v) => v.labels.outcome === 'ok')?.value ?? 0);
    const before = await reloads();
    try {
      // A valid change: a new description on a field is a different supergraph.
      fs.writeFileSync(
        stack.supergraphPath,
        original.replace('type Product', '"Changed by a test"\ntype Product'),
      );
      await expect.poll(reloads, { timeout: 5000 }).toBe(before + 1);
      expect(
        (await stack.query('{ product(id: "p2") { name } }')).body.data.product.name,
      ).toBeTruthy();

      const from = recorded.messages.length;
      fs.writeFileSync(stack.supergraphPath, 'this is not a supergraph {');
      await recorded.waitForMessage('the last good supergraph keeps serving', from);
      const { status, body } = await stack.query('{ product(id: "p2") { name } }');
      expect(status).toBe(200);
      expect(body.data.product.name).toBeTruthy();
      expect(await reloads()).toBe(before + 1);
    } finally {
      fs.writeFileSync(stack.supergraphPath, original);
    }
  });
});
