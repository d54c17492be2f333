/**
 * Metrics are for the operator, not the public: they live on their own listener (`METRICS_HOST`,
 * `METRICS_PORT`), never on the GraphQL port or behind the load balancer, and junk operation names
 * cannot push real ones into `other`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { OPERATION_LABEL_MIN_COUNT } from '../../src/observability/operationLabels.js';
import { scrapeMetrics, startStack, type Stack } from '../helpers/stack.js';

const root = path.resolve(import.meta.dirname, '../..');
let stack: Stack;
let base: string;

beforeAll(async () => {
  stack = await startStack();
  base = stack.url.replace(/\/graphql$/, '');
});
afterAll(async () => {
  await stack?.stop();
});

/** The `operation` label values of `gateway_requests_total`. */
async function operationLabels(): Promise<Set<string>> {
  const text = await scrapeMetrics(stack);
  return new Set(
    [...text.matchAll(/^gateway_requests_total\{operation="([^"]*)"/gm)].map((m) => m[1]!),
  );
}

describe('the metrics listener', () => {
  it('is not on the public GraphQL port', async () => {
    for (const method of ['GET', 'HEAD']) {
      const response = await fetch(`${base}/metrics`, { method });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('gateway_requests_total');
    }
  });

  it('serves Prometheus text on its own port, uncacheable', async () => {
    const url = stack.gateway.metricsUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(url!).port).not.toBe(new URL(stack.url).port);
    const response = await fetch(url!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toContain('# TYPE gateway_requests_total counter');
    const other = await fetch(url!.replace(/\/metrics$/, '/graphql'));
    expect(other.status).toBe(404);
    const post = await fetch(url!, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('defaults to 127.0.0.1:9464 and reads METRICS_HOST and METRICS_PORT', () => {
    expect(loadConfig({}).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ METRICS_HOST: '0.0.0.0', METRICS_PORT: '9100' }).metrics).toEqual({
      host: '0.0.0.0',
      port: 9100,
    });
    expect(() => loadConfig({ METRICS_PORT: 'x' })).toThrow(/METRICS_PORT/);
  });
});

describe('operation labels', () => {
  it(
    'junk names sent once each never take the label of a real operation',
    { timeout: 180_000 },
    async () => {
      for (let i = 0; i < 300; i += 1) {
        const { status } = await stack.query(`query Junk${i} { __typename }`);
        expect(status).toBe(200);
      }
      for (let i = 0; i < OPERATION_LABEL_MIN_COUNT; i += 1)
        await stack.query('query RealScreen { products(first: 1) { name } }');
      const labels = await operationLabels();
      expect(labels.has('RealScreen')).toBe(true);
      expect([...labels].filter((l) => l.startsWith('Junk'))).toEqual([]);
    },
  );

  it('labels an operation of the persisted manifest from its first request', async () => {
    const source = fs.readFileSync(path.join(root, 'operations', 'CatalogPage.graphql'), 'utf8');
    const { status } = await stack.query(source, { operationName: 'CatalogPage' });
    expect(status).toBe(200);
    expect(await operationLabels()).toContain('CatalogPage');
  });
});

describe('deployment', () => {
  it('nginx does not expose /metrics and proxies only the GraphQL port', () => {
    const conf = fs.readFileSync(path.join(root, 'deploy', 'nginx.conf'), 'utf8');
    expect(conf).not.toMatch(/server\s+[^;]*:9464|proxy_pass[^;]*9464/);
    expect([...conf.matchAll(/^\s*server\s+([\w.-]+:\d+)/gm)].map((m) => m[1])).toEqual([
      'gateway-1:4000',
      'gateway-2:4000',
    ]);
    expect(conf).toMatch(/location\s*=\s*\/metrics\s*\{\s*return 404;\s*\}/);
  });

  it('docker-compose publishes no metrics port; Prometheus scrapes each replica directly', () => {
    const compose = parseYaml(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), {
      merge: true,
    }) as { services: Record<string, { ports?: string[]; environment?: Record<string, unknown> }> };
    for (const [, service] of Object.entries(compose.services))
      for (const port of service.ports ?? []) expect(port).not.toMatch(/9464/);
    for (const name of ['gateway-1', 'gateway-2']) {
      const env = compose.services[name]!.environment!;
      expect(env.METRICS_HOST).toBe('0.0.0.0');
      expect(String(env.METRICS_PORT)).toBe('9464');
    }
    const scrape = fs.readFileSync(path.join(root, 'deploy', 'prometheus.yml'), 'utf8');
    expect(scrape).toContain('gateway-1:9464');
    expect(scrape).toContain('gateway-2:9464');
  });
});
