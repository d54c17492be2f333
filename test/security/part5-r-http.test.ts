/**
 * docs/security.md Part 5, R: the HTTP layer (cases 124–130), over raw sockets against the real
 * gateway. The slow-client cases wait for the real timeouts (headers 10 s, request 15 s) and run
 * concurrently to keep the file's wall time near 16 s.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpServerOptions, MAX_HEADER_COUNT } from '../../src/http/hardening.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { expectStillServing } from './helpers.js';

let stack: Stack;
let port: number;

beforeAll(async () => {
  stack = await startStack({ env: { RATE_LIMIT_CAPACITY: '1000000' } });
  port = Number(new URL(stack.url).port);
});
afterAll(async () => {
  await stack?.stop();
});

/** Sends raw bytes (all at once, or one string per `intervalMs`) and collects until close. */
function raw(
  parts: string | string[],
  waitMs = 2000,
  intervalMs = 0,
): Promise<{ text: string; closed: boolean; afterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let ticker: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      clearInterval(ticker);
      resolve({ text, closed, afterMs: Date.now() - started });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      finish(false);
    }, waitMs);
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    const queue = typeof parts === 'string' ? [parts] : [...parts];
    socket.write(queue.shift()!);
    if (queue.length > 0)
      ticker = setInterval(() => {
        const next = queue.shift();
        if (next === undefined) return clearInterval(ticker);
        if (!socket.destroyed) socket.write(next);
      }, intervalMs);
  });
}

const headerLines = (count: number) =>
  `GET /health HTTP/1.1\r\nHost: gw\r\n${Array.from({ length: count - 2 }, (_, i) => `x-h${i}: v\r\n`).join('')}Connection: close\r\n\r\n`;

const QUERY = JSON.stringify({ query: '{ product(id: "p1") { name } }' });

describe('R. HTTP layer', { timeout: 40_000 }, () => {
  it('case 124: 100 header lines are served, 101 get 431; headers over 16 KiB get 431', async () => {
    expect(MAX_HEADER_COUNT).toBe(100);
    expect((await raw(headerLines(100))).text).toMatch(/^HTTP\/1\.1 200/);
    expect((await raw(headerLines(101))).text).toMatch(/^HTTP\/1\.1 431/);
    const big = await raw(
      `GET /health HTTP/1.1\r\nHost: gw\r\nx-big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
    );
    expect(big.text).toMatch(/^HTTP\/1\.1 431/);
    await expectStillServing(stack);
  });

  it.concurrent(
    'case 125: slowloris sockets are closed at headersTimeout; others served',
    async () => {
      expect(httpServerOptions().headersTimeout).toBe(10_000);
      // 50 sockets (not 1,000: the test machine is shared) sending one header byte every 2 s.
      const header = 'GET /health HTTP/1.1\r\nHost: gw\r\nx-slow: ' + 'a'.repeat(20);
      const slow = Array.from({ length: 50 }, () => raw(header.split(''), 25_000, 2000));
      const started = Date.now();
      for (let i = 0; i < 5; i += 1) {
        const t = Date.now();
        await expectStillServing(stack);
        expect(Date.now() - t).toBeLessThan(2000);
        await new Promise((r) => setTimeout(r, 500));
      }
      const results = await Promise.all(slow);
      for (const r of results) {
        expect(r.closed).toBe(true);
        expect(r.afterMs).toBeLessThan(10_000 + 4000);
      }
      expect(Date.now() - started).toBeLessThan(20_000);
    },
  );

  it.concurrent('case 126: a slow body (R.U.D.Y.) gets 408 at requestTimeout', async () => {
    expect(httpServerOptions().requestTimeout).toBe(15_000);
    const head =
      'POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n';
    const result = await raw(
      [head, ...Array.from({ length: 30 }, () => 'aaaaaaaaaa')],
      25_000,
      1000,
    );
    expect(result.closed).toBe(true);
    expect(result.text).toMatch(/^HTTP\/1\.1 408/);
    expect(result.afterMs).toBeLessThan(15_000 + 4000);
  });

  it.concurrent(
    'case 127: keepAliveTimeout above the balancer idle timeout; an idle keep-alive socket is reused',
    async () => {
      const options = httpServerOptions();
      // deploy/nginx.conf keeps idle upstream connections 55 s; AWS ALB 60 s.
      expect(options.keepAliveTimeout).toBeGreaterThan(60_000);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const get = () =>
        new Promise<{ status: number; socket: net.Socket }>((resolve, reject) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port,
              path: '/graphql',
              method: 'POST',
              agent,
              headers: { 'content-type': 'application/json' },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve({ status: res.statusCode ?? 0, socket: req.socket! }));
            },
          );
          req.on('error', reject);
          req.end(QUERY);
        });
      try {
        const first = await get();
        // Idle longer than headersTimeout (10 s): the socket must still be usable, no reset.
        await new Promise((r) => setTimeout(r, 11_000));
        const second = await get();
        expect([first.status, second.status]).toEqual([200, 200]);
        expect(second.socket).toBe(first.socket);
      } finally {
        agent.destroy();
      }
    },
  );

  it('case 128: request smuggling: CL+TE, two Content-Lengths, obs-fold: 400 and closed', async () => {
    const requests = [
      'POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      `POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${QUERY.length}\r\nContent-Length: 3\r\n\r\n${QUERY}`,
      `POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nX-A: a\r\n  folded\r\nContent-Length: ${QUERY.length}\r\n\r\n${QUERY}`,
    ];
    for (const request of requests) {
      const { text, closed } = await raw(request);
      expect(text, request).toMatch(/^HTTP\/1\.1 400/);
      expect(closed).toBe(true);
    }
    await expectStillServing(stack);
  });

  it('case 130: above MAX_IN_FLIGHT: a fast 503 with Retry-After, readiness unready, then recovery', async () => {
    const small = await startStack({ env: { MAX_IN_FLIGHT: '2', RATE_LIMIT_CAPACITY: '1000000' } });
    const base = small.url.replace(/\/graphql$/, '');
    try {
      const query = '{ products(first: 5) { name seller { name } } }';
      const timed = async () => {
        const started = Date.now();
        const r = await small.query(query);
        return { ...r, ms: Date.now() - started };
      };
      const burst = await Promise.all(Array.from({ length: 40 }, timed));
      const shed = burst.filter((r) => r.status === 503);
      expect(shed.length).toBeGreaterThan(0);
      expect(burst.filter((r) => r.status !== 503 && r.status !== 200)).toEqual([]);
      for (const r of shed) {
        expect(r.headers.get('retry-after')).toBe('1');
        expect(r.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
        expect(r.ms).toBeLessThan(2000);
      }
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ reason: 'overloaded' });
      await expect
        .poll(async () => (await fetch(`${base}/ready`)).status, { timeout: 10_000, interval: 500 })
        .toBe(200);
      expect((await small.query(query)).status).toBe(200);
    } finally {
      await small.stop();
    }
  });

  it('case 129: 1,000 idle connections: new requests still served, memory bounded', async () => {
    const before = process.memoryUsage().rss;
    const sockets = await Promise.all(
      Array.from(
        { length: 1000 },
        () =>
          new Promise<net.Socket>((resolve) => {
            const s = net.connect(port, '127.0.0.1', () => resolve(s));
            s.on('error', () => resolve(s));
          }),
      ),
    );
    try {
      const t = Date.now();
      await expectStillServing(stack);
      expect(Date.now() - t).toBeLessThan(3000);
      expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});
