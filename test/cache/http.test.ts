import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keysMatching, redisAvailable, testRedisClient } from '../helpers/redis.js';
import { devToken } from '../helpers/tokens.js';
import {
  ADMIN_TOKEN,
  CHECKOUT_SCREEN,
  counter,
  dropKeys,
  invalidate,
  received,
  requests,
  startCacheStack,
  type CacheStack,
} from './harness.js';

const ENTITY_FIELDS = (type: string, fields: string) =>
  `query($representations:[_Any!]!){_entities(representations:$representations){...on ${type}{${fields}}}}`;

describe.skipIf(!(await redisAvailable()))('per-field cache over HTTP, on Redis', () => {
  let stack: CacheStack;
  beforeAll(async () => {
    stack = await startCacheStack('http');
  });
  afterAll(async () => {
    await stack?.stop();
    if (stack) await dropKeys(stack.prefix);
  });
  beforeEach(async () => {
    await dropKeys(stack.prefix); // every test starts cold
    stack.resetStats();
  });

  it('answers a repeated CheckoutScreen without calling the product or user subgraph', async () => {
    const token = await devToken('u7', 'read:email read:payments');
    const first = await stack.query(CHECKOUT_SCREEN, { token });
    expect(first.body.errors).toBeUndefined();
    expect(requests(stack).product).toBeGreaterThan(0);
    expect(requests(stack).user).toBeGreaterThan(0);
    stack.resetStats();
    const hitsBefore = await counter(stack, 'cacheHits', {});

    const second = await stack.query(CHECKOUT_SCREEN, { token });
    expect(second.body.data).toEqual(first.body.data);
    // Payments carry no hint: money is never cached, so only the payment subgraph is asked.
    expect(requests(stack)).toEqual({ product: 0, user: 0, payment: 1 });
    expect(await counter(stack, 'cacheHits', {})).toBeGreaterThan(hitsBefore);
    expect(second.headers.get('cache-control')).toBe('no-store');
  });

  it('asks only for the fields it misses: cached references, one field missing', async () => {
    await stack.query('{ products(first: 3) { name price } }');
    stack.resetStats();
    const { body } = await stack.query('{ products(first: 3) { name description } }');
    expect(body.data.products).toHaveLength(3);
    expect(received(stack, 'product')).toEqual([ENTITY_FIELDS('Product', 'description')]);
  });

  it('counts a hit or a miss per field lookup', async () => {
    const hits = () => counter(stack, 'cacheHits', { subgraph: 'product' });
    const misses = () => counter(stack, 'cacheMisses', { subgraph: 'product' });
    const [h0, m0] = [await hits(), await misses()];
    await stack.query('{ product(id: "p9") { name } }');
    expect([(await hits()) - h0, (await misses()) - m0]).toEqual([0, 1]); // the reference
    await stack.query('{ product(id: "p9") { name } }');
    expect([(await hits()) - h0, (await misses()) - m0]).toEqual([2, 1]); // reference + name
  });

  it.each([
    ['{ products(first: 3) { name } }', undefined, /^max-age=300, public$/],
    ['{ products(first: 3) { name price } }', undefined, /^max-age=(10|9), public$/],
    ['{ product(id: "p1") { name seller { name } } }', undefined, /^max-age=300, public$/],
    ['{ me { name } }', 'u1', /^max-age=30, private$/],
    // an authenticated caller's response is never public, whatever its fields
    ['{ user(id: "u1") { name } }', 'u1', /^max-age=300, private$/],
    // no hint on Payment: nothing is cacheable
    ['{ user(id: "u1") { name payments(first: 1) { amount } } }', 'u1', /^no-store$/],
    ['{ __typename }', undefined, /^no-store$/],
    // errors (here: a field the caller may not see)
    ['{ user(id: "u1") { payments(first: 1) { amount } } }', undefined, /^no-store$/],
    ['mutation { createPayment(productId: "p1") { id } }', 'u1', /^no-store$/],
  ])('Cache-Control of %s (caller %s)', async (query, sub, expected) => {
    const token = sub ? await devToken(sub, 'read:payments') : undefined;
    const first = await stack.query(query, { token });
    expect(first.headers.get('cache-control')).toMatch(expected);
  });

  it('lowers max-age to what remains of a cached value', async () => {
    await stack.query('{ products(first: 2) { name } }');
    const again = await stack.query('{ products(first: 2) { name } }');
    const maxAge = Number(/max-age=(\d+)/.exec(again.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(250);
    expect(maxAge).toBeLessThanOrEqual(300);
  });

  it('never mixes values across aliases, arguments and variables', async () => {
    const byVariables =
      'query($a: ID!, $b: ID!) { x: product(id: $a) { name } y: product(id: $b) { name } }';
    const one = (await stack.query(byVariables, { variables: { a: 'p1', b: 'p2' } })).body.data;
    expect(one.x.name).not.toBe(one.y.name);
    stack.resetStats();
    const two = (await stack.query(byVariables, { variables: { a: 'p2', b: 'p1' } })).body.data;
    expect(two).toEqual({ x: one.y, y: one.x });
    const literal = (
      await stack.query('{ y: product(id: "p1") { n: name } x: product(id: "p2") { name } }')
    ).body.data;
    expect(literal).toEqual({ y: { n: one.x.name }, x: { name: one.y.name } });
    expect(requests(stack).product).toBe(0); // all of it from the cache

    const lists = 'query($n: Int) { products(first: $n) { name } }';
    const short: unknown[] = (await stack.query(lists, { variables: { n: 2 } })).body.data.products;
    const long: unknown[] = (await stack.query(lists, { variables: { n: 3 } })).body.data.products;
    expect([short.length, long.length]).toEqual([2, 3]);
    expect(long.slice(0, 2)).toEqual(short);

    const nested = (alias: string) =>
      `{ user(id: "u7") { products(first: 1) { name } ${alias}: products(first: 2) { name } } }`;
    const a = (await stack.query(nested('more'))).body.data.user;
    const b = (await stack.query(nested('other'))).body.data.user;
    expect(a.products).toHaveLength(1);
    expect(a.more).toHaveLength(2);
    expect(b.other).toEqual(a.more);
  });

  it('sends each representation once, and serves duplicates', async () => {
    const products: { seller: { id: string } }[] = (
      await stack.query('{ products(first: 50) { seller { id } } }')
    ).body.data.products;
    const sellers = products.map((p) => p.seller.id);
    await dropKeys(stack.prefix);
    stack.resetStats();
    const { body } = await stack.query('{ products(first: 50) { seller { name } } }');
    const sent = stack.subgraphs.user.stats.received[0]!.variables as {
      representations: unknown[];
    };
    expect(sent.representations).toHaveLength(new Set(sellers).size);
    const named: { seller: { name: string } }[] = body.data.products;
    expect(named.every((p) => p.seller.name)).toBe(true);
  });

  it('treats garbage in Redis as a miss: never served, never a 500, overwritten', async () => {
    const query = '{ products(first: 2) { name } }';
    const first = await stack.query(query);
    const redis = testRedisClient();
    try {
      const keys = await keysMatching(redis, `${stack.prefix}f:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) await redis.set(key, '{"not": "an entry"');
    } finally {
      redis.disconnect();
    }
    stack.resetStats();
    const again = await stack.query(query);
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual(first.body.data);
    expect(requests(stack).product).toBe(1);
    stack.resetStats();
    await stack.query(query);
    expect(requests(stack).product).toBe(0);
  });

  it('sends identical concurrent misses to the subgraph once (no stampede)', async () => {
    const query = '{ products(first: 3, after: "p70") { name } }';
    const answers = await Promise.all(Array.from({ length: 20 }, () => stack.query(query)));
    expect(new Set(answers.map((a) => JSON.stringify(a.body.data))).size).toBe(1);
    expect(requests(stack).product).toBeLessThanOrEqual(3);
  });

  it('does not cache a field that came back with an error', async () => {
    const query = '{ products(first: 1, after: "no-such-product") { name } }';
    expect((await stack.query(query)).body.errors).toBeDefined();
    stack.resetStats();
    expect((await stack.query(query)).body.errors).toBeDefined();
    expect(requests(stack).product).toBe(1);
  });

  describe('private fields', () => {
    it('never reach another caller', async () => {
      const alice = await devToken('u3', 'read:email');
      const bob = await devToken('u4', 'read:email');
      const mine = '{ me { id name email } }';
      const a = (await stack.query(mine, { token: alice })).body.data.me;
      const b = (await stack.query(mine, { token: bob })).body.data.me;
      expect([a.id, b.id]).toEqual(['u3', 'u4']);
      expect(a.email).not.toBe(b.email);
      stack.resetStats();
      expect((await stack.query(mine, { token: alice })).body.data.me).toEqual(a);
      expect((await stack.query(mine, { token: bob })).body.data.me).toEqual(b);
      expect(requests(stack).user).toBe(0);
    });

    it('are fetched per caller, while public fields beside them are shared', async () => {
      // Staff (read:users:all) may read u5's email: an owner-only value, fetched per caller.
      const alice = await devToken('u3', 'read:email read:users:all');
      const bob = await devToken('u4', 'read:email read:users:all');
      const query = '{ user(id: "u5") { name email } }';
      const a = (await stack.query(query, { token: alice })).body.data;
      stack.resetStats();
      const b = (await stack.query(query, { token: bob })).body.data;
      expect(a.user.email).toMatch(/@example\.com$/);
      expect(b).toEqual(a);
      expect(received(stack, 'user')).toEqual([ENTITY_FIELDS('User', 'email')]);
    });

    it('a refreshed token of the same caller hits the cache', async () => {
      const query = '{ me { name email } }';
      await stack.query(query, { token: await devToken('u6', 'read:email') });
      stack.resetStats();
      await stack.query(query, { token: await devToken('u6', 'read:email', { ttlSec: 600 }) });
      expect(requests(stack).user).toBe(0);
    });
  });

  describe('mutations', () => {
    it('make the next read of the entity fresh, on every path that cached it', async () => {
      const admin = await devToken('u1', 'admin:products');
      const product = '{ product(id: "p5") { name price } }';
      const list = '{ products(first: 10) { id price } }';
      const before = (await stack.query(product)).body.data.product;
      await stack.query(list);
      const price = before.price + 1.25;

      const mutation = await stack.query(
        `mutation { updateProductPrice(id: "p5", price: ${price}) { price } }`,
        { token: admin },
      );
      // the key fields the gateway selected for itself never reach the client
      expect(mutation.body).toEqual({
        data: { updateProductPrice: { price } },
        extensions: expect.anything(),
      });
      expect(mutation.headers.get('cache-control')).toBe('no-store');

      stack.resetStats();
      expect((await stack.query(product)).body.data.product).toEqual({ name: before.name, price });
      // the reference stayed cached; every field of p5 went stale at once
      expect(received(stack, 'product')).toEqual([ENTITY_FIELDS('Product', 'name price')]);
      const listed: { id: string; price: number }[] = (await stack.query(list)).body.data.products;
      expect(listed.find((p) => p.id === 'p5')?.price).toBe(price);
    });

    it('are never served from the cache', async () => {
      const token = await devToken('u8');
      await stack.query('mutation { createPayment(productId: "p2") { amount product { name } } }', {
        token,
      });
      stack.resetStats();
      await stack.query('mutation { createPayment(productId: "p2") { amount product { name } } }', {
        token,
      });
      expect(requests(stack)).toEqual({ product: 1, user: 0, payment: 1 });
    });
  });

  describe('POST /cache/invalidate', () => {
    it.each([
      ['no credentials', undefined, 401, 'UNAUTHENTICATED'],
      ['a wrong static token', 'Bearer not-the-admin-token', 401, 'UNAUTHENTICATED'],
      ['a JWT without admin:cache', 'jwt:read:email', 403, 'FORBIDDEN'],
    ])('refuses %s', async (_name, authorization, status, code) => {
      const header = authorization?.startsWith('jwt:')
        ? `Bearer ${await devToken('u1', authorization.slice(4))}`
        : authorization;
      const answer = await invalidate(stack, '{"type":"Product","id":"p1"}', header);
      expect(answer.status).toBe(status);
      expect(answer.body.errors?.[0]?.extensions.code).toBe(code);
    });

    it.each([
      ['not JSON'],
      ['[]'],
      ['{}'],
      ['{"type":"Nope"}'],
      ['{"type":"Payment","id":{}}'],
      ['{"subgraph":"nope"}'],
      ['{"type":"Product","extra":1}'],
      ['{"subgraph":"product","type":"Product"}'],
    ])('answers 400 BAD_REQUEST to %s', async (body) => {
      const answer = await invalidate(stack, body, `Bearer ${ADMIN_TOKEN}`);
      expect(answer.status).toBe(400);
      expect(answer.body.errors?.[0]?.extensions.code).toBe('BAD_REQUEST');
    });

    it('leaves no key without a TTL (entries, references and versions)', async () => {
      await stack.query('{ products(first: 2) { name } }');
      await invalidate(stack, '{"type":"Product","id":"p1"}', `Bearer ${ADMIN_TOKEN}`);
      await invalidate(stack, '{"subgraph":"product"}', `Bearer ${ADMIN_TOKEN}`);
      const redis = testRedisClient();
      try {
        const keys = await keysMatching(redis, `${stack.prefix}*`);
        expect(keys.some((k) => k.includes('ver:Product:p1'))).toBe(true);
        for (const key of keys) expect(await redis.pttl(key), key).toBeGreaterThan(0);
      } finally {
        redis.disconnect();
      }
    });

    it('accepts a JWT with admin:cache', async () => {
      const token = await devToken('u1', 'admin:cache');
      expect((await invalidate(stack, '{"type":"User"}', `Bearer ${token}`)).status).toBe(200);
    });

    it('{type, id} makes one entity stale, {type} all of a type, {subgraph} everything of it', async () => {
      const read = (id: string) => stack.query(`{ product(id: "${id}") { name } }`);
      await read('p7');
      await read('p8');
      const auth = `Bearer ${ADMIN_TOKEN}`;

      expect((await invalidate(stack, '{"type":"Product","id":"p7"}', auth)).status).toBe(200);
      stack.resetStats();
      await read('p8');
      expect(requests(stack).product).toBe(0);
      await read('p7');
      expect(received(stack, 'product')).toEqual([ENTITY_FIELDS('Product', 'name')]);

      // a whole type: its entities' fields and every reference to it (lists, root fields)
      expect((await invalidate(stack, '{"type":"Product"}', auth)).status).toBe(200);
      stack.resetStats();
      await read('p8');
      expect(received(stack, 'product')).toHaveLength(1);
      expect(received(stack, 'product')[0]).toContain('product(id:"p8")');
      stack.resetStats();
      await read('p8');
      expect(requests(stack).product).toBe(0);

      expect((await invalidate(stack, '{"subgraph":"product"}', auth)).status).toBe(200);
      stack.resetStats();
      await read('p8');
      expect(received(stack, 'product')).toHaveLength(1);
      expect(received(stack, 'product')[0]).toContain('product(id:"p8")');
    });
  });
});
