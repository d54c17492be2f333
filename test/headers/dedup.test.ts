/**
 * In-flight deduplication and header rules: the subgraph client against the real product subgraph
 * over HTTP. Two `send`s made in the same tick are both in flight before any I/O, so whether they
 * share one HTTP fetch is decided by the deduplication key alone (no timing involved).
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../src/context.js';
import { createRequestState } from '../../src/requestState.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { SubgraphClient } from '../../src/subgraphClient/subgraphClient.js';
import { startSubgraph, type SubgraphHandle } from '../../subgraphs/shared/server.js';
import { getSeed } from '../../subgraphs/shared/seed.js';

const log = pino({ level: 'silent' });

function contextWith(headers: Record<string, string>): GatewayContext {
  return {
    requestId: 'r',
    log,
    principal: null,
    clientIp: '127.0.0.1',
    headers,
    exposeQueryPlan: false,
    state: createRequestState(),
  };
}

const REQUEST = {
  query: '{ product(id: "p1") { name } }',
  variables: undefined,
  operationName: undefined,
};

describe('deduplication keeps fetches with different propagated headers apart', () => {
  let product: SubgraphHandle;
  let client: SubgraphClient;
  beforeAll(async () => {
    product = await startSubgraph('product', { port: 0, logger: log });
    client = new SubgraphClient({
      name: 'product',
      url: product.url,
      timeoutMs: 10_000,
      connections: 4,
      metrics: createMetrics(),
      dedup: true,
      // The rule `propagate: { named: accept-language }`, as the header rules apply it.
      forwardHeaders: (context): Record<string, string> => {
        const language = context?.headers['accept-language'];
        return language ? { 'accept-language': language } : {};
      },
    });
  });
  afterAll(async () => {
    await client?.close();
    await product?.close();
  });

  it('a French and an English fetch in flight at once are two fetches, each in its language', async () => {
    product.stats.reset();
    const [fr, en] = await Promise.all([
      client.send(REQUEST, contextWith({ 'accept-language': 'fr' })),
      client.send(REQUEST, contextWith({ 'accept-language': 'en' })),
    ]);
    const names = getSeed().productById.get('p1')!.names;
    expect(fr.data).toEqual({ product: { name: names.fr } });
    expect(en.data).toEqual({ product: { name: names.en } });
    expect(product.stats.requests).toBe(2);
  });

  it('two French fetches in flight at once still share one', async () => {
    product.stats.reset();
    const [a, b] = await Promise.all([
      client.send(REQUEST, contextWith({ 'accept-language': 'fr' })),
      client.send(REQUEST, contextWith({ 'accept-language': 'fr' })),
    ]);
    expect(a.data).toEqual(b.data);
    expect(product.stats.requests).toBe(1);
  });
});
