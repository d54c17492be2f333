/**
 * docs/security.md Part 4, N: subgraph faults (cases 92–103). Real subgraph processes for the
 * faults a real subgraph can have (killed: ECONNREFUSED; SIGSTOP: hung or slow). A fake HTTP server
 * (test/operations/helpers/fakeSubgraph.ts) stands in for the user subgraph only for answers a real
 * subgraph cannot produce: HTML, garbage JSON, gzip bombs, wrong `_entities`, hostile error paths,
 * 429/Retry-After, closed or reset connections, a self-signed certificate.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { SubgraphClient } from '../../src/subgraphClient/subgraphClient.js';
import {
  startFakeSubgraph,
  type FakeAnswer,
  type FakeRequest,
  type FakeSubgraph,
} from '../operations/helpers/fakeSubgraph.js';
import {
  spawnSubgraph,
  startGatewayOn,
  type SubgraphProcess,
  type TestGateway,
} from '../operations/helpers/processes.js';
import { startFakeUserSubgraph } from './helpers.js';

const SPLIT = '{ product(id: "p1") { name } user(id: "u1") { name } }';
const ENTITIES = '{ products(first: 3) { name seller { name } } }';
const SECRET = 'internal-db-7.corp:5432';

let product: SubgraphProcess;
let user: SubgraphProcess;
let payment: SubgraphProcess;
const urls = () => ({ product: product.url, user: user.url, payment: payment.url });

beforeAll(async () => {
  [product, user, payment] = await Promise.all([
    spawnSubgraph('product'),
    spawnSubgraph('user'),
    spawnSubgraph('payment'),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([product, user, payment].map((p) => p?.kill()));
});

/** A gateway without the per-field cache (it would hide the fault) over the real subgraphs. */
async function withGateway(
  env: Record<string, string>,
  run: (gw: TestGateway) => Promise<void>,
  userUrl?: string,
): Promise<void> {
  const gw = await startGatewayOn(
    { ...urls(), ...(userUrl ? { user: userUrl } : {}) },
    { CACHE_ENABLED: 'false', ...env },
  );
  try {
    await run(gw);
  } finally {
    await gw.stop();
  }
}

/** Nothing internal in a client response: subgraph addresses, traces, echoed subgraph bodies. */
function expectNoLeak(body: unknown, ...addresses: string[]): void {
  const text = JSON.stringify(body);
  for (const address of [...addresses, SECRET]) expect(text).not.toContain(address);
  expect(text).not.toMatch(
    /stacktrace|ECONNREFUSED|Expected JSON response body|Expected "data\._entities"|<html|RangeError/i,
  );
}

async function expectStillServing(gw: TestGateway): Promise<void> {
  const { status, body } = await gw.query('{ product(id: "p1") { name } }');
  expect(status).toBe(200);
  expect(body.data.product.name).toBeTruthy();
}

/** Sellers (user subgraph, via a fake) failed: products intact, one masked error per fetch. */
async function expectSellersFailed(gw: TestGateway, fake: FakeSubgraph): Promise<void> {
  const { status, body } = await gw.query(ENTITIES);
  expect(status).toBe(200);
  expect(body.data.products).toHaveLength(3);
  for (const p of body.data.products) {
    expect(p.name).toBeTruthy();
    expect(p.seller).toBeNull();
  }
  expect(body.errors.length).toBeGreaterThanOrEqual(1);
  for (const error of body.errors) {
    expect(error.extensions.serviceName).toBe('user');
    expect(['DOWNSTREAM_SERVICE_ERROR', 'SUBGRAPH_UNAVAILABLE', 'SUBGRAPH_TIMEOUT']).toContain(
      error.extensions.code,
    );
    if (error.path) expect(error.path).toEqual(['products', error.path[1], 'seller']);
  }
  expectNoLeak(body, new URL(fake.url).host);
  await expectStillServing(gw);
}

/** Runs `check` against a gateway whose user subgraph is a fake answering with `answer`. */
async function withFakeUser(
  answer: (request: FakeRequest, index: number) => FakeAnswer | 'forward',
  check: (gw: TestGateway, fake: FakeSubgraph) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const fake = await startFakeSubgraph(answer, user.url);
  try {
    await withGateway(
      { SUBGRAPH_MAX_RETRIES: '0', CIRCUIT_BREAKER_WINDOW: '10000', ...env },
      (gw) => check(gw, fake),
      fake.url,
    );
  } finally {
    await fake.close();
  }
}

const entitiesOf = (request: FakeRequest) =>
  (request.variables?.representations as unknown[] | undefined) ?? [];

describe('N. subgraph faults', { timeout: 60_000 }, () => {
  it('case 92: one of two subgraphs down (ECONNREFUSED): 200, healthy data, one masked error', async () => {
    await withGateway({ CIRCUIT_BREAKER_WINDOW: '1000', SUBGRAPH_MAX_RETRIES: '0' }, async (gw) => {
      await user.kill();
      try {
        const { status, body } = await gw.query(SPLIT);
        expect(status).toBe(200);
        expect(body.data.product.name).toBeTruthy();
        expect(body.data.user).toBeNull();
        expect(body.errors).toHaveLength(1);
        expect(body.errors[0].path).toEqual(['user']);
        expect(body.errors[0].extensions.serviceName).toBe('user');
        expect(['DOWNSTREAM_SERVICE_ERROR', 'SUBGRAPH_UNAVAILABLE']).toContain(
          body.errors[0].extensions.code,
        );
        expectNoLeak(body, `127.0.0.1:${user.port}`);
      } finally {
        await user.restart();
      }
      await expect
        .poll(async () => (await gw.query(SPLIT)).body.errors as unknown, { timeout: 10_000 })
        .toBeUndefined();
    });
  });

  it('case 93: slow subgraph: partial data at the subgraph timeout, 504 at the overall deadline', async () => {
    await withGateway(
      { SUBGRAPH_TIMEOUT_MS: '800', REQUEST_TIMEOUT_MS: '20000', CIRCUIT_BREAKER_WINDOW: '1000' },
      async (gw) => {
        user.freeze();
        try {
          const started = Date.now();
          const { status, body } = await gw.query(SPLIT);
          expect(Date.now() - started).toBeLessThan(800 + 6000);
          expect(status).toBe(200);
          expect(body.data.product.name).toBeTruthy();
          expect(body.data.user).toBeNull();
          expect(body.errors[0].extensions).toMatchObject({
            code: 'SUBGRAPH_TIMEOUT',
            serviceName: 'user',
          });
          expectNoLeak(body, `127.0.0.1:${user.port}`);
        } finally {
          user.thaw();
        }
      },
    );
    await withGateway({ REQUEST_TIMEOUT_MS: '1000', SUBGRAPH_TIMEOUT_MS: '20000' }, async (gw) => {
      user.freeze();
      try {
        const started = Date.now();
        const { status, body } = await gw.query(SPLIT);
        expect(Date.now() - started).toBeLessThan(1000 + 6000);
        expect(status).toBe(504);
        expect(body.errors[0].extensions.code).toBe('GATEWAY_TIMEOUT');
        expectNoLeak(body, `127.0.0.1:${user.port}`);
      } finally {
        user.thaw();
      }
      await expectStillServing(gw);
    });
  });

  it('case 94: garbage 200 / 502 HTML / non-object JSON: one masked error, no body echoed (fake)', async () => {
    const answers: FakeAnswer[] = [
      { status: 502, headers: { 'content-type': 'text/html' }, body: `<html>${SECRET}</html>` },
      { headers: { 'content-type': 'text/plain' }, body: `oops ${SECRET}` },
      { body: '[]' },
      { body: JSON.stringify(SECRET) },
      { body: 'null' },
    ];
    let current = answers[0]!;
    await withFakeUser(
      () => current,
      async (gw, fake) => {
        for (const answer of answers) {
          current = answer;
          await expectSellersFailed(gw, fake);
        }
      },
    );
  });

  it('case 95: invalid JSON, a body cut mid-way, a gzip bomb: an error for that fetch, no crash (fake)', async () => {
    // 10 MB of zeros compressed to ~10 KB; the 10 MiB response cap stops the expansion.
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)).toString('latin1');
    const answers: FakeAnswer[] = [
      { body: `{"data": {"_entities": [${SECRET}` },
      // Declares 100 kB, sends 24 bytes: the fetch ends at the subgraph timeout.
      { headers: { 'content-length': '100000' }, body: '{"data": {"_entities": [' },
      { headers: { 'content-encoding': 'gzip' }, body: bomb },
    ];
    let current = answers[0]!;
    const heapBefore = process.memoryUsage().rss;
    await withFakeUser(
      () => current,
      async (gw, fake) => {
        for (const answer of answers) {
          current = answer;
          await expectSellersFailed(gw, fake);
        }
      },
      { SUBGRAPH_TIMEOUT_MS: '1500' },
    );
    // Coarse: nothing near the 64 MiB the bomb expands to is held (tests share the machine).
    expect(process.memoryUsage().rss - heapBefore).toBeLessThan(256 * 1024 * 1024);
  });

  it('case 96: a huge valid response (over the 10 MiB cap) is refused, memory bounded (fake)', async () => {
    const huge = JSON.stringify({ data: { _entities: [{ name: 'x'.repeat(24 * 1024 * 1024) }] } });
    const before = process.memoryUsage().rss;
    await withFakeUser(() => ({ body: huge }), expectSellersFailed);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('case 97: 3,000 levels of nested response JSON: no stack overflow, the gateway keeps serving (fake)', async () => {
    const deep = '['.repeat(3_000) + ']'.repeat(3_000);
    await withFakeUser(
      (request) => ({
        body: `{"data":{"_entities":[${entitiesOf(request)
          .map(() => `{"__typename":"User","name":${deep}}`)
          .join(',')}]}}`,
      }),
      async (gw, fake) => {
        const { status, body } = await gw.query(ENTITIES);
        expect(status).toBe(200);
        expect(body.data.products).toHaveLength(3);
        for (const p of body.data.products) expect(p.name).toBeTruthy();
        expectNoLeak(body, new URL(fake.url).host);
        await expectStillServing(gw);
      },
    );
  });

  it('case 98: entity contract violations: an error at the affected path only, other data intact (fake)', async () => {
    const variants: ((n: number) => unknown)[] = [
      (n) => Array.from({ length: n - 1 }, () => ({ __typename: 'User', name: 'x' })), // too few
      (n) => Array.from({ length: n + 2 }, () => ({ __typename: 'User', name: 'x' })), // too many
    ];
    let variant = variants[0]!;
    await withFakeUser(
      (request) => ({
        body: JSON.stringify({ data: { _entities: variant(entitiesOf(request).length) } }),
      }),
      async (gw, fake) => {
        for (const v of variants) {
          variant = v;
          await expectSellersFailed(gw, fake);
        }
      },
    );
    // Null items, items without __typename, wrong scalar types: no 5xx, products intact.
    const odd: ((i: number) => unknown)[] = [
      () => null,
      () => ({ name: 'no typename' }),
      () => ({ __typename: 'User', name: { not: 'a string' } }),
    ];
    let item = odd[0]!;
    await withFakeUser(
      (request) => ({
        body: JSON.stringify({ data: { _entities: entitiesOf(request).map((_, i) => item(i)) } }),
      }),
      async (gw, fake) => {
        for (const f of odd) {
          item = f;
          const { status, body } = await gw.query(ENTITIES);
          expect(status).toBe(200);
          expect(body.data.products).toHaveLength(3);
          for (const p of body.data.products) expect(p.name).toBeTruthy();
          expectNoLeak(body, new URL(fake.url).host);
        }
      },
    );
  });

  it('case 99: hostile error paths (`__proto__`, out of range) are mapped without prototype reads (fake)', async () => {
    await withFakeUser(
      (request) => ({
        body: JSON.stringify({
          data: { _entities: entitiesOf(request).map(() => ({ __typename: 'User', name: 'ok' })) },
          errors: [
            { message: 'odd', path: ['_entities', 99, '__proto__'] },
            { message: 'odd', path: ['constructor', 'prototype', 'polluted'] },
          ],
        }),
      }),
      async (gw) => {
        const { status, body } = await gw.query(ENTITIES);
        expect(status).toBe(200);
        expect(body.data.products[0].seller.name).toBe('ok');
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(({} as Record<string, unknown>).odd).toBeUndefined();
        await expectStillServing(gw);
      },
    );
  });

  it('case 100: 429 + Retry-After: queries retried honouring it; mutations never retried (fake)', async () => {
    await withFakeUser(
      (_r, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: '' } : 'forward'),
      async (gw, fake) => {
        const started = Date.now();
        const { status, body } = await gw.query(ENTITIES);
        expect(Date.now() - started).toBeGreaterThanOrEqual(900);
        expect(status).toBe(200);
        expect(body.errors).toBeUndefined();
        expect(body.data.products[0].seller.name).toBeTruthy();
        expect(fake.requests).toHaveLength(2);
      },
      { SUBGRAPH_MAX_RETRIES: '2' },
    );
    const fake = await startFakeSubgraph(() => ({
      status: 429,
      headers: { 'retry-after': '0' },
      body: '',
    }));
    const client = new SubgraphClient({
      name: 'payment',
      url: fake.url,
      timeoutMs: 5000,
      connections: 2,
      metrics: createMetrics({ processMetrics: false }),
      maxRetries: 2,
    });
    try {
      const mutation = await client.send(
        {
          query: '# c\n mutation M { createPayment(productId: "p1") { id } }',
          variables: {},
          operationName: 'M',
        },
        undefined,
      );
      expect(mutation.errors?.[0]?.extensions?.code).toBeTruthy();
      expect(fake.requests).toHaveLength(1);
      await client.send(
        { query: '{ __typename }', variables: {}, operationName: undefined },
        undefined,
      );
      expect(fake.requests).toHaveLength(1 + 3); // a query: 1 + maxRetries
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it('case 101: connection churn (close after every response, resets): sockets return to baseline (fake)', async () => {
    // The fake closes every keep-alive socket after its response (`Connection: close`).
    const churn = await startFakeSubgraph((request) => ({
      headers: { connection: 'close' },
      body: JSON.stringify({
        data: { _entities: entitiesOf(request).map(() => ({ __typename: 'User', name: 'u' })) },
      }),
    }));
    const sockets = () =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    // why no deduplication: each request should churn a subgraph connection of its own; and the
    // count includes this test's own client sockets, which stay ref'd more often when responses
    // finish at the same moment (as they do when requests share one fetch).
    const noDedup = { SUBGRAPH_DEDUP: 'false' };
    try {
      await withGateway(
        { SUBGRAPH_MAX_RETRIES: '0', ...noDedup },
        async (gw) => {
          // Warm up: the test's own keep-alive sockets to the gateway are part of the baseline.
          await Promise.all(Array.from({ length: 10 }, () => gw.query(ENTITIES)));
          const baseline = sockets();
          for (let round = 0; round < 20; round += 1) {
            const answers = await Promise.all(Array.from({ length: 10 }, () => gw.query(ENTITIES)));
            for (const a of answers) expect(a.status).toBe(200);
          }
          await expect.poll(sockets, { timeout: 10_000 }).toBeLessThanOrEqual(baseline + 2);
        },
        churn.url,
      );
    } finally {
      await churn.close();
    }
    // The fake resets every connection (RST before answering).
    const resetting = await startFakeUserSubgraph();
    resetting.mode = 'reset';
    try {
      await withGateway(
        { SUBGRAPH_MAX_RETRIES: '0', CIRCUIT_BREAKER_WINDOW: '10000', ...noDedup },
        async (gw) => {
          await Promise.all(Array.from({ length: 10 }, () => gw.query(ENTITIES)));
          const baseline = sockets();
          for (let round = 0; round < 10; round += 1) {
            const answers = await Promise.all(Array.from({ length: 10 }, () => gw.query(ENTITIES)));
            for (const a of answers) {
              expect(a.status).toBe(200);
              expect(a.body.data.products).toHaveLength(3);
            }
          }
          await expect.poll(sockets, { timeout: 10_000 }).toBeLessThanOrEqual(baseline + 2);
        },
        resetting.url,
      );
    } finally {
      await resetting.close();
    }
  });

  it('case 102: circuit breaker opens, fails fast, half-opens, closes; others unaffected', async () => {
    const env = {
      SUBGRAPH_TIMEOUT_MS: '1500',
      SUBGRAPH_MAX_RETRIES: '0',
      CIRCUIT_BREAKER_WINDOW: '4',
      CIRCUIT_BREAKER_HALF_OPEN_MS: '1000',
    };
    await withGateway(env, async (gw) => {
      const open = () => gw.metric('gateway_subgraph_circuit_open', { subgraph: 'user' });
      user.freeze();
      try {
        for (let i = 0; i < 2; i += 1) await gw.query(SPLIT);
        expect(await open()).toBe(1);
        const started = Date.now();
        const { status, body } = await gw.query(SPLIT);
        expect(Date.now() - started).toBeLessThan(1000); // fail fast (coarse bound on 2 cores)
        expect(status).toBe(200);
        expect(body.data.product.name).toBeTruthy();
        expect(body.errors[0].extensions).toMatchObject({
          code: 'SUBGRAPH_UNAVAILABLE',
          serviceName: 'user',
        });
        expectNoLeak(body, `127.0.0.1:${user.port}`);
      } finally {
        user.thaw();
      }
      // After the cool-off a probe closes the circuit; until then each query fails fast.
      await expect
        .poll(async () => (await gw.query(SPLIT)).body.errors as unknown, { timeout: 30_000 })
        .toBeUndefined();
      expect(await open()).toBe(0);
    });
  });

  it('case 103: a self-signed subgraph certificate fails closed; certificate checks cannot be turned off', async () => {
    expect(() => loadConfig({ NODE_TLS_REJECT_UNAUTHORIZED: '0' })).toThrow(
      /NODE_TLS_REJECT_UNAUTHORIZED/,
    );
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).not.toBe('0');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    let reached = 0;
    const server = https.createServer(
      {
        key: fs.readFileSync(path.join(dir, 'key.pem')),
        cert: fs.readFileSync(path.join(dir, 'cert.pem')),
      },
      (_req, res) => {
        reached += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { user: { name: 'spoofed' } } }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await withGateway(
        { SUBGRAPH_MAX_RETRIES: '0' },
        async (gw) => {
          const { status, body } = await gw.query(SPLIT);
          expect(status).toBe(200);
          expect(body.data.product.name).toBeTruthy();
          expect(body.data.user).toBeNull();
          expect(body.errors[0].extensions.serviceName).toBe('user');
          expect(JSON.stringify(body)).not.toContain('spoofed');
          expectNoLeak(body, `127.0.0.1:${port}`);
          expect(reached).toBe(0);
        },
        `https://127.0.0.1:${port}/graphql`,
      );
    } finally {
      server.closeAllConnections();
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
