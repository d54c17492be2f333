import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubgraphName } from '../../subgraphs/index.js';
import { generateSeed, getSeed } from '../../subgraphs/shared/seed.js';
import {
  startSubgraph,
  unauthenticatedRequest,
  type SubgraphHandle,
} from '../../subgraphs/shared/server.js';
import { internalAuthorization } from '../helpers/tokens.js';

interface GqlResult {
  status: number;
  cacheControl: string | null;
  body: {
    // The shape of `data` depends on each query; the assertions check it.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    data?: any;
    errors?: { message: string; path?: unknown[]; extensions?: { code?: string } }[];
  };
}

/** One POST to a subgraph, as the gateway would send it. */
async function gql(
  handle: SubgraphHandle,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GqlResult> {
  const response = await fetch(handle.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    cacheControl: response.headers.get('cache-control'),
    body: (await response.json()) as GqlResult['body'],
  };
}

const ENTITIES = 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename ...F } }';
const entities = (fragment: string) => ENTITIES.replace('...F', fragment);
const refs = (typename: string, ids: string[]) => ({
  r: ids.map((id) => ({ __typename: typename, id })),
});
const range = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const codes = (result: GqlResult) => result.body.errors?.map((e) => e.extensions?.code);

const logger = pino({ level: 'silent' });
/**
 * Test authentication: `x-test-sub` names the caller; `x-test-staff` adds the staff scope
 * `read:users:all` (every user's owner-only data); `x-test-reject` refuses with 401.
 */
const authenticate = (headers: Readonly<Record<string, string>>) => {
  if (headers['x-test-reject']) return Promise.reject(unauthenticatedRequest('bad token'));
  const sub = headers['x-test-sub'];
  const scopes = ['read:email', 'read:payments'];
  if (headers['x-test-staff']) scopes.push('read:users:all');
  return Promise.resolve(sub ? { sub, scopes } : null);
};
const callerHeaders = (sub: string) => ({ 'x-test-sub': sub });
const staffHeaders = { 'x-test-sub': 'staff', 'x-test-staff': '1' };

let product: SubgraphHandle;
let user: SubgraphHandle;
let payment: SubgraphHandle;

beforeAll(async () => {
  const start = (name: SubgraphName) => startSubgraph(name, { port: 0, logger, authenticate });
  [product, user, payment] = await Promise.all([start('product'), start('user'), start('payment')]);
});
afterAll(async () => {
  await Promise.all([product, user, payment].map((h) => h?.close()));
});

describe('seed', () => {
  it('is deterministic and shared once per process', () => {
    expect(generateSeed()).toEqual(generateSeed());
    expect(getSeed()).toBe(getSeed());
  });

  it('has the promised sizes and consistency', () => {
    const seed = getSeed();
    expect(seed.products.length).toBeGreaterThanOrEqual(2000);
    expect(seed.users).toHaveLength(300);
    expect(seed.payments).toHaveLength(10_000);
    expect(seed.products[0]?.id).toBe('p1');
    expect(seed.payments[9_999]?.id).toBe('pay10000');
    const sellers = new Set(seed.products.map((p) => p.sellerId));
    const payers = new Set(seed.payments.map((p) => p.userId));
    for (const u of seed.users) {
      expect(sellers.has(u.id)).toBe(true);
      expect(payers.has(u.id)).toBe(true);
    }
    for (const p of seed.payments) {
      expect(p.amount).toBe(seed.productById.get(p.productId)?.price);
      expect(seed.userById.has(p.userId)).toBe(true);
      expect(['PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED']).toContain(p.status);
    }
    for (const p of seed.products) expect(Math.round(p.price * 100) / 100).toBe(p.price);
  });
});

describe('product subgraph', () => {
  it('pages through the catalogue with first/after', async () => {
    const first = await gql(product, '{ products(first: 3) { id } }');
    expect(first.body.data.products).toEqual([{ id: 'p1' }, { id: 'p2' }, { id: 'p3' }]);
    const next = await gql(product, '{ products(first: 2, after: "p3") { id } }');
    expect(next.body.data.products).toEqual([{ id: 'p4' }, { id: 'p5' }]);
    const byDefault = await gql(product, '{ products { id } }');
    expect(byDefault.body.data.products).toHaveLength(10);
    const end = await gql(product, `{ products(after: "p${getSeed().products.length}") { id } }`);
    expect(end.body.data.products).toEqual([]);
  });

  it('sets Cache-Control from the @cacheControl hints', async () => {
    expect((await gql(product, '{ products(first: 2) { id name price } }')).cacheControl).toBe(
      'max-age=10, public',
    );
    expect((await gql(product, '{ product(id: "p1") { id name } }')).cacheControl).toBe(
      'max-age=300, public',
    );
    const names = await gql(
      product,
      entities('... on Product { name }'),
      refs('Product', ['p1', 'p2']),
    );
    expect(names.cacheControl).toBe('max-age=300, public');
    const prices = await gql(
      product,
      entities('... on Product { price }'),
      refs('Product', ['p1']),
    );
    expect(prices.cacheControl).toBe('max-age=10, public');
  });

  it('rejects bad pages with BAD_USER_INPUT', async () => {
    expect(codes(await gql(product, '{ products(first: 101) { id } }'))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(codes(await gql(product, '{ products(first: -1) { id } }'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await gql(product, '{ products(after: "nope") { id } }'))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect((await gql(product, '{ products(first: 0) { id } }')).body.data.products).toEqual([]);
  });

  it('returns the seller as a User reference', async () => {
    const result = await gql(product, '{ product(id: "p2") { seller { __typename id } } }');
    expect(result.body.data.product.seller).toEqual({
      __typename: 'User',
      id: getSeed().products[1]?.sellerId,
    });
  });

  it('resolves Product and User entities in one data call each request', async () => {
    product.stats.reset();
    const result = await gql(
      product,
      entities('... on Product { id name }'),
      refs('Product', range('p', 100)),
    );
    expect(result.body.data._entities).toHaveLength(100);
    expect(product.stats.dataCalls).toBe(1);

    product.stats.reset();
    const sellers = await gql(
      product,
      entities('... on User { products(first: 2) { id sellerName: name } }'),
      refs('User', range('u', 40)),
    );
    expect(sellers.body.data._entities).toHaveLength(40);
    expect(sellers.body.data._entities[0].products[0]).toEqual({
      id: 'p1',
      sellerName: getSeed().products[0]?.name,
    });
    expect(product.stats).toMatchObject({ requests: 1, dataCalls: 1 });
  });

  it('updates a price in memory; mutations are never cacheable', async () => {
    const updated = await gql(
      product,
      'mutation { updateProductPrice(id: "p7", price: 12.5) { id price } }',
    );
    expect(updated.body.data.updateProductPrice).toEqual({ id: 'p7', price: 12.5 });
    expect(updated.cacheControl).toBe('no-store');
    expect((await gql(product, '{ product(id: "p7") { price } }')).body.data.product.price).toBe(
      12.5,
    );
    expect(getSeed().productById.get('p7')?.price).not.toBe(12.5);
    const unknown = await gql(
      product,
      'mutation { updateProductPrice(id: "zzz", price: 1) { id } }',
    );
    expect(unknown.body.data.updateProductPrice).toBeNull();
    expect(
      codes(await gql(product, 'mutation { updateProductPrice(id: "p7", price: -1) { id } }')),
    ).toEqual(['BAD_USER_INPUT']);
  });
});

describe('user subgraph', () => {
  it('resolves 50 User representations with 1 request and 1 data call', async () => {
    user.stats.reset();
    const result = await gql(
      user,
      entities('... on User { id name }'),
      refs('User', range('u', 50)),
    );
    expect(result.body.data._entities).toHaveLength(50);
    expect(result.body.data._entities[49]).toEqual({
      __typename: 'User',
      id: 'u50',
      name: getSeed().users[49]?.name,
    });
    expect(user.stats).toMatchObject({ requests: 1, dataCalls: 1 });
    expect(result.cacheControl).toBe('max-age=300, public');
    const emails = await gql(
      user,
      entities('... on User { email }'),
      refs('User', ['u1']),
      callerHeaders('u1'),
    );
    expect(emails.body.data._entities).toEqual([
      { __typename: 'User', email: getSeed().users[0]?.email },
    ]);
    expect(emails.cacheControl).toBe('max-age=300, private');
  });

  it('answers me from the caller, privately', async () => {
    expect((await gql(user, '{ me { id } }')).body.data.me).toBeNull();
    const me = await gql(user, '{ me { id email } }', undefined, callerHeaders('u3'));
    expect(me.body.data.me).toEqual({ id: 'u3', email: getSeed().users[2]?.email });
    expect(me.cacheControl).toBe('max-age=30, private');
    expect((await gql(user, '{ user(id: "nobody") { id } }')).body.data.user).toBeNull();
  });

  it('serves email to its owner and staff only; anyone else gets null and FORBIDDEN', async () => {
    const query = '{ user(id: "u1") { id email } }';
    const email = getSeed().users[0]?.email;
    const other = await gql(user, query, undefined, callerHeaders('u2'));
    expect(other.body.data.user).toEqual({ id: 'u1', email: null });
    expect(other.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['user', 'email'], 'FORBIDDEN'],
    ]);
    expect((await gql(user, query)).body.data.user).toEqual({ id: 'u1', email: null });
    for (const headers of [callerHeaders('u1'), staffHeaders]) {
      const allowed = await gql(user, query, undefined, headers);
      expect(allowed.body).toEqual({ data: { user: { id: 'u1', email } } });
    }
  });

  it('answers 401 when authenticate refuses, executing nothing', async () => {
    user.stats.reset();
    const refused = await gql(user, '{ user(id: "u1") { id } }', undefined, {
      'x-test-reject': '1',
    });
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(user.stats).toMatchObject({ requests: 1, dataCalls: 0 });
  });
});

describe('payment subgraph', () => {
  it('batches User.payments for several users into 1 data call, newest first', async () => {
    payment.stats.reset();
    const result = await gql(
      payment,
      entities('... on User { payments(first: 3) { id createdAt amount product { id } } }'),
      refs('User', range('u', 20)),
      staffHeaders,
    );
    const users = result.body.data._entities as {
      payments: { createdAt: string; amount: number; product: { id: string } }[];
    }[];
    expect(users).toHaveLength(20);
    expect(payment.stats).toMatchObject({ requests: 1, dataCalls: 1 });
    expect(result.cacheControl).toBe('no-store');
    for (const { payments } of users) {
      expect(payments.length).toBeGreaterThan(0);
      const dates = payments.map((p) => p.createdAt);
      expect(dates).toEqual([...dates].sort().reverse());
      for (const p of payments)
        expect(p.amount).toBe(getSeed().productById.get(p.product.id)?.price);
    }
  });

  it('resolves Payment entities in one data call', async () => {
    payment.stats.reset();
    const result = await gql(
      payment,
      entities('... on Payment { id status user { id } }'),
      refs('Payment', range('pay', 30)),
      staffHeaders,
    );
    expect(result.body.data._entities[0]).toEqual({
      __typename: 'Payment',
      id: 'pay1',
      status: getSeed().payments[0]?.status,
      user: { id: getSeed().payments[0]?.userId },
    });
    expect(payment.stats.dataCalls).toBe(1);
  });

  it('creates payments only for a caller', async () => {
    const anonymous = await gql(payment, 'mutation { createPayment(productId: "p5") { id } }');
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
    const created = await gql(
      payment,
      'mutation { createPayment(productId: "p5") { id amount status currency user { id } } }',
      undefined,
      callerHeaders('u9'),
    );
    expect(created.body.data.createPayment).toEqual({
      id: 'pay10001',
      amount: getSeed().productById.get('p5')?.price,
      status: 'PENDING',
      currency: 'USD',
      user: { id: 'u9' },
    });
    const latest = await gql(
      payment,
      entities('... on User { payments(first: 1) { id } }'),
      refs('User', ['u9']),
      callerHeaders('u9'),
    );
    expect(latest.body.data._entities[0].payments).toEqual([{ id: 'pay10001' }]);
    const unknown = await gql(
      payment,
      'mutation { createPayment(productId: "nope") { id } }',
      undefined,
      callerHeaders('u9'),
    );
    expect(codes(unknown)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('subgraph server', () => {
  it('records received queries, variables and headers', async () => {
    user.stats.reset();
    await gql(
      user,
      'query Q($id: ID!) { user(id: $id) { id } }',
      { id: 'u1' },
      { 'x-trace': 't1' },
    );
    expect(user.stats.received).toHaveLength(1);
    expect(user.stats.received[0]).toMatchObject({
      query: 'query Q($id: ID!) { user(id: $id) { id } }',
      variables: { id: 'u1' },
      headers: { 'x-trace': 't1' },
    });
  });

  it('serves /health and 404 elsewhere', async () => {
    expect((await fetch(user.url.replace('/graphql', '/health'))).status).toBe(200);
    expect((await fetch(user.url.replace('/graphql', '/other'))).status).toBe(404);
  });

  it('closes idempotently', async () => {
    const extra = await startSubgraph('user', { port: 0, logger });
    await Promise.all([extra.close(), extra.close()]);
    await expect(fetch(extra.url)).rejects.toThrow();
  });
});

describe('npm run subgraph', () => {
  const main = fileURLToPath(new URL('../../subgraphs/main.ts', import.meta.url));
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      env: { ...process.env, ...env },
      stdio: 'pipe',
    });
  const exitCode = (child: ReturnType<typeof run>) =>
    new Promise<number | null>((resolve) => child.on('exit', resolve));

  it('refuses an unknown name with one line and exit code 1', async () => {
    const child = run(['nope']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exitCode(child)).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('Unknown subgraph "nope"');
  });

  it('starts on PORT and exits 0 on SIGTERM', async () => {
    const child = run(['product'], { PORT: '0', LOG_LEVEL: 'info' });
    const url = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /"url":"([^"]+)"/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
    });
    const response = await fetch(url, {
      method: 'POST',
      // The subgraph answers only the gateway's internal token (development key).
      headers: {
        'content-type': 'application/json',
        authorization: await internalAuthorization('product', null, '{ product(id: "p1") { id } }'),
      },
      body: JSON.stringify({ query: '{ product(id: "p1") { id } }' }),
    });
    expect(await response.json()).toEqual({ data: { product: { id: 'p1' } } });
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  });
});
