import { buildSchema, executeSync, getOperationAST, parse, print, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { applyRemovals, buildRemovalTree } from '../../src/auth/applyRemovals.js';
import { filterOperation, TYPENAME_ALIAS } from '../../src/auth/filterDocument.js';
import { AccessRules } from '../../src/auth/requirements.js';
import type { AccessRequirement } from '../../src/supergraph/directiveIndex.js';

/**
 * The filter and the response step on a schema with interfaces and unions (the shipped subgraphs
 * have none): the filtered document is executed for real with graphql-js, then the removals are
 * applied, as the gateway does around its executor.
 */
const schema = buildSchema(`
  type Query { me: User, user(id: ID!): User, node(id: ID!): Node, posts: [Post!]!, feed: [Post], search: [SearchResult] }
  type Mutation { pay(id: ID!): Payment, rename(name: String!): User }
  interface Node { id: ID! }
  interface Post { id: ID! title: String! }
  type PublicBlog implements Post { id: ID! title: String! }
  type PrivateBlog implements Post { id: ID! title: String! publishAt: String }
  type User implements Node { id: ID! name: String! email: String ssn: String! payments: [Payment!] }
  type Payment { id: ID! amount: Float! }
  union SearchResult = User | PublicBlog
`);
const req = (r: Partial<AccessRequirement>): AccessRequirement => ({
  authenticated: false,
  scopes: undefined,
  policies: undefined,
  ...r,
});
const access = new Map<string, AccessRequirement>([
  ['Query.me', req({ authenticated: true })],
  ['User.email', req({ scopes: [['read:email']] })],
  ['User.ssn', req({ scopes: [['read:ssn']] })],
  ['User.payments', req({ scopes: [['read:payments'], ['admin']] })],
  ['PrivateBlog', req({ authenticated: true })],
  ['Mutation.pay', req({ scopes: [['pay']] })],
]);
const rules = new AccessRules(schema, access);

const alice = {
  __typename: 'User',
  id: 'u1',
  name: 'Alice',
  email: 'a@example.com',
  ssn: '123',
  payments: [
    { id: 'p1', amount: 1 },
    { id: 'p2', amount: 2 },
  ],
};
const publicBlog = { __typename: 'PublicBlog', id: 'b1', title: 'pub' };
const privateBlog = { __typename: 'PrivateBlog', id: 'b2', title: 'priv', publishAt: 'soon' };
const rootValue = {
  me: alice,
  user: alice,
  node: alice,
  posts: [publicBlog, privateBlog],
  feed: [publicBlog, privateBlog],
  search: [alice, publicBlog],
  pay: { id: 'p9', amount: 9 },
  rename: alice,
};

/** Filters `query` for a caller (null = anonymous), runs it, applies the removals. */
function run(query: string, scopes: string | null, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = getOperationAST(document)!;
  const principal =
    scopes === null
      ? null
      : {
          sub: 'u1',
          issuer: undefined,
          scopes: new Set(scopes.split(' ').filter(Boolean)),
          claims: {},
        };
  const filtered = filterOperation(
    document,
    operation,
    rules,
    rules.grantsFor(principal, new Map()),
  );
  const errors = validate(schema, filtered.document);
  if (errors.length)
    throw new Error(`invalid filtered document: ${errors.join('; ')}\n${print(filtered.document)}`);
  const executed = executeSync({
    schema,
    document: filtered.document,
    rootValue,
    variableValues: variables,
  });
  if (executed.errors) throw new Error(executed.errors.join('; '));
  const data = structuredClone(executed.data) as Record<string, unknown>;
  const result = applyRemovals(buildRemovalTree(filtered), data, operation, variables);
  return { filtered, data: result.data, paths: result.removed.map((r) => r.path) };
}

const name = 'Alice';
describe('filter, then null the removed paths (table)', () => {
  it.each<[string, string, string | null, Record<string, unknown>, unknown, unknown[][]]>([
    ['anonymous me', '{ me { name } }', null, {}, { me: null }, [['me']]],
    [
      'field without scope',
      '{ me { name email } }',
      '',
      {},
      { me: { name, email: null } },
      [['me', 'email']],
    ],
    ['alias', '{ x: me { e: email } }', '', {}, { x: { e: null } }, [['x', 'e']]],
    [
      'named fragment',
      '{ me { ...F } } fragment F on User { name email }',
      '',
      {},
      { me: { name, email: null } },
      [['me', 'email']],
    ],
    [
      'inline fragment',
      '{ me { ... on User { email } } }',
      '',
      {},
      { me: { email: null } },
      [['me', 'email']],
    ],
    [
      'nested spreads',
      '{ me { ...A } } fragment A on User { ...B } fragment B on User { name email }',
      '',
      {},
      { me: { name, email: null } },
      [['me', 'email']],
    ],
    [
      'fragment on the interface',
      '{ node(id: "u1") { ... on Node { id } ... on User { email } } }',
      '',
      {},
      { node: { id: 'u1', email: null } },
      [['node', 'email']],
    ],
    [
      'object-level access (user by id)',
      '{ user(id: "u2") { email } }',
      'read:self',
      {},
      { user: { email: null } },
      [['user', 'email']],
    ],
    [
      'nullable list field',
      '{ user(id: "u1") { payments { amount } } }',
      'read:email',
      {},
      { user: { payments: null } },
      [['user', 'payments']],
    ],
    [
      'scope alternatives: (read:payments) OR (admin)',
      '{ user(id: "u1") { payments { amount } } }',
      'admin',
      {},
      { user: { payments: [{ amount: 1 }, { amount: 2 }] } },
      [],
    ],
    [
      'non-null field nulls its parent',
      '{ user(id: "u1") { name ssn } }',
      '',
      {},
      { user: null },
      [['user', 'ssn']],
    ],
    [
      'interface field needs every implementation (nullable items)',
      '{ feed { title } }',
      null,
      {},
      { feed: [null, null] },
      [
        ['feed', 0, 'title'],
        ['feed', 1, 'title'],
      ],
    ],
    [
      '… up to the root through non-null lists',
      '{ posts { id } }',
      null,
      {},
      null,
      [
        ['posts', 0, 'id'],
        ['posts', 1, 'id'],
      ],
    ],
    [
      'interface fields for an authenticated caller',
      '{ feed { title } }',
      '',
      {},
      { feed: [{ title: 'pub' }, { title: 'priv' }] },
      [],
    ],
    [
      'fragment on the public implementation',
      '{ feed { ... on PublicBlog { title } } }',
      null,
      {},
      { feed: [{ title: 'pub' }, {}] },
      [],
    ],
    [
      'fragment on the protected type: error at that item only',
      '{ feed { ... on PublicBlog { title } ... on PrivateBlog { publishAt } } }',
      null,
      {},
      { feed: [{ title: 'pub' }, {}] },
      [['feed', 1]],
    ],
    [
      'named fragment on the protected type',
      '{ feed { id ...P } } fragment P on PrivateBlog { publishAt }',
      null,
      {},
      { feed: [null, null] },
      [
        ['feed', 0, 'id'],
        ['feed', 1, 'id'],
        ['feed', 1],
      ],
    ],
    [
      'union member field: only the User items',
      '{ search { ... on User { email } ... on PublicBlog { title } } }',
      '',
      {},
      { search: [{ email: null }, { title: 'pub' }] },
      [['search', 0, 'email']],
    ],
    [
      '@skip(if: true) runs nothing, so no error',
      'query($s: Boolean!) { me { name email @skip(if: $s) } }',
      '',
      { s: true },
      { me: { name } },
      [],
    ],
    [
      '@skip(if: false)',
      'query($s: Boolean!) { me { name email @skip(if: $s) } }',
      '',
      { s: false },
      { me: { name, email: null } },
      [['me', 'email']],
    ],
    [
      '@include default false on a fragment',
      'query($i: Boolean = false) { me { name ... @include(if: $i) { email } } }',
      '',
      {},
      { me: { name } },
      [],
    ],
    [
      '$__proto__ as a variable name',
      'query($__proto__: Boolean = true) { me { email @include(if: $__proto__) } }',
      '',
      {},
      { me: { email: null } },
      [['me', 'email']],
    ],
    [
      'a selection merged from two fields',
      '{ me { email } me { name } }',
      '',
      {},
      { me: { email: null, name } },
      [['me', 'email']],
    ],
    [
      '__typename stays',
      '{ me { __typename email } }',
      '',
      {},
      { me: { __typename: 'User', email: null } },
      [['me', 'email']],
    ],
    [
      'mutation without its scope: nothing runs',
      'mutation { pay(id: "p1") { id } }',
      'read:email',
      {},
      { pay: null },
      [['pay']],
    ],
    [
      'mutation with its scope',
      'mutation { pay(id: "p1") { id } }',
      'pay',
      {},
      { pay: { id: 'p9' } },
      [],
    ],
  ])('%s', (_case, query, scopes, variables, data, paths) => {
    const result = run(query, scopes, variables);
    expect(result.data).toEqual(data);
    expect(result.paths).toEqual(paths);
    expect(JSON.stringify(result.data ?? {})).not.toContain(TYPENAME_ALIAS);
  });

  it('puts a removed field back in the order the client asked for', () => {
    const { data } = run('{ me { name } feed { ... on PublicBlog { title } } }', null);
    expect(Object.keys(data!)).toEqual(['me', 'feed']);
    const nested = run('{ user(id: "u1") { email ... on User { id } name } }', '');
    expect(Object.keys(nested.data!.user as object)).toEqual(['email', 'id', 'name']);
  });

  it('an alias named __proto__ stays an own key and pollutes nothing', () => {
    const { data } = run('{ me { __proto__: email name } }', '');
    expect(Object.getOwnPropertyDescriptor(data!.me, '__proto__')?.value).toBeNull();
    expect(({} as Record<string, unknown>).name).toBeUndefined();
  });

  it('leaves a document the caller may fully see untouched (same object)', () => {
    const document = parse('{ me { name email payments { amount } } feed { title } }');
    const grants = rules.grantsFor(
      {
        sub: 'u1',
        issuer: undefined,
        scopes: new Set(['read:email', 'read:payments']),
        claims: {},
      },
      new Map(),
    );
    const filtered = filterOperation(document, getOperationAST(document)!, rules, grants);
    expect(filtered.changed).toBe(false);
    expect(filtered.document).toBe(document);
  });

  it('removes the field from the document (the subgraph never sees it) and prunes its variables', () => {
    const { filtered } = run('query($s: Boolean!) { me { name email @skip(if: $s) } }', '', {
      s: false,
    });
    const printed = print(filtered.document);
    expect(printed).not.toContain('email');
    expect(printed).not.toContain('$s');
  });

  it('drops fragments that only held removed fields', () => {
    const { filtered } = run('{ me { name ...E } } fragment E on User { email }', '');
    expect(print(filtered.document)).not.toContain('fragment E');
  });
});
