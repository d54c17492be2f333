/**
 * Header rules end to end, in process: the real subgraphs (each records the headers it receives),
 * the gateway built by `createGateway` with `HEADER_RULES_PATH`, and the per-field cache on the
 * shared Redis under a unique prefix.
 */
import { waitFor } from '../helpers/waitFor.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { createGateway } from '../../src/gateway.js';
import { getSeed } from '../../subgraphs/shared/seed.js';
import { SUBGRAPH_NAMES } from '../../subgraphs/shared/names.js';
import { counter, dropKeys, requests, startCacheStack, type CacheStack } from '../cache/harness.js';
import { redisAvailable } from '../helpers/redis.js';
import { devToken } from '../helpers/tokens.js';

/** Apollo Router's example, plus a `matching` rule that tries to forward every `x-` header. */
const RULES = `
all:
  request:
    - insert: { name: x-gateway, value: "1" }
    - propagate: { matching: "^x-" }
subgraphs:
  product:
    request:
      - propagate: { named: accept-language, normalize: language, default: en }
`;

const SCREEN = '{ products(first: 3) { id name price seller { name } } }';
const FRENCH = { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' };
const ENGLISH = { 'accept-language': 'en-GB,en;q=0.9' };

/** The seed's names of the products a response lists, in one language. */
function namesIn(language: 'en' | 'fr', products: { id: string }[]): string[] {
  return products.map(({ id }) => getSeed().productById.get(id)!.names[language]);
}

describe.skipIf(!(await redisAvailable()))('header rules, through the gateway', () => {
  let stack: CacheStack;
  let rulesPath: string;
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'header-rules-'));
    rulesPath = path.join(dir, 'header-rules.yaml');
    fs.writeFileSync(rulesPath, RULES);
    stack = await startCacheStack('header-rules', { HEADER_RULES_PATH: rulesPath });
  });
  afterAll(async () => {
    await stack?.stop();
    if (stack) await dropKeys(stack.prefix);
    if (rulesPath) fs.rmSync(path.dirname(rulesPath), { recursive: true, force: true });
  });
  beforeEach(async () => {
    await dropKeys(stack.prefix); // every test starts cold
    stack.resetStats();
  });

  it('a French and an English client of one screen each get their language, from cache too', async () => {
    const fr1 = await stack.query(SCREEN, { headers: FRENCH });
    const en1 = await stack.query(SCREEN, { headers: ENGLISH });
    for (const [response, language] of [
      [fr1, 'fr'],
      [en1, 'en'],
    ] as const) {
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      const products = response.body.data.products as { id: string; name: string }[];
      expect(products.map((p) => p.name)).toEqual(namesIn(language, products));
    }
    expect(fr1.body.data.products[0].name).not.toBe(en1.body.data.products[0].name);
    // The user subgraph gets no language: its entries are shared by both clients.
    expect(requests(stack).user).toBe(1);

    // Both again: names from the cache, each in its own language; the product subgraph is asked
    // for the 10-second `price` at most, never for `name`.
    stack.resetStats();
    const hits = await counter(stack, 'cacheHits', { subgraph: 'product' });
    const [fr2, en2] = [
      await stack.query(SCREEN, { headers: FRENCH }),
      await stack.query(SCREEN, { headers: ENGLISH }),
    ];
    expect(fr2.body.data).toEqual(fr1.body.data);
    expect(en2.body.data).toEqual(en1.body.data);
    expect(await counter(stack, 'cacheHits', { subgraph: 'product' })).toBeGreaterThan(hits);
    for (const request of stack.subgraphs.product.stats.received)
      expect(request.query).not.toMatch(/\bname\b/);

    // Another spelling of French shares the French entries (normalised), without a fetch.
    stack.resetStats();
    const fr3 = await stack.query(SCREEN, { headers: { 'accept-language': 'fr' } });
    expect(fr3.body.data).toEqual(fr1.body.data);
    expect(requests(stack)).toEqual({ product: 0, user: 0, payment: 0 });
  });

  it('a client without Accept-Language gets English, and the subgraph gets the default', async () => {
    const { body } = await stack.query('{ product(id: "p2") { id name } }');
    expect(body.data.product.name).toBe(namesIn('en', [body.data.product])[0]);
    const sent = stack.subgraphs.product.stats.received.map((r) => r.headers);
    expect(sent.length).toBeGreaterThan(0);
    for (const headers of sent) expect(headers['accept-language']).toBe('en');
  });

  it('sends what the rules say, and never a forbidden header, to every subgraph', async () => {
    const token = await devToken('u7', 'read:email read:payments');
    const response = await stack.query(
      'query CheckoutScreen { me { name payments(first: 2) { amount product { name } } } products(first: 2) { name seller { name } } }',
      {
        token,
        headers: {
          ...FRENCH,
          cookie: 'session=secret',
          'proxy-authorization': 'Basic c2VjcmV0',
          'x-api-key': 'gw_not-a-real-key',
          'x-tenant': 'acme',
        },
      },
    );
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    for (const name of SUBGRAPH_NAMES) {
      const received = stack.subgraphs[name].stats.received;
      expect(received.length, name).toBeGreaterThan(0);
      for (const { headers } of received) {
        expect(headers['x-gateway'], name).toBe('1');
        expect(headers['x-tenant'], name).toBe('acme');
        expect(headers.cookie, name).toBeUndefined();
        expect(headers['proxy-authorization'], name).toBeUndefined();
        expect(headers['x-api-key'], name).toBeUndefined();
        // The gateway's own: its request id and internal token, never the client's token.
        expect(headers['x-request-id'], name).toBe(response.headers.get('x-request-id'));
        expect(headers.authorization, name).toMatch(/^Bearer /);
        expect(headers.authorization, name).not.toBe(`Bearer ${token}`);
        expect(headers['accept-language'], name).toBe(name === 'product' ? 'fr' : undefined);
      }
    }
  });

  it('names the headers the rules read in Vary, so an HTTP cache keeps languages apart', async () => {
    const response = await stack.query(SCREEN, { headers: { ...FRENCH, 'x-tenant': 'acme' } });
    const vary = (response.headers.get('vary') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(vary).toEqual(expect.arrayContaining(['accept-language', 'x-tenant']));
  });

  // Last: it changes the rules file (reload details: source.test.ts).
  it('applies a change of the rules file to the next requests, without a restart', async () => {
    const french = () => stack.query('{ product(id: "p3") { id name } }', { headers: FRENCH });
    const [en, fr] = [namesIn('en', [{ id: 'p3' }])[0], namesIn('fr', [{ id: 'p3' }])[0]];
    expect((await french()).body.data.product.name).toBe(fr);
    fs.writeFileSync(rulesPath, RULES.replace(/ {2}product:[\s\S]*$/, '  product: {}\n'));
    const after = await waitFor('the English name after the reload', async () => {
      const r = await french();
      return r.body.data?.product?.name === en ? r : undefined;
    });
    expect(after.body.data.product.name).toBe(en);
    fs.writeFileSync(rulesPath, RULES);
    const back = await waitFor('the French name after the second reload', async () => {
      const r = await french();
      return r.body.data?.product?.name === fr ? r : undefined;
    });
    expect(back.body.data.product.name).toBe(fr);
  });
});

describe('an invalid rules file stops start-up', () => {
  it('with one line per problem, naming the variable and where the problem is', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'header-rules-bad-'));
    const rulesPath = path.join(dir, 'rules.yaml');
    fs.writeFileSync(
      rulesPath,
      'all:\n  request:\n    - propagate: { named: cookie }\n    - insert: { name: x-a }\n',
    );
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      SUPERGRAPH_PATH: path.join(dir, 'missing.graphql'),
      HEADER_RULES_PATH: rulesPath,
    });
    let error: unknown;
    try {
      createGateway(config, { log: pino({ level: 'silent' }) });
    } catch (thrown) {
      error = thrown;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'HEADER_RULES_PATH all.request[0].propagate.named: "cookie" is never sent to subgraphs',
      'HEADER_RULES_PATH all.request[1].insert.value: must be a header value: printable ASCII text',
    ]);
  });

  it('and so does a missing one', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      HEADER_RULES_PATH: path.join(os.tmpdir(), 'no-such-header-rules.yaml'),
    });
    expect(() => createGateway(config, { log: pino({ level: 'silent' }) })).toThrow(ConfigError);
  });
});
