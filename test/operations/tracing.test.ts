/**
 * Tracing with the SDK on (`OTEL_EXPORTER_OTLP_ENDPOINT` set): spans reach an OTLP/HTTP collector
 * (a tiny HTTP server recording what it is sent), the caller's trace is continued, and every
 * subgraph request carries a `traceparent` of the same trace. One process per test file, so the
 * global tracer provider registered here touches no other test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, withSpan, type Tracing } from '../../src/observability/tracing.js';
import { startStack, type Stack } from '../helpers/stack.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

let collector: http.Server;
const exported: string[] = [];
let tracing: Tracing | undefined;
let stack: Stack;

beforeAll(async () => {
  collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') exported.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const { port } = collector.address() as AddressInfo;
  tracing = await startTracing({
    otlpEndpoint: `http://127.0.0.1:${port}`,
    serviceName: 'gateway-under-test',
  });
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
  await tracing?.shutdown();
  collector?.close();
});

describe('with an OTLP endpoint', () => {
  it('continues the caller trace into every subgraph request and exports the spans', async () => {
    stack.resetStats();
    const { status, body } = await stack.query('{ products(first: 2) { name seller { name } } }', {
      headers: { traceparent: CLIENT_TRACEPARENT },
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    for (const name of ['product', 'user'] as const) {
      const sent = stack.subgraphs[name].stats.received.at(-1)?.headers.traceparent;
      expect(sent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      expect(sent).not.toBe(CLIENT_TRACEPARENT); // a span of ours is the parent, not the client's
    }

    await withSpan('gateway.test-step', () => 'done');
    await tracing!.shutdown(); // flushes the batch
    const all = exported.join('\n');
    expect(all).toContain(TRACE_ID);
    expect(all).toContain('gateway-under-test');
    for (const span of [
      'POST /graphql',
      'gateway.request',
      'gateway.fetch',
      'subgraph.http',
      'gateway.test-step',
    ])
      expect(all).toContain(span);
  });
});
