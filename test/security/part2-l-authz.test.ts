/**
 * docs/security.md Part 2, group L (cases 66–73): authorization bypass through GraphQL shapes.
 * User A is `u42` with scope `read:self` only. Design: filter mode (Router's default): denied
 * fields answer null with UNAUTHORIZED_FIELD_OR_TYPE at their path and are never sent to a
 * subgraph; AUTH_REJECT_UNAUTHORIZED=true refuses the whole request (case 72). Case 70 (whose
 * data) uses a caller who HAS `read:email read:payments`: the owning subgraph answers FORBIDDEN
 * for another user's data (every path: test/security/ownership.test.ts).
 */
import { buildSchema, executeSync, getOperationAST, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRemovals, buildRemovalTree } from '../../src/auth/applyRemovals.js';
import { filterOperation } from '../../src/auth/filterDocument.js';
import { AccessRules } from '../../src/auth/requirements.js';
import type { AccessRequirement } from '../../src/supergraph/directiveIndex.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { devToken } from '../helpers/tokens.js';
import { expectNoLeaks, expectRejected, productionEnv, subgraphRequests } from './helpers.js';

let stack: Stack;
let userA: string;
beforeAll(async () => {
  stack = await startStack();
  userA = await devToken('u42', 'read:self');
});
afterAll(async () => {
  await stack?.stop();
});

type Body = { data?: unknown; errors?: { path?: unknown[]; extensions: { code: string } }[] };
const deniedPaths = (body: Body) =>
  (body.errors ?? [])
    .filter((e) => e.extensions.code === 'UNAUTHORIZED_FIELD_OR_TYPE')
    .map((e) => e.path);

/** Sends `query` as user A: 200, the data, the denied paths; `email` never reached a subgraph. */
async function asUserA(query: string, variables?: Record<string, unknown>) {
  stack.resetStats();
  const { status, body } = await stack.query(query, { token: userA, variables });
  expect(status, JSON.stringify(body)).toBe(200);
  expectNoLeaks(stack, body);
  for (const s of Object.values(stack.subgraphs))
    for (const r of s.stats.received) expect(r.query).not.toContain('email');
  return { data: body.data, paths: deniedPaths(body), body };
}

describe('group L: authorization bypass through GraphQL shapes', () => {
  it('case 66: alias: the same denial as me { email }', async () => {
    const plain = await asUserA('{ me { email } }');
    expect(plain.data).toEqual({ me: { email: null } });
    expect(plain.paths).toEqual([['me', 'email']]);
    const aliased = await asUserA('{ x: me { e: email } }');
    expect(aliased.data).toEqual({ x: { e: null } });
    expect(aliased.paths).toEqual([['x', 'e']]);
  });

  it('case 67: named, inline, nested fragments: the same denial every time', async () => {
    for (const query of [
      '{ me { ...F } } fragment F on User { email }',
      '{ me { ... on User { email } } }',
      '{ me { ... { email } } }',
      '{ me { ...A } } fragment A on User { ...B } fragment B on User { ... on User { email } }',
    ]) {
      const { data, paths } = await asUserA(query);
      expect(data).toEqual({ me: { email: null } });
      expect(paths).toEqual([['me', 'email']]);
    }
  });

  it('case 68: interfaces and unions: AND over implementations; a protected member is denied at its path', () => {
    // The shipped supergraph has no interface or union: the gateway's filter on one that has.
    expect(run('{ feed { title } }', null)).toEqual({
      data: { feed: [null, null] },
      paths: [
        ['feed', 0, 'title'],
        ['feed', 1, 'title'],
      ],
    });
    expect(run('{ posts { id title } }', null).data).toBeNull();
    expect(run('{ feed { ... on PublicBlog { title } } }', null)).toEqual({
      data: { feed: [{ title: 'pub' }, {}] },
      paths: [],
    });
    expect(
      run('{ feed { ... on PublicBlog { title } ... on PrivateBlog { publishAt } } }', null),
    ).toEqual({ data: { feed: [{ title: 'pub' }, {}] }, paths: [['feed', 1]] });
    expect(run('{ search { ... on User { email } } }', 'read:self')).toEqual({
      data: { search: [{ email: null }, {}] },
      paths: [['search', 0, 'email']],
    });
    // The fragment on the interface, for the email of a node.
    expect(run('{ node(id: "u1") { ... on User { email } } }', 'read:self')).toEqual({
      data: { node: { email: null } },
      paths: [['node', 'email']],
    });
  });

  it('case 69: entity path: sellers’ email is denied on every item, never fetched through _entities', async () => {
    const { data, paths } = await asUserA('{ products(first: 3) { name seller { name email } } }');
    const products = (data as { products: { seller: unknown }[] }).products;
    expect(products).toHaveLength(3);
    for (const p of products) expect(p.seller).toEqual({ name: expect.any(String), email: null });
    expect(paths).toEqual([0, 1, 2].map((i) => ['products', i, 'seller', 'email']));
    // Enforced at the gateway (the case allows it): the user subgraph resolves email as is.
  });

  it('case 70: object-level access: a caller WITH read:email read:payments reads only its own user', async () => {
    // The scopes let every field through the gateway; the owning subgraph decides whose data.
    const scoped = await devToken('u42', 'read:email read:payments');
    const forbidden = (body: Body) =>
      (body.errors ?? []).map((e) => [e.path, e.extensions.code] as const);
    const other = await stack.query(
      '{ user(id: "u1") { id email payments(first: 1) { amount } } me { id email } }',
      { token: scoped },
    );
    expect(other.status).toBe(200);
    expectNoLeaks(stack, other.body);
    expect(other.body.data).toEqual({
      user: { id: 'u1', email: null, payments: null },
      me: { id: 'u42', email: expect.stringMatching(/@example\.com$/) },
    });
    expect(forbidden(other.body as Body)).toEqual([
      [['user', 'email'], 'FORBIDDEN'],
      [['user', 'payments'], 'FORBIDDEN'],
    ]);
    const own = await stack.query('{ user(id: "u42") { email payments(first: 1) { amount } } }', {
      token: scoped,
    });
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data.user.email).toMatch(/@example\.com$/);
    expect(own.body.data.user.payments).toHaveLength(1);
    // There is no node(id:) root field: the Relay form is refused by validation.
    const node = await stack.query('{ node(id: "User:u1") { id } }', { token: scoped });
    expectRejected(stack, node, { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it('case 71: @skip / @include: authorization on the fields that run; $__proto__ does not crash', async () => {
    const query = 'query($x: Boolean!) { me @skip(if: $x) { id email } }';
    const skipped = await asUserA(query, { x: true });
    expect(skipped.data).toEqual({});
    expect(skipped.paths).toEqual([]);
    const run = await asUserA(query, { x: false });
    expect(run.data).toEqual({ me: { id: 'u42', email: null } });
    expect(run.paths).toEqual([['me', 'email']]);
    const include = await asUserA('query($x: Boolean!) { me { id email @include(if: $x) } }', {
      x: true,
    });
    expect(include.paths).toEqual([['me', 'email']]);

    stack.resetStats();
    const proto = await stack.query(
      'query($__proto__: Boolean!) { me { id email @include(if: $__proto__) } }',
      { token: userA, variables: JSON.parse('{"__proto__": true}') as Record<string, unknown> },
    );
    expect(proto.status).toBeLessThan(500);
    expectNoLeaks(stack, proto.body);
    if (proto.status === 200) {
      expect(proto.body.data.me.email ?? null).toBeNull();
    }
    expect(({} as Record<string, unknown>).email).toBeUndefined();
  });

  it('case 72: reject mode: any unauthorized path refuses the whole request, listing the paths', async () => {
    const reject = await startStack({ env: { AUTH_REJECT_UNAUTHORIZED: 'true' } });
    try {
      reject.resetStats();
      const forbidden = await reject.query('{ products(first: 1) { id } me { id email } }', {
        token: userA,
      });
      expectRejected(reject, forbidden, { status: 403, code: 'FORBIDDEN' });
      expect(forbidden.body.errors[0].extensions.unauthorizedPaths).toEqual([['me', 'email']]);
      const anonymous = await reject.query('{ me { id } }');
      expectRejected(reject, anonymous, { status: 401, code: 'UNAUTHENTICATED' });
      expect(anonymous.body.errors[0].extensions.unauthorizedPaths).toEqual([['me']]);
      expect(subgraphRequests(reject)).toBe(0);
      const allowed = await reject.query('{ me { id } }', { token: userA });
      expect(allowed.status).toBe(200);
      expect(allowed.body.data).toEqual({ me: { id: 'u42' } });
    } finally {
      await reject.stop();
    }
  });

  it('case 73: introspection (when enabled) shows no auth directives; production refuses it', async () => {
    const { status, body } = await stack.query(
      '{ __type(name: "User") { fields { name } } __schema { directives { name } } }',
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const text = JSON.stringify(body);
    for (const name of ['authenticated', 'requiresScopes', 'policy', 'join__', 'link__'])
      expect(text).not.toContain(name);
    const production = await startStack({ env: await productionEnv() });
    try {
      const refused = await production.query('{ __schema { directives { name } } }');
      expectRejected(production, refused, { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
    } finally {
      await production.stop();
    }
  });
});

// ---- case 68: the gateway's filter on a schema with interfaces and unions -------------------

const schema = buildSchema(`
  type Query { me: User, node(id: ID!): Node, posts: [Post!]!, feed: [Post], search: [SearchResult] }
  interface Node { id: ID! }
  interface Post { id: ID! title: String! }
  type PublicBlog implements Post { id: ID! title: String! }
  type PrivateBlog implements Post { id: ID! title: String! publishAt: String }
  type User implements Node { id: ID! name: String! email: String }
  union SearchResult = User | PublicBlog
`);
const requirement = (r: Partial<AccessRequirement>): AccessRequirement => ({
  authenticated: false,
  scopes: undefined,
  policies: undefined,
  ...r,
});
const rules = new AccessRules(
  schema,
  new Map([
    ['User.email', requirement({ scopes: [['read:email']] })],
    ['PrivateBlog', requirement({ authenticated: true })],
  ]),
);
const alice = { __typename: 'User', id: 'u1', name: 'Alice', email: 'a@example.com' };
const publicBlog = { __typename: 'PublicBlog', id: 'b1', title: 'pub' };
const privateBlog = { __typename: 'PrivateBlog', id: 'b2', title: 'priv', publishAt: 'soon' };
const rootValue = {
  me: alice,
  node: alice,
  posts: [publicBlog, privateBlog],
  feed: [publicBlog, privateBlog],
  search: [alice, publicBlog],
};

/** Filters `query` for a caller (null = anonymous), executes it, applies the removals. */
function run(query: string, scopes: string | null) {
  const document = parse(query);
  const operation = getOperationAST(document)!;
  const principal =
    scopes === null
      ? null
      : { sub: 'u42', issuer: undefined, scopes: new Set([scopes]), claims: {} };
  const filtered = filterOperation(
    document,
    operation,
    rules,
    rules.grantsFor(principal, new Map()),
  );
  expect(validate(schema, filtered.document)).toEqual([]);
  const executed = executeSync({ schema, document: filtered.document, rootValue });
  expect(executed.errors).toBeUndefined();
  const data = structuredClone(executed.data) as Record<string, unknown>;
  const result = applyRemovals(buildRemovalTree(filtered), data, operation, {});
  return { data: result.data, paths: result.removed.map((r) => r.path) };
}
