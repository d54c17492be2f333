import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSeed } from '../../subgraphs/shared/seed.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { devToken, forgedToken } from '../helpers/tokens.js';

/** Authentication and authorization through the real gateway and subgraphs, over HTTP. */
let stack: Stack;
let partial: string; // u42 with read:self only (docs/security.md group L's user A)
beforeAll(async () => {
  stack = await startStack();
  partial = await devToken('u42', 'read:self');
});
afterAll(async () => {
  await stack?.stop();
});

type Body = { data?: unknown; errors?: { path?: unknown[]; extensions: { code: string } }[] };
const codes = (body: Body) => body.errors?.map((e) => e.extensions.code);
const deniedPaths = (body: Body) =>
  (body.errors ?? [])
    .filter((e) => e.extensions.code === 'UNAUTHORIZED_FIELD_OR_TYPE')
    .map((e) => e.path);
const subgraphRequests = () =>
  stack.subgraphs.user.stats.requests +
  stack.subgraphs.product.stats.requests +
  stack.subgraphs.payment.stats.requests;

describe('authentication (request flow step 2)', () => {
  const bad: [string, () => Promise<string> | string][] = [
    ['garbage', () => 'Bearer not-a-jwt'],
    ['expired', () => devToken('u42', '', { ttlSec: -120 }).then((t) => `Bearer ${t}`)],
    ['alg none', () => `Bearer ${forgedToken({ alg: 'none' }, { sub: 'u1' }, 'x')}`],
    ['Basic scheme', () => 'Basic dTE6cHc='],
    ['oversized', () => `Bearer ${'a'.repeat(9000)}.b.c`],
  ];
  it.each(bad)('%s token: 401 UNAUTHENTICATED, nothing executed', async (_case, header) => {
    stack.resetStats();
    const { status, body, headers } = await stack.query('{ products(first: 1) { name } }', {
      headers: { authorization: await header() },
    });
    expect(status).toBe(401);
    expect(codes(body)).toEqual(['UNAUTHENTICATED']);
    expect(body.data).toBeUndefined();
    expect(headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(subgraphRequests()).toBe(0);
  });

  it('an invalid token is not downgraded to anonymous, even on a public operation', async () => {
    const { status } = await stack.query('{ __typename }', { token: 'x.y.z' });
    expect(status).toBe(401);
  });

  it('ignores a token in the URL', async () => {
    const token = await devToken('u42', 'read:email');
    const query = encodeURIComponent('{ me { name } }');
    const response = await fetch(
      `${stack.url}?query=${query}&access_token=${token}&token=${token}`,
      {
        headers: { 'apollo-require-preflight': 'true' },
      },
    );
    const body = (await response.json()) as Body;
    expect(response.status).toBe(200);
    expect(body.data).toEqual({ me: null });
    expect(deniedPaths(body)).toEqual([['me']]);
  });

  it('answers me from the verified token only, whatever identity headers the client sends', async () => {
    stack.resetStats();
    const { body } = await stack.query('{ me { id } }', {
      token: partial,
      headers: { 'x-user-id': 'u1', 'x-forwarded-user': 'u1', 'x-gateway-secret': 'guess' },
    });
    expect(body.data).toEqual({ me: { id: 'u42' } });
    const received = stack.subgraphs.user.stats.received[0]!;
    for (const header of ['x-user-id', 'x-forwarded-user', 'x-gateway-secret'])
      expect(received.headers[header]).toBeUndefined();
    // Never the client's token: an internal one, for this subgraph, with the caller's identity
    // (and only the scopes the user subgraph uses: read:self is none of them).
    const forwarded = received.headers.authorization!.replace(/^Bearer /, '');
    expect(forwarded).not.toBe(partial);
    const claims = decodeJwt(forwarded);
    expect(claims).toMatchObject({ iss: 'federation-gateway', aud: 'user', sub: 'u42' });
    expect(claims.scope).toBeUndefined();
  });
});

describe('what authorization leaves alone', () => {
  it('introspection is not filtered and shows no auth directives', async () => {
    const { status, body } = await stack.query(
      '{ __type(name: "User") { fields { name } } __schema { directives { name } } }',
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const data = body.data as {
      __type: { fields: { name: string }[] };
      __schema: { directives: { name: string }[] };
    };
    expect(data.__type.fields.map((f) => f.name)).toContain('email');
    const directives = data.__schema.directives.map((d) => d.name);
    for (const name of ['authenticated', 'requiresScopes', 'policy'])
      expect(directives).not.toContain(name);
  });

  it('an identity claimed in the request extensions is ignored', async () => {
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${partial}` },
      body: JSON.stringify({ query: '{ me { id } }', extensions: { jwt: { sub: 'u1' } } }),
    });
    expect(((await response.json()) as { data: unknown }).data).toEqual({ me: { id: 'u42' } });
  });
});

describe('authorization bypass attempts (group L, user with read:self only)', () => {
  it.each([
    ['alias', '{ x: me { e: email } }', { x: { e: null } }, [['x', 'e']]],
    [
      'named fragment',
      '{ me { ...F } } fragment F on User { email }',
      { me: { email: null } },
      [['me', 'email']],
    ],
    [
      'inline fragment',
      '{ me { ... on User { email } } }',
      { me: { email: null } },
      [['me', 'email']],
    ],
    [
      'nested spreads',
      '{ me { ...A } } fragment A on User { ...B } fragment B on User { id email }',
      { me: { id: 'u42', email: null } },
      [['me', 'email']],
    ],
    [
      'another user by id (IDOR)',
      '{ user(id: "u1") { name email } }',
      { user: { name: getSeed().users[0]!.name, email: null } },
      [['user', 'email']],
    ],
    [
      'payments of another user',
      '{ user(id: "u1") { payments(first: 1) { amount } } }',
      { user: { payments: null } },
      [['user', 'payments']],
    ],
  ])('%s', async (_case, query, data, paths) => {
    stack.resetStats();
    const { status, body } = await stack.query(query, { token: partial });
    expect(status).toBe(200);
    expect(body.data).toEqual(data);
    expect(deniedPaths(body)).toEqual(paths);
    for (const r of stack.subgraphs.user.stats.received) expect(r.query).not.toContain('email');
    expect(stack.subgraphs.payment.stats.requests).toBe(0);
  });

  it('entity path: the sellers’ email is denied on every item, never fetched through _entities', async () => {
    stack.resetStats();
    const { body } = await stack.query('{ products(first: 3) { name seller { name email } } }', {
      token: partial,
    });
    expect(body.data.products).toHaveLength(3);
    for (const p of body.data.products)
      expect(p.seller).toEqual({ name: expect.any(String), email: null });
    expect(deniedPaths(body)).toEqual([0, 1, 2].map((i) => ['products', i, 'seller', 'email']));
    for (const r of stack.subgraphs.user.stats.received) expect(r.query).not.toContain('email');
  });

  it('applies authorization to the fields that run (@skip / @include)', async () => {
    const query = 'query($x: Boolean!) { me { id email @include(if: $x) } }';
    const skipped = await stack.query(query, { token: partial, variables: { x: false } });
    expect(skipped.body.data).toEqual({ me: { id: 'u42' } });
    expect(skipped.body.errors).toBeUndefined();
    const included = await stack.query(query, { token: partial, variables: { x: true } });
    expect(included.body.data).toEqual({ me: { id: 'u42', email: null } });
    expect(deniedPaths(included.body)).toEqual([['me', 'email']]);
  });

  it('a selection left empty keeps the document valid and answers an empty object', async () => {
    const { status, body } = await stack.query('{ me { email } }', { token: partial });
    expect(status).toBe(200);
    expect(body.data).toEqual({ me: { email: null } });
  });
});

describe('mutations the caller may not run are removed, nothing executed', () => {
  it('updateProductPrice without admin:products', async () => {
    stack.resetStats();
    const { status, body } = await stack.query(
      'mutation { updateProductPrice(id: "p1", price: 0.01) { id price } }',
      { token: partial },
    );
    expect(status).toBe(200);
    expect(body.data).toEqual({ updateProductPrice: null });
    expect(deniedPaths(body)).toEqual([['updateProductPrice']]);
    expect(subgraphRequests()).toBe(0);
    const price = await stack.query('{ product(id: "p1") { price } }');
    expect(price.body.data.product.price).not.toBe(0.01);
  });

  it('createPayment anonymously; and both mutations with the right grants', async () => {
    stack.resetStats();
    const anonymous = await stack.query('mutation { createPayment(productId: "p1") { id } }');
    expect(anonymous.body.data).toEqual({ createPayment: null });
    expect(deniedPaths(anonymous.body)).toEqual([['createPayment']]);
    expect(stack.subgraphs.payment.stats.dataCalls).toBe(0);

    const admin = await devToken('u42', 'admin:products');
    const updated = await stack.query(
      'mutation { updateProductPrice(id: "p2", price: 12.5) { price } createPayment(productId: "p2") { amount } }',
      { token: admin },
    );
    expect(updated.body.errors).toBeUndefined();
    expect(updated.body.data).toEqual({
      updateProductPrice: { price: 12.5 },
      createPayment: { amount: expect.any(Number) },
    });
  });
});

describe('one error per removed response path', () => {
  it('reports a field selected twice under one key once', async () => {
    const token = await devToken('u3', '');
    const { body } = await stack.query('{ user(id: "u3") { name email ... on User { email } } }', {
      token,
    });
    expect(body.data.user).toEqual({ name: expect.any(String), email: null });
    const errors = body.errors as { path: unknown; extensions: { code: string } }[];
    const unauthorized = errors.filter((e) => e.extensions.code === 'UNAUTHORIZED_FIELD_OR_TYPE');
    expect(unauthorized.map((e) => e.path)).toEqual([['user', 'email']]);
  });
});
