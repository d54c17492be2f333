/**
 * Object-level authorization (OWASP API1, docs/security.md case 70): scopes say which kind of
 * data a caller may read, the owning subgraph says whose. `User.email` (user subgraph),
 * `User.payments` and `Payment` (payment subgraph) resolve only for the caller's own user or a
 * caller with the staff scope `read:users:all`; anyone else gets null and one FORBIDDEN error at
 * that path, and the rest of the response is served. Every caller here HAS `read:email
 * read:payments`, so the gateway's scope filter lets every field through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/context.js';
import { startStack, type GraphQLResponse, type Stack } from '../helpers/stack.js';
import { createTestIssuer, devToken, internalAuthorization } from '../helpers/tokens.js';
import { expectNoLeaks, productionEnv } from './helpers.js';

const SCOPES = 'read:email read:payments';
const STAFF = `${SCOPES} read:users:all`;

let stack: Stack;
let owner: string; // u42
let staff: string; // u7, staff
beforeAll(async () => {
  stack = await startStack();
  [owner, staff] = await Promise.all([devToken('u42', SCOPES), devToken('u7', STAFF)]);
});
afterAll(async () => {
  await stack?.stop();
});

type Path = readonly (string | number)[];
interface Body {
  data?: Record<string, unknown> | null;
  errors?: { path?: Path; extensions?: { code?: string } }[];
}

/** 200, no leak, and every error is FORBIDDEN; returns the data and the FORBIDDEN paths. */
async function ask(query: string, token: string) {
  const response: GraphQLResponse = await stack.query(query, { token });
  const body = response.body as Body;
  const summary = JSON.stringify(body).slice(0, 800);
  expect(response.status, summary).toBe(200);
  expectNoLeaks(stack, body);
  for (const error of body.errors ?? []) expect(error.extensions?.code, summary).toBe('FORBIDDEN');
  const paths = (body.errors ?? []).map((e) => e.path);
  return { data: body.data, paths: [...paths].sort(byPath) };
}

const byPath = (a: Path | undefined, b: Path | undefined) =>
  JSON.stringify(a).localeCompare(JSON.stringify(b));
const sorted = (paths: Path[]) => [...paths].sort(byPath);

const EMAIL = /@example\.com$/;
const payment = { id: expect.stringMatching(/^pay\d+$/), amount: expect.any(Number) };

describe('object-level authorization through the gateway', () => {
  it('me: the caller reads its own email and payments', async () => {
    const { data, paths } = await ask(
      '{ me { id email payments(first: 2) { id amount } } }',
      owner,
    );
    expect(paths).toEqual([]);
    expect(data).toEqual({
      me: { id: 'u42', email: expect.stringMatching(EMAIL), payments: [payment, payment] },
    });
  });

  it('user(id:) of another user: email and payments null with FORBIDDEN, the rest served', async () => {
    const { data, paths } = await ask(
      '{ user(id: "u1") { id name email payments(first: 3) { id amount } } me { id email } }',
      owner,
    );
    expect(data).toEqual({
      user: { id: 'u1', name: expect.any(String), email: null, payments: null },
      me: { id: 'u42', email: expect.stringMatching(EMAIL) },
    });
    expect(paths).toEqual(
      sorted([
        ['user', 'email'],
        ['user', 'payments'],
      ]),
    );
    const own = await ask('{ user(id: "u42") { email payments(first: 1) { id } } }', owner);
    expect(own.paths).toEqual([]);
    expect(own.data).toEqual({
      user: { email: expect.stringMatching(EMAIL), payments: [{ id: expect.any(String) }] },
    });
  });

  it('product(id:).seller and products[].seller: denied on every other seller', async () => {
    const one = await ask(
      '{ product(id: "p1") { name seller { id name email payments(first: 1) { amount } } } }',
      owner,
    );
    expect(one.data).toEqual({
      product: {
        name: expect.any(String),
        seller: { id: 'u1', name: expect.any(String), email: null, payments: null },
      },
    });
    expect(one.paths).toEqual(
      sorted([
        ['product', 'seller', 'email'],
        ['product', 'seller', 'payments'],
      ]),
    );

    const list = await ask(
      '{ products(first: 3) { id seller { id email payments(first: 1) { amount } } } }',
      owner,
    );
    const products = (list.data as { products: { seller: unknown }[] }).products;
    expect(products).toHaveLength(3);
    products.forEach((p, i) =>
      expect(p.seller).toEqual({ id: `u${i + 1}`, email: null, payments: null }),
    );
    expect(list.paths).toEqual(
      sorted(
        [0, 1, 2].flatMap((i) => [
          ['products', i, 'seller', 'email'],
          ['products', i, 'seller', 'payments'],
        ]),
      ),
    );

    // p42 is sold by u42 itself: served.
    const mine = await ask('{ product(id: "p42") { seller { id email } } }', owner);
    expect(mine).toEqual({
      data: { product: { seller: { id: 'u42', email: expect.stringMatching(EMAIL) } } },
      paths: [],
    });
  });

  it('aliases and fragments: the same denial at the aliased path', async () => {
    const aliased = await ask(
      '{ a: user(id: "u1") { e: email p: payments(first: 1) { id } } b: me { e: email } }',
      owner,
    );
    expect(aliased.data).toEqual({ a: { e: null, p: null }, b: { e: expect.any(String) } });
    expect(aliased.paths).toEqual(
      sorted([
        ['a', 'e'],
        ['a', 'p'],
      ]),
    );
    for (const query of [
      '{ user(id: "u1") { ...F } } fragment F on User { email payments(first: 1) { id } }',
      '{ user(id: "u1") { ... on User { email payments(first: 1) { id } } } }',
      '{ user(id: "u1") { ... { email } ... { payments(first: 1) { id } } } }',
      '{ user(id: "u1") { ...A } } fragment A on User { ...B } fragment B on User { ... on User { email payments(first: 1) { id } } }',
    ]) {
      const { data, paths } = await ask(query, owner);
      expect(data, query).toEqual({ user: { email: null, payments: null } });
      expect(paths, query).toEqual(
        sorted([
          ['user', 'email'],
          ['user', 'payments'],
        ]),
      );
    }
  });

  it('payment.user: the caller’s own payment leads to its own data; another’s payments stay closed', async () => {
    const created = await stack.query(
      'mutation { createPayment(productId: "p1") { id amount user { id email payments(first: 1) { id } } } }',
      { token: owner },
    );
    expect(created.status).toBe(200);
    expect(created.body.errors).toBeUndefined();
    const made = created.body.data.createPayment as {
      id: string;
      user: { id: string; email: string; payments: { id: string }[] };
    };
    expect(made.user).toEqual({
      id: 'u42',
      email: expect.stringMatching(EMAIL),
      payments: [{ id: made.id }],
    });

    const own = await ask('{ me { payments(first: 1) { id user { id email } } } }', owner);
    expect(own.paths).toEqual([]);
    // Through another user's payments: nothing to walk, one error at the list.
    const other = await ask(
      '{ user(id: "u1") { payments(first: 2) { id user { id email payments(first: 1) { id } } } } }',
      owner,
    );
    expect(other).toEqual({ data: { user: { payments: null } }, paths: [['user', 'payments']] });
  });

  it('staff (read:users:all) reads any user on every path', async () => {
    const { data, paths } = await ask(
      `{ user(id: "u1") { email payments(first: 1) { id user { email } } }
         product(id: "p2") { seller { email } }
         products(first: 2) { seller { email payments(first: 1) { id } } } }`,
      staff,
    );
    expect(paths).toEqual([]);
    expect(data).toEqual({
      user: {
        email: expect.stringMatching(EMAIL),
        payments: [{ id: expect.any(String), user: { email: expect.stringMatching(EMAIL) } }],
      },
      product: { seller: { email: expect.stringMatching(EMAIL) } },
      products: [0, 1].map(() => ({
        seller: { email: expect.stringMatching(EMAIL), payments: [{ id: expect.any(String) }] },
      })),
    });
  });

  it('the staff scope alone is not read:email: the gateway still filters by kind', async () => {
    const token = await devToken('u7', 'read:users:all');
    const response = await stack.query('{ user(id: "u1") { email } }', { token });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ user: { email: null } });
    expect(response.body.errors[0].extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});

describe('in production (NODE_ENV=production)', () => {
  it('the FORBIDDEN code and path reach the client unmasked, with no leak', async () => {
    const idp = await createTestIssuer();
    const production = await startStack({
      env: {
        ...(await productionEnv()),
        JWT_PUBLIC_KEY: idp.publicKeyPem,
        JWT_ISSUER: idp.issuer,
        JWT_AUDIENCE: idp.audience,
      },
    });
    try {
      const token = await idp.mint({ sub: 'u42', scope: SCOPES });
      const { status, body } = await production.query(
        '{ products(first: 2) { id seller { email } } }',
        { token },
      );
      expect(status).toBe(200);
      expectNoLeaks(production, body);
      expect(body.data.products).toEqual([
        { id: 'p1', seller: { email: null } },
        { id: 'p2', seller: { email: null } },
      ]);
      const errors = body.errors as { path: Path; extensions: Record<string, unknown> }[];
      expect(errors.map((e) => [e.path, e.extensions.code])).toEqual([
        [['products', 0, 'seller', 'email'], 'FORBIDDEN'],
        [['products', 1, 'seller', 'email'], 'FORBIDDEN'],
      ]);
    } finally {
      await production.stop();
    }
  });
});

describe('a crafted _entities request to the owning subgraph, with a valid internal token', () => {
  const principal = (sub: string, scopes: string): Principal => ({
    sub,
    issuer: undefined,
    scopes: new Set(scopes.split(' ')),
    claims: {},
  });
  const caller = principal('u42', SCOPES);

  /** POSTs `query` straight to `subgraph` with a valid internal token of `who`, bound to it. */
  async function direct(
    subgraph: 'user' | 'payment',
    query: string,
    who: Principal | null = caller,
  ) {
    const response = await fetch(stack.subgraphs[subgraph].url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: await internalAuthorization(subgraph, who, query),
      },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as Body;
    expect(response.status, JSON.stringify(body)).toBe(200);
    return {
      data: body.data,
      errors: (body.errors ?? []).map((e) => [e.path, e.extensions?.code]),
    };
  }

  it('user subgraph: another user’s email is FORBIDDEN, the caller’s own is served', async () => {
    const answer = await direct(
      'user',
      '{ _entities(representations: [{__typename: "User", id: "u1"}, {__typename: "User", id: "u42"}]) { ... on User { id name email } } }',
    );
    expect(answer.data).toEqual({
      _entities: [
        { id: 'u1', name: expect.any(String), email: null },
        { id: 'u42', name: expect.any(String), email: expect.stringMatching(EMAIL) },
      ],
    });
    expect(answer.errors).toEqual([[['_entities', 0, 'email'], 'FORBIDDEN']]);
  });

  it('payment subgraph: another user’s payments and a Payment by id are FORBIDDEN', async () => {
    const users = await direct(
      'payment',
      '{ _entities(representations: [{__typename: "User", id: "u1"}, {__typename: "User", id: "u42"}]) { ... on User { id payments(first: 1) { id amount } } } }',
    );
    expect(users.data).toEqual({
      _entities: [
        { id: 'u1', payments: null },
        { id: 'u42', payments: [payment] },
      ],
    });
    expect(users.errors).toEqual([[['_entities', 0, 'payments'], 'FORBIDDEN']]);

    // pay1 is u1's, pay42 is u42's (the seed's first payments cycle through the users).
    const payments = await direct(
      'payment',
      '{ _entities(representations: [{__typename: "Payment", id: "pay1"}, {__typename: "Payment", id: "pay42"}]) { ... on Payment { id amount status user { id } } } }',
    );
    expect(payments.data).toEqual({
      _entities: [
        null,
        {
          id: 'pay42',
          amount: expect.any(Number),
          status: expect.any(String),
          user: { id: 'u42' },
        },
      ],
    });
    expect(payments.errors).toEqual([[['_entities', 0], 'FORBIDDEN']]);

    const asStaff = await direct(
      'payment',
      '{ _entities(representations: [{__typename: "Payment", id: "pay1"}]) { ... on Payment { id user { id } } } }',
      principal('u7', STAFF),
    );
    expect(asStaff).toEqual({
      data: { _entities: [{ id: 'pay1', user: { id: 'u1' } }] },
      errors: [],
    });
  });

  it('an anonymous internal token reads nobody’s email or payments', async () => {
    const email = await direct(
      'user',
      '{ _entities(representations: [{__typename: "User", id: "u1"}]) { ... on User { email } } }',
      null,
    );
    expect(email).toEqual({
      data: { _entities: [{ email: null }] },
      errors: [[['_entities', 0, 'email'], 'FORBIDDEN']],
    });
    const payments = await direct(
      'payment',
      '{ _entities(representations: [{__typename: "Payment", id: "pay1"}]) { ... on Payment { id } } }',
      null,
    );
    expect(payments).toEqual({
      data: { _entities: [null] },
      errors: [[['_entities', 0], 'FORBIDDEN']],
    });
  });
});
