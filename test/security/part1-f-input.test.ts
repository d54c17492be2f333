/**
 * docs/security.md Part 1, F: variables, body, input objects (cases 33–39).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../../src/http/body.js';
import { postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import {
  expectNoLeaks,
  expectRefusedBeforeSubgraphs,
  expectStillServing,
  getGraphQL,
  postChunked,
  postRaw,
  productionEnv,
  requestsCounted,
  subgraphRequests,
} from './helpers.js';

let stack: Stack;
let production: Stack;
beforeAll(async () => {
  [stack, production] = await Promise.all([
    startStack({ env: { RATE_LIMIT_CAPACITY: '1000000' } }),
    productionEnv().then((env) => startStack({ env })),
  ]);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), production?.stop()]);
});

/** A valid request body of exactly `bytes` bytes: `{ __typename }` with an unused padding variable. */
function bodyOfBytes(bytes: number): string {
  const frame = JSON.stringify({ query: '{ __typename }', variables: { pad: '' } });
  return frame.replace('"pad":""', `"pad":"${'x'.repeat(bytes - frame.length)}"`);
}

/** `{"AND":[{"AND":[ … 1 … ]}]}` nested `levels` objects deep. */
const deepJson = (levels: number) => `${'{"AND":['.repeat(levels)}1${']}'.repeat(levels)}`;

const PRODUCT_BY_ID = 'query($id: ID!) { product(id: $id) { id } }';

describe('F. variables, body, input objects', () => {
  it('case 33: body cap at N and N+1, declared and chunked, before JSON parsing', async () => {
    const n = stack.config.limits.maxBodyBytes;
    const exact = bodyOfBytes(n);
    expect(Buffer.byteLength(exact)).toBe(n);
    const ok = await postRaw(stack.url, exact);
    expect(ok.status, ok.text.slice(0, 300)).toBe(200);

    for (const body of [bodyOfBytes(n + 1), `{${' '.repeat(n)}`]) {
      const refused = await postRaw(stack.url, body);
      expect(refused.status).toBe(413);
      expect(refused.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
      expectNoLeaks(stack, refused.body);
    }
    // No Content-Length: the streamed size is counted, and the gateway stops reading at the cap.
    const chunked = await postChunked(stack.url, n * 3);
    expect(chunked.status).toBe(413);
    // Concurrent oversized bodies do not take the gateway down.
    const many = await Promise.all(
      Array.from({ length: 8 }, () => postRaw(stack.url, bodyOfBytes(n + 1))),
    );
    expect(many.map((r) => r.status)).toEqual(Array(8).fill(413));
    await expectStillServing(stack);
  });

  it('case 33: refusals before Apollo Server (413, bad JSON, batch, CSRF) are counted', async () => {
    const n = stack.config.limits.maxBodyBytes;
    const cases: [string, () => Promise<unknown>][] = [
      ['PAYLOAD_TOO_LARGE', () => postRaw(stack.url, bodyOfBytes(n + 1))],
      ['BAD_REQUEST', () => postRaw(stack.url, '{"query": ')],
      ['BAD_REQUEST', () => postGraphQL(stack.url, [{ query: '{ __typename }' }])],
      [
        'BAD_REQUEST',
        () => postRaw(stack.url, '{"query":"{ __typename }"}', { 'content-type': 'text/plain' }),
      ],
    ];
    for (const [code, send] of cases) {
      const before = await requestsCounted(stack, code);
      await send();
      expect(await requestsCounted(stack, code), `gateway_requests_total{code="${code}"}`).toBe(
        before + 1,
      );
    }
  });

  it('case 34: a String variable of 1K…near the cap is served; above the cap is 413', async () => {
    const cap = stack.config.limits.maxBodyBytes;
    for (const size of [1_000, 10_000, 100_000, cap - 1_000]) {
      const started = Date.now();
      const response = await stack.query(PRODUCT_BY_ID, { variables: { id: 'x'.repeat(size) } });
      expect(response.status, `${size}`).toBe(200);
      expect(response.body.data.product).toBeNull();
      expect(Date.now() - started, `${size}`).toBeLessThan(5000);
    }
    const over = await stack.query(PRODUCT_BY_ID, { variables: { id: 'x'.repeat(cap) } });
    expect(over.status).toBe(413);
  });

  it('case 35: a huge list variable is refused at coercion, never forwarded', async () => {
    const ids = Array.from({ length: 200_000 }, (_, i) => i % 10);
    const started = Date.now();
    await expectRefusedBeforeSubgraphs(
      stack,
      () => stack.query(PRODUCT_BY_ID, { variables: { id: ids } }),
      { status: 400, code: 'BAD_USER_INPUT' },
    );
    // A list-typed variable in a scalar position fails validation.
    await expectRefusedBeforeSubgraphs(
      stack,
      () => stack.query('query($ids: [ID!]!) { product(id: $ids) { id } }', { variables: { ids } }),
      { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
    );
    expect(Date.now() - started).toBeLessThan(5000);
    // An undeclared variable is ignored, and never reaches a subgraph.
    stack.resetStats();
    const extra = await stack.query('{ product(id: "p1") { id } }', { variables: { ids } });
    expect(extra.status).toBe(200);
    const forwarded = JSON.stringify(
      stack.subgraphs.product.stats.received.map((r) => r.variables),
    );
    expect(forwarded.length).toBeLessThan(10_000);
  });

  it('case 36: 10,000-level JSON in variables or extensions is a 400, never a RangeError 500', async () => {
    const deep = deepJson(10_000);
    const bodies = [
      `{"query":${JSON.stringify(PRODUCT_BY_ID)},"variables":{"id":${deep}}}`,
      `{"query":"{ __typename }","variables":{"where":${deep}}}`,
      `{"query":"{ __typename }","extensions":{"where":${deep}}}`,
    ];
    for (const body of bodies) {
      stack.resetStats();
      const response = await postRaw(stack.url, body);
      expect(response.status, response.text.slice(0, 300)).toBe(400);
      expectNoLeaks(stack, response.body);
      expect(subgraphRequests(stack)).toBe(0);
    }
    await expectStillServing(stack);
  });

  it('case 36: the JSON depth check (http/body.ts) counts brackets outside strings only', () => {
    const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(jsonDepthExceeds(arrays(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonDepthExceeds(arrays(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonDepthExceeds(deepJson(MAX_JSON_DEPTH / 2))).toBe(false);
    expect(jsonDepthExceeds(`{"s":"${'['.repeat(1000)}\\"${'{'.repeat(1000)}"}`)).toBe(false);
    expect(jsonDepthExceeds(deepJson(10_000))).toBe(true);
  });

  it('case 37: envelope type tricks are 400s', async () => {
    const cases: [unknown, string][] = [
      [{ query: '{ __typename }', variables: '{"id":1}' }, 'BAD_REQUEST'],
      [{ query: '{ __typename }', variables: [1] }, 'BAD_REQUEST'],
      [{ query: '{ __typename }', variables: 1 }, 'BAD_REQUEST'],
      [{ query: '{ __typename }', extensions: '{}' }, 'BAD_REQUEST'],
      [{ query: '{ __typename }', extensions: [1] }, 'BAD_REQUEST'],
      [{ query: '{ __typename }', operationName: 5 }, 'BAD_REQUEST'],
      [{ query: '{ __typename }', operationName: { a: 1 } }, 'BAD_REQUEST'],
      [{ query: 5 }, 'BAD_REQUEST'],
      [{ query: { a: 1 } }, 'BAD_REQUEST'],
      [{ query: null }, 'BAD_REQUEST'],
      [{}, 'BAD_REQUEST'],
      ['{ __typename }', 'BAD_REQUEST'],
      [{ query: PRODUCT_BY_ID, variables: { id: true } }, 'BAD_USER_INPUT'],
      [{ query: PRODUCT_BY_ID, variables: {} }, 'BAD_USER_INPUT'],
    ];
    for (const [body, code] of cases)
      await expectRefusedBeforeSubgraphs(stack, () => postGraphQL(stack.url, body), {
        status: 400,
        code,
      }).catch((error: Error) => {
        throw new Error(`${JSON.stringify(body)}: ${error.message}`);
      });
  });

  it('case 38: prototype pollution through aliases, variables and bodies', async () => {
    const queries = [
      '{ __proto__: product(id: "p1") { id } constructor: product(id: "p2") { id } }',
      '{ products(first: 2) { __proto__: name constructor: id toString: name seller { __proto__: name hasOwnProperty: id } } }',
      '{ products(first: 2) { __proto__: name constructor: id toString: name seller { __proto__: name hasOwnProperty: id } } }',
    ];
    for (const query of queries) {
      const response = await stack.query(query);
      expect(response.status, JSON.stringify(response.body).slice(0, 300)).toBeLessThan(500);
      expectNoLeaks(stack, response.body);
    }
    const bodies = [
      '{"query":"query($__proto__: Boolean!) { product(id: \\"p1\\") { name @include(if: $__proto__) } }","variables":{"__proto__":true}}',
      '{"query":"{ __typename }","variables":{"__proto__":{"isAdmin":true}}}',
      '{"query":"{ __typename }","__proto__":{"isAdmin":true},"extensions":{"__proto__":{"isAdmin":true}}}',
      '{"query":"query($id: ID!) { product(id: $id) { id } }","variables":{"id":{"__proto__":{"isAdmin":true}}}}',
      '{"query":"{ __typename }","variables":{"constructor":{"prototype":{"isAdmin":true}}}}',
    ];
    for (const body of bodies) {
      const response = await postRaw(stack.url, body);
      expect(response.status, response.text.slice(0, 300)).toBeLessThan(500);
      // (A coercion error may quote the client's own value back; no data may carry it.)
      expect(JSON.stringify(response.body.data ?? null)).not.toContain('isAdmin');
      expectNoLeaks(stack, response.body);
    }
    // The gateway runs in this process: its prototypes are this test's prototypes.
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('isAdmin');
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('isAdmin');
    await expectStillServing(stack);
  });

  it('case 39: duplicate JSON keys and duplicate GET parameters', async () => {
    // JSON.parse keeps the last `query`: the introspection one, which must still be refused.
    const duplicate = await postRaw(
      production.url,
      '{"query":"{ __typename }","query":"{ __schema { types { name } } }"}',
    );
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(duplicate.text).not.toContain('queryType');
    for (const target of [stack, production]) {
      const get = await getGraphQL(target.url, '?query=%7B__typename%7D&query=%7B__typename%7D');
      expect(get.status).toBe(400);
      expect(get.body.errors[0].extensions.code).toBe('BAD_REQUEST');
      expectNoLeaks(target, get.body);
    }
  });
});
