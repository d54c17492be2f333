/**
 * One state per request: two requests of different callers in flight at once each get their own
 * degraded subgraphs, cost, `Cache-Control` and log line, although Apollo Server hands every part
 * of the gateway a copy of each request's context. The `user` subgraph sits behind a small proxy
 * that holds the first request's `_entities` fetch until the second request has been answered,
 * then fails it; `product` and `payment` are the real subgraphs.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { startSubgraph, type SubgraphHandle } from '../../subgraphs/shared/server.js';
import {
  composeFor,
  postGraphQL,
  testGatewayConfig,
  writeSupergraph,
  type GraphQLResponse,
} from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';
import { waitFor } from '../helpers/waitFor.js';

/** Products from `product`, their sellers as `_entities` from `user` (held, then failed). */
const SELLERS = 'query Sellers { products(first: 3) { name seller { name } } }';
/** One user, a root fetch of `user` that the proxy passes through. */
const ONE_USER = 'query OneUser { user(id: "u2") { name } }';

interface LogLine {
  readonly msg: string;
  readonly requestId?: string;
  readonly operation?: string;
  readonly code?: string;
  readonly status?: number;
}

/** A proxy in front of the real `user` subgraph: `_entities` fetches wait for `release`, then fail. */
async function startHoldingProxy(target: string) {
  const held: (() => void)[] = [];
  let released = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (body.includes('_entities')) {
        const fail = () => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('unavailable');
        };
        if (released) fail();
        else held.push(fail);
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          (entry): entry is [string, string] =>
            typeof entry[1] === 'string' && !['host', 'content-length'].includes(entry[0]),
        ),
      );
      void fetch(target, { method: 'POST', headers, body }).then(async (response) => {
        res.writeHead(response.status, { 'content-type': 'application/json' });
        res.end(await response.text());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    heldCount: () => held.length,
    release() {
      released = true;
      for (const fail of held.splice(0)) fail();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let subgraphs: SubgraphHandle[];
let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;
let gateway: Gateway;
let url: string;
let dir: string;
const lines: LogLine[] = [];

beforeAll(async () => {
  const silent = pino({ level: 'silent' });
  subgraphs = await Promise.all(
    (['product', 'user', 'payment'] as const).map((name) =>
      startSubgraph(name, { port: 0, logger: silent }),
    ),
  );
  const [product, user, payment] = subgraphs as [SubgraphHandle, SubgraphHandle, SubgraphHandle];
  proxy = await startHoldingProxy(user.url);
  ({ dir } = writeSupergraph(
    composeFor({ product: product.url, user: proxy.url, payment: payment.url }),
  ));
  const config = testGatewayConfig(`${dir}/supergraph.graphql`);
  // The gateway's log lines, as an operator's collector would read them.
  const log = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  );
  gateway = createGateway(config, { log });
  ({ url } = await gateway.start());
});

afterAll(async () => {
  proxy?.release();
  await gateway?.stop();
  await proxy?.close();
  await Promise.all((subgraphs ?? []).map((s) => s.close()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('two requests in flight at once', () => {
  it('each get their own degraded subgraphs, cost, Cache-Control and log line', async () => {
    const [alice, bob] = await Promise.all([devToken('alice'), devToken('bob')]);
    const sellers = postGraphQL(url, { query: SELLERS }, { token: alice });
    // Alice's request is in flight: its products were fetched, its sellers' fetch is held.
    await waitFor('the sellers fetch reaching the user subgraph', () =>
      Promise.resolve(proxy.heldCount() > 0 ? true : undefined),
    );
    const one: GraphQLResponse = await postGraphQL(url, { query: ONE_USER }, { token: bob });
    proxy.release();
    const partial = await sellers;

    // Bob's answer is whole, and none of Alice's failure, cost or errors is in it.
    expect(one.status).toBe(200);
    expect(one.body.errors).toBeUndefined();
    expect(one.body.data.user.name).toBeTruthy();
    expect(one.body.extensions.degradedSubgraphs).toBeUndefined();
    expect(one.headers.get('cache-control')).toMatch(/^max-age=\d+, private$/);

    // Alice's answer is partial and names the subgraph that failed it.
    expect(partial.status).toBe(200);
    expect(partial.body.data.products).toHaveLength(3);
    for (const product of partial.body.data.products) expect(product.seller).toBeNull();
    expect(partial.body.extensions.degradedSubgraphs).toEqual(['user']);
    expect(partial.headers.get('cache-control')).toBe('no-store');

    // Each request's cost is its own: its own estimate, and the actual cost of its own fetches
    // only (Alice's products fetch, answered before Bob's request, is not in Bob's).
    const aliceCost = partial.body.extensions.cost;
    const bobCost = one.body.extensions.cost;
    expect(aliceCost.estimated).toBeGreaterThan(bobCost.estimated);
    expect(bobCost.actual).toBeGreaterThanOrEqual(1);
    expect(bobCost.actual).toBeLessThanOrEqual(bobCost.estimated);
    expect(aliceCost.actual).toBeGreaterThan(bobCost.actual);

    // One log line per request, under its own request id, with its own operation and outcome.
    const requestLines = lines.filter((line) => line.msg === 'graphql request');
    const lineOf = (response: GraphQLResponse) =>
      requestLines.filter((line) => line.requestId === response.headers.get('x-request-id'));
    expect(lineOf(one)).toEqual([
      expect.objectContaining({ operation: 'OneUser', status: 200, code: 'OK' }),
    ]);
    expect(lineOf(partial)).toEqual([
      expect.objectContaining({ operation: 'Sellers', status: 200 }),
    ]);
    expect(lineOf(partial)[0]!.code).not.toBe('OK');
    expect(lines.filter((line) => line.msg === 'request refused')).toEqual([]);
  });
});
