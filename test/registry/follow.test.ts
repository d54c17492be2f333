/**
 * Gateways following the registry (`SUPERGRAPH_URL`): two in-process gateways on real subgraphs
 * converge on a publish within one poll interval, and serve on when the registry goes down.
 */
import { waitFor } from '../helpers/waitFor.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { urlSupergraphSource } from '../../src/supergraph/urlSource.js';
import { postGraphQL, metric, startStack, type Stack } from '../helpers/stack.js';
import {
  SUBGRAPHS,
  startTestRegistry,
  subgraphSdl,
  type TestRegistry,
} from '../helpers/registry.js';

const POLL_MS = 300;

/** A logger whose lines the test can wait for. */
function recordingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('gateways following the registry', () => {
  let stack: Stack;
  let registry: TestRegistry;
  let publisher: string;
  const gateways: { gateway: Gateway; url: string; lines: string[] }[] = [];

  const publish = (name: (typeof SUBGRAPHS)[number], sdl: string) =>
    registry.call('POST', `/subgraphs/${name}/publish`, {
      token: publisher,
      body: { sdl, url: stack.subgraphs[name].url },
    });
  const readyOf = async (url: string) =>
    (await fetch(new URL('/ready', url))).json() as Promise<{
      status: string;
      supergraphId?: string;
    }>;

  beforeAll(async () => {
    stack = await startStack();
    registry = await startTestRegistry('directory', 'follow');
    publisher = await registry.token('schema:publish:*');
    for (const name of SUBGRAPHS) expect((await publish(name, subgraphSdl(name))).status).toBe(200);
    const readToken = await registry.token('schema:read');
    for (let i = 0; i < 2; i++) {
      const { log, lines } = recordingLogger();
      const config = { ...stack.config, supergraphUrl: `${registry.url}/supergraph` };
      const supergraphSource = await urlSupergraphSource({
        url: config.supergraphUrl,
        pollMs: POLL_MS,
        token: () => Promise.resolve(readToken),
        log,
      });
      const gateway = createGateway(config, { log, supergraphSource });
      const { url } = await gateway.start();
      gateways.push({ gateway, url, lines });
    }
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.gateway.stop()));
    await registry?.stop();
    await stack?.stop();
  });

  it('serves the published supergraph and reports its id on /ready and in a metric', async () => {
    const current = (await registry.call('GET', '/supergraph')).headers.get('etag')!.slice(1, -1);
    for (const { gateway, url } of gateways) {
      const response = await postGraphQL(url, { query: '{ products(first: 2) { name } }' });
      expect(response.status).toBe(200);
      expect(response.body.data.products).toHaveLength(2);
      expect(await readyOf(url)).toEqual({ status: 'ready', supergraphId: current });
      expect(await metric({ gateway }, `gateway_supergraph_info{id="${current}"}`)).toBe(1);
    }
  });

  it('converges both gateways on a publish within one poll interval', async () => {
    const sdl = subgraphSdl('product').replace(
      /^(\s*)price: Float!/m,
      '$1weight: Float\n$1price: Float!',
    );
    const started = performance.now();
    const published = await publish('product', sdl);
    expect(published.status).toBe(200);
    const id = published.body.supergraphId as string;
    const servedAfter = await Promise.all(
      gateways.map(({ url }) =>
        waitFor(`${url} serving ${id}`, async () => {
          const ready = await readyOf(url);
          return ready.supergraphId === id ? performance.now() - started : undefined;
        }),
      ),
    );
    const both = Math.max(...servedAfter);
    console.log(
      `publish -> both gateways serving: ${both.toFixed(0)} ms (poll interval ${POLL_MS} ms; each: ${servedAfter.map((t) => t.toFixed(0)).join(', ')} ms)`,
    );
    // The publish itself (composition and checks) plus at most one interval and the reload.
    // The new field is part of each gateway's API now (the real subgraph does not resolve it yet).
    for (const { url } of gateways) {
      const response = await postGraphQL(url, { query: '{ products(first: 1) { weight } }' });
      expect(response.body.errors?.[0]?.extensions?.serviceName).toBe('product');
    }
  });

  it('keeps serving the last good supergraph while the registry is down', async () => {
    await registry.stopServer();
    for (const { lines } of gateways)
      await waitFor('a "supergraph poll failed" log line', () =>
        Promise.resolve(lines.some((l) => l.includes('supergraph poll failed')) || undefined),
      );
    for (const { url } of gateways) {
      const response = await postGraphQL(url, { query: '{ products(first: 1) { name } }' });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect((await readyOf(url)).status).toBe('ready');
    }
    await registry.restart();
  });
});
