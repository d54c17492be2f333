/**
 * Start-up and shutdown of the gateway as its own process (docs/security.md P 115, S 131–135):
 * `node src/main.ts` with real subgraph processes, one of them frozen (SIGSTOP) to hold a request
 * in flight for as long as the test needs.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  root,
  spawnGateway,
  spawnSubgraph,
  startGatewayOn,
  productionKeysEnv,
  writeSupergraph,
  type SubgraphProcess,
} from './helpers/processes.js';
import { postGraphQL } from '../helpers/stack.js';
import { waitFor } from '../helpers/waitFor.js';

const DEV_KEYS = path.join(root, '.dev-keys');

const SPLIT = '{ product(id: "p1") { name } user(id: "u1") { name } }';

/**
 * Waits until SPLIT's product fetch has been answered: the plan fetches product and user in
 * parallel, so the user fetch (to the frozen process) has started and the request is in flight.
 */
function productFetched(
  metric: (labels: Record<string, string>) => Promise<number>,
): Promise<true> {
  return waitFor('the product fetch answered', async () =>
    (await metric({ subgraph: 'product' })) > 0 ? true : undefined,
  );
}

let product: SubgraphProcess;
let user: SubgraphProcess;
let payment: SubgraphProcess;
let supergraphPath: string;

beforeAll(async () => {
  [product, user, payment] = await Promise.all([
    spawnSubgraph('product'),
    spawnSubgraph('user'),
    spawnSubgraph('payment'),
  ]);
  supergraphPath = writeSupergraph({ product: product.url, user: user.url, payment: payment.url });
});
afterAll(async () => {
  await Promise.all([product, user, payment].map((p) => p?.kill()));
  if (supergraphPath) fs.rmSync(path.dirname(supergraphPath), { recursive: true, force: true });
});

/** Runs the gateway process until it exits by itself; returns its exit code and stderr. */
function runToExit(env: Record<string, string>, timeoutMs = 30_000) {
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the gateway did not exit'));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('start-up with a bad supergraph', { timeout: 90_000 }, () => {
  it.each([
    ['invalid SDL', 'this is not a supergraph {'],
    ['a missing file', undefined],
  ])('fails clearly with %s and never serves', async (_name, content) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-bad-'));
    const file = path.join(dir, 'supergraph.graphql');
    if (content !== undefined) fs.writeFileSync(file, content);
    try {
      const { code, stderr } = await runToExit({ SUPERGRAPH_PATH: file });
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/gateway: failed to start/);
      expect(stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SIGTERM', { timeout: 90_000 }, () => {
  it('lets an in-flight request finish, refuses new connections, then exits 0', async () => {
    const gateway = await spawnGateway({ SUPERGRAPH_PATH: supergraphPath });
    user.freeze();
    try {
      const inFlight = postGraphQL(gateway.url, { query: SPLIT });
      await productFetched((labels) => gateway.metric('gateway_subgraph_requests_total', labels));
      gateway.child.kill('SIGTERM');
      // New connections are refused while the request is still held by the frozen subgraph.
      await waitFor('new connections refused', () =>
        fetch(`${gateway.base}/health`).then(
          () => undefined,
          () => true,
        ),
      );
      user.thaw();
      const { status, body } = await inFlight;
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data.user.name).toBeTruthy();
      expect(await gateway.exited).toEqual({ code: 0, signal: null });
    } finally {
      user.thaw();
    }
  });

  it('cuts a request that outlives SHUTDOWN_GRACE_MS and still exits 0, promptly', async () => {
    const gateway = await spawnGateway({
      SUPERGRAPH_PATH: supergraphPath,
      SHUTDOWN_GRACE_MS: '500',
    });
    user.freeze();
    try {
      const inFlight = postGraphQL(gateway.url, { query: SPLIT }).catch((error: Error) => error);
      await productFetched((labels) => gateway.metric('gateway_subgraph_requests_total', labels));
      const started = Date.now();
      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(500 + 3000);
      expect(await inFlight).toBeInstanceOf(Error); // the connection was closed under it
    } finally {
      user.thaw();
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s with no traffic exits 0 at once', async (signal) => {
    const gateway = await spawnGateway({ SUPERGRAPH_PATH: supergraphPath });
    expect((await postGraphQL(gateway.url, { query: SPLIT })).status).toBe(200);
    const started = Date.now();
    gateway.child.kill(signal);
    expect(await gateway.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

/**
 * The modes users run (vitest's own NODE_ENV=test hid Apollo Server's signal handler, which raced
 * the drain outside tests): production with explicit keys, the development keys of the repo.
 */
function modeEnv(mode: 'development' | 'production'): Record<string, string> {
  if (mode === 'development') return { NODE_ENV: 'development', DEV_KEYS_DIR: DEV_KEYS };
  return { NODE_ENV: 'production', ...productionKeysEnv() };
}

describe.each(['development', 'production'] as const)(
  'SIGTERM in %s',
  { timeout: 90_000 },
  (mode) => {
    it('with no traffic exits 0 at once, its pools closed', async () => {
      const gateway = await spawnGateway({
        SUPERGRAPH_PATH: supergraphPath,
        ...modeEnv(mode),
      });
      expect((await postGraphQL(gateway.url, { query: SPLIT })).status).toBe(200);
      const started = Date.now();
      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('serves requests during SHUTDOWN_DELAY_MS with /ready 503, lets in-flight ones finish, exits 0', async () => {
      const gateway = await spawnGateway({
        SUPERGRAPH_PATH: supergraphPath,
        SHUTDOWN_DELAY_MS: '3000',
        ...modeEnv(mode),
      });
      user.freeze();
      try {
        const inFlight = postGraphQL(gateway.url, { query: SPLIT });
        gateway.child.kill('SIGTERM');
        await expect.poll(async () => (await fetch(`${gateway.base}/ready`)).status).toBe(503);
        const during = await postGraphQL(gateway.url, { query: '{ product(id: "p2") { name } }' });
        expect(during.status).toBe(200);
        expect(during.body.data.product.name).toBeTruthy();
        user.thaw();
        const { status, body } = await inFlight;
        expect(status).toBe(200);
        expect(body.data.user.name).toBeTruthy();
        expect(await gateway.exited).toEqual({ code: 0, signal: null });
      } finally {
        user.thaw();
      }
    });
  },
);

describe('/ready while draining', { timeout: 90_000 }, () => {
  it('fails readiness during SHUTDOWN_DELAY_MS while still serving, then refuses connections', async () => {
    const gw = await startGatewayOn(
      { product: product.url, user: user.url, payment: payment.url },
      { SHUTDOWN_DELAY_MS: '1500' },
    );
    expect((await fetch(`${gw.base}/ready`)).status).toBe(200);
    const stopped = gw.stop();
    const ready = await fetch(`${gw.base}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ reason: 'draining' });
    const { status, headers, body } = await gw.query(SPLIT);
    expect(status).toBe(200);
    expect(body.data.user.name).toBeTruthy();
    expect(headers.get('connection')).toBe('close');
    await stopped;
    await expect(fetch(`${gw.base}/health`)).rejects.toThrow();
  });

  it('a pipelined request behind the last response does not hold the drain', async () => {
    const gw = await startGatewayOn({ product: product.url, user: user.url, payment: payment.url });
    user.freeze();
    const { port } = new URL(gw.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString()));
    try {
      const body = JSON.stringify({ query: SPLIT });
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
          'GET /ready HTTP/1.1\r\nHost: gw\r\n\r\n',
      );
      await productFetched((labels) => gw.metric('gateway_subgraph_requests_total', labels));
      const started = Date.now();
      const stopped = gw.stop();
      await waitFor('the drain started', () =>
        fetch(`${gw.base}/ready`).then(
          (r) => (r.status === 200 ? undefined : true),
          () => true,
        ),
      );
      user.thaw();
      await stopped;
      // The default grace is 10 s; the drain ends with the in-flight query, not the grace.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(received).toMatch(/^HTTP\/1\.1 200/);
      expect(received).toMatch(/connection: close/i);
    } finally {
      user.thaw();
      socket.destroy();
    }
  });
});
