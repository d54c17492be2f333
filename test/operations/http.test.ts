/**
 * The HTTP front and the metrics an operator relies on (docs/security.md R, cases 124–126, 128; docs/architecture.md
 * `/metrics`). Raw sockets where the exact bytes matter (header counts, smuggling, slow clients).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_LABEL_MIN_COUNT } from '../../src/observability/operationLabels.js';
import { scrapeMetrics, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let port: number;

beforeAll(async () => {
  stack = await startStack();
  port = Number(new URL(stack.url).port);
});
afterAll(async () => {
  await stack?.stop();
});

/** Sends raw bytes, then collects everything until the server closes or `waitMs` passes. */
function raw(bytes: string, waitMs = 2000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

/** A GET /health with exactly `count` header lines (Host included). */
const withHeaders = (count: number) =>
  `GET /health HTTP/1.1\r\nHost: gw\r\n${Array.from({ length: count - 1 }, (_, i) => `x-h${i}: v\r\n`).join('')}Connection: close\r\n\r\n`;

describe('header limits', () => {
  it('serves 100 header lines and answers 431 to 101', async () => {
    expect((await raw(withHeaders(99))).text).toMatch(/^HTTP\/1\.1 200/); // + Connection = 100
    expect((await raw(withHeaders(100))).text).toMatch(/^HTTP\/1\.1 431/);
  });

  it('answers 431 to headers over 16 KiB', async () => {
    const { text } = await raw(
      `GET /health HTTP/1.1\r\nHost: gw\r\nx-big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
    );
    expect(text).toMatch(/^HTTP\/1\.1 431/);
  });

  it('refuses an ambiguous body length (Content-Length with chunked) and closes', async () => {
    const { text, closed } = await raw(
      'POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    expect(text).toMatch(/^HTTP\/1\.1 400/);
    expect(closed).toBe(true);
  });
});

describe('slow clients are cut off while others are served', () => {
  it(
    'headers not complete after headersTimeout (10 s), a body not complete after requestTimeout (15 s)',
    { timeout: 40_000 },
    async () => {
      const slowHeaders = raw('GET /health HTTP/1.1\r\nHost: gw\r\n', 25_000);
      const slowBody = raw(
        'POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":',
        25_000,
      );
      const started = Date.now();
      expect((await stack.query('{ product(id: "p1") { name } }')).status).toBe(200);
      const headers = await slowHeaders;
      expect(headers.closed).toBe(true);
      expect(headers.text).toMatch(/^HTTP\/1\.1 408/);
      const body = await slowBody;
      expect(body.closed).toBe(true);
      expect(body.text).toMatch(/^HTTP\/1\.1 408/);
      expect(Date.now() - started).toBeLessThan(15_000 + 5000);
    },
  );
});

describe('metrics', () => {
  const scrape = () => scrapeMetrics(stack);

  it('exposes every metric DESIGN names, with its labels, and process metrics', async () => {
    // An operation name gets its own label once it has been seen a few times.
    for (let i = 0; i < OPERATION_LABEL_MIN_COUNT; i += 1)
      await stack.query('query Screen { products(first: 2) { name seller { name } } }');
    const text = await scrape();
    for (const [name, type] of [
      ['gateway_requests_total', 'counter'],
      ['gateway_request_duration_seconds', 'histogram'],
      ['gateway_subgraph_requests_total', 'counter'],
      ['gateway_subgraph_request_duration_seconds', 'histogram'],
      ['gateway_cache_hits_total', 'counter'],
      ['gateway_cache_misses_total', 'counter'],
      ['gateway_rate_limited_total', 'counter'],
      ['gateway_operation_cost', 'histogram'],
    ])
      expect(text).toContain(`# TYPE ${name} ${type}`);
    // The request that reached the threshold is the first one counted under the name.
    expect(text).toMatch(/gateway_requests_total\{operation="Screen",code="OK"\} 1\n/);
    expect(text).toMatch(/gateway_subgraph_requests_total\{subgraph="user",[^}]*\} \d+/);
    expect(text).toMatch(
      /gateway_subgraph_request_duration_seconds_bucket\{le="[^"]+",subgraph="product"\}/,
    );
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
  });

  it(
    'keeps the operation label bounded under 500 distinct operation names',
    { timeout: 120_000 },
    async () => {
      for (let i = 0; i < 500; i += 1) {
        const { status } = await stack.query(`query Op${i} { __typename }`);
        expect(status).toBe(200);
      }
      const operations = new Set(
        [...(await scrape()).matchAll(/^gateway_requests_total\{operation="([^"]*)"/gm)].map(
          (m) => m[1],
        ),
      );
      expect(operations.has('other')).toBe(true);
      expect(operations.size).toBeLessThanOrEqual(200 + 3); // the cap, plus `other`, `anonymous`, `none`
    },
  );
});
