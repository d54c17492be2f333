/**
 * Subgraph faults over real processes (docs/security.md N, cases 92, 93, 102): each subgraph runs as its own
 * `node subgraphs/main.ts` process, killed with SIGKILL or frozen with SIGSTOP for real. Each case
 * asserts what a client sees and that the gateway keeps serving afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  spawnSubgraph,
  startGatewayOn,
  type SubgraphProcess,
  type TestGateway,
} from './helpers/processes.js';
import { waitFor } from '../helpers/waitFor.js';

/** Two root fields on two subgraphs, both nullable: one failing leaves the other's data. */
const SPLIT = '{ product(id: "p1") { name } user(id: "u1") { name } }';
/** Products from `product`, sellers as entities from `user` (nullable). */
const ENTITIES = '{ products(first: 3) { name seller { name } } }';

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
});
afterAll(async () => {
  await Promise.all([product, user, payment].map((p) => p?.kill()));
});

async function withGateway(env: Record<string, string>, run: (gw: TestGateway) => Promise<void>) {
  // why: the per-field cache would answer from memory what the faulty subgraph served before and
  // hide the fault; these tests are about the fetches themselves.
  const gw = await startGatewayOn(urls(), { CACHE_ENABLED: 'false', ...env });
  try {
    await run(gw);
  } finally {
    await gw.stop();
  }
}

/** The client's view of a healthy answer to SPLIT. */
async function expectHealthy(gw: TestGateway) {
  const { status, body } = await gw.query(SPLIT);
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  expect(body.data.user.name).toBeTruthy();
  expect(body.extensions?.degradedSubgraphs).toBeUndefined();
}

function expectNoLeak(body: unknown, subgraph: SubgraphProcess) {
  const text = JSON.stringify(body);
  expect(text).not.toContain(String(subgraph.port));
  expect(text).not.toContain('127.0.0.1');
  expect(text).not.toMatch(/stacktrace|ECONNREFUSED/);
}

describe('a killed subgraph', () => {
  it('leaves partial data with an error at its paths, then recovers when it is back', async () => {
    await withGateway({ CIRCUIT_BREAKER_WINDOW: '1000' }, async (gw) => {
      await expectHealthy(gw);
      await user.kill();
      try {
        const split = await gw.query(SPLIT);
        expect(split.status).toBe(200);
        expect(split.body.data.product.name).toBeTruthy();
        expect(split.body.data.user).toBeNull();
        expect(split.body.errors).toHaveLength(1);
        expect(split.body.errors[0].path).toEqual(['user']);
        expect(split.body.errors[0].extensions).toMatchObject({
          code: 'SUBGRAPH_UNAVAILABLE',
          serviceName: 'user',
        });
        expect(split.body.extensions.degradedSubgraphs).toEqual(['user']);
        expectNoLeak(split.body, user);

        const entities = await gw.query(ENTITIES);
        expect(entities.status).toBe(200);
        expect(entities.body.data.products).toHaveLength(3);
        for (const p of entities.body.data.products) {
          expect(p.name).toBeTruthy();
          expect(p.seller).toBeNull();
        }
        expect(entities.body.errors[0].extensions.serviceName).toBe('user');
        // Queries are retried before giving up (2 retries by default).
        expect(
          await gw.metric('gateway_subgraph_retries_total', { subgraph: 'user' }),
        ).toBeGreaterThanOrEqual(2);
      } finally {
        await user.restart();
      }
      await expectHealthy(gw);
    });
  });
});

describe('a hung subgraph (SIGSTOP)', () => {
  it('is answered at the subgraph timeout with partial data, and the gateway keeps serving', async () => {
    await withGateway(
      { SUBGRAPH_TIMEOUT_MS: '1000', CIRCUIT_BREAKER_WINDOW: '1000' },
      async (gw) => {
        user.freeze();
        try {
          const started = Date.now();
          const { status, body } = await gw.query(SPLIT);
          expect(Date.now() - started).toBeLessThan(1000 + 5000);
          expect(status).toBe(200);
          expect(body.data.product.name).toBeTruthy();
          expect(body.data.user).toBeNull();
          expect(body.errors[0].extensions).toMatchObject({
            code: 'SUBGRAPH_TIMEOUT',
            serviceName: 'user',
          });
          expect(body.extensions.degradedSubgraphs).toEqual(['user']);
          expectNoLeak(body, user);
        } finally {
          user.thaw();
        }
        await expectHealthy(gw);
      },
    );
  });

  it('a slow subgraph that answers within the timeout gives full data', async () => {
    await withGateway({ SUBGRAPH_TIMEOUT_MS: '10000' }, async (gw) => {
      user.freeze();
      const thaw = setTimeout(() => user.thaw(), 500);
      try {
        const started = Date.now();
        await expectHealthy(gw);
        expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      } finally {
        clearTimeout(thaw);
        user.thaw();
      }
    });
  });

  it('past the overall deadline the client gets 504 GATEWAY_TIMEOUT', async () => {
    const env = { REQUEST_TIMEOUT_MS: '1500', SUBGRAPH_TIMEOUT_MS: '20000' };
    await withGateway(env, async (gw) => {
      user.freeze();
      try {
        const started = Date.now();
        const { status, body } = await gw.query(SPLIT, { operationName: undefined });
        expect(Date.now() - started).toBeLessThan(1500 + 5000);
        expect(status).toBe(504);
        expect(body.errors[0].extensions.code).toBe('GATEWAY_TIMEOUT');
        expectNoLeak(body, user);
        // The abandoned fetch is aborted at once, so the request is counted as timed out.
        await expect
          .poll(() => gw.metric('gateway_requests_total', { code: 'GATEWAY_TIMEOUT' }), {
            timeout: 5000,
          })
          .toBe(1);
      } finally {
        user.thaw();
      }
      await expectHealthy(gw);
    });
  });
});

describe('the circuit breaker', () => {
  it('opens on a failing subgraph, fails fast while open, and closes after a successful probe', async () => {
    const env = {
      SUBGRAPH_TIMEOUT_MS: '3000',
      SUBGRAPH_MAX_RETRIES: '0',
      CIRCUIT_BREAKER_WINDOW: '4',
      CIRCUIT_BREAKER_HALF_OPEN_MS: '1500',
    };
    await withGateway(env, async (gw) => {
      const open = () => gw.metric('gateway_subgraph_circuit_open', { subgraph: 'user' });
      await expectHealthy(gw);
      user.freeze();
      try {
        // Two timeouts in a window of 4 (at least 2 calls, half failing) open the circuit.
        for (let i = 0; i < 2; i += 1) {
          const { body } = await gw.query(SPLIT);
          expect(body.errors[0].extensions.code).toBe('SUBGRAPH_TIMEOUT');
        }
        expect(await open()).toBe(1);

        const started = Date.now();
        const { status, body } = await gw.query(SPLIT);
        // Fail fast: well under the 3 s the hung subgraph would cost.
        expect(Date.now() - started).toBeLessThan(2000);
        expect(status).toBe(200);
        expect(body.data.product.name).toBeTruthy(); // other subgraphs unaffected
        expect(body.data.user).toBeNull();
        expect(body.errors[0].extensions).toMatchObject({
          code: 'SUBGRAPH_UNAVAILABLE',
          serviceName: 'user',
        });
        expect(body.extensions.degradedSubgraphs).toEqual(['user']);
        expect(
          await gw.metric('gateway_subgraph_requests_total', {
            subgraph: 'user',
            outcome: 'circuit_open',
          }),
        ).toBe(1);
      } finally {
        user.thaw();
      }
      // After the cool-off one probe is let through; it succeeds and closes the circuit. Until
      // then every query fails fast, so polling adds nothing the breaker counts.
      await waitFor('the circuit closed by a probe', async () =>
        (await gw.query(SPLIT)).body.errors === undefined ? true : undefined,
      );
      await expectHealthy(gw);
      expect(await open()).toBe(0);
      await expectHealthy(gw);
    });
  });
});
