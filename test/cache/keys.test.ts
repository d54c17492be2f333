import { describe, expect, it } from 'vitest';
import { canonicalJson, entityId, fieldKey, privateScope } from '../../src/cache/keys.js';
import { compileFetch, type Unit } from '../../src/cache/plan.js';
import { unitKey } from '../../src/cache/unit.js';
import type { CacheModel } from '../../src/cache/model.js';
import { modelOf, realModel } from './models.js';

const model = realModel();

/** The keys of every unit of a root fetch, as the data source computes them. */
function rootKeys(
  query: string,
  variables: Record<string, unknown> = {},
  scope?: string,
  on: CacheModel = model,
): string[] {
  const plan = compileFetch(query, on, 'product');
  if (plan.kind !== 'root') throw new Error(`expected a root plan, got ${plan.kind}`);
  return plan.units.map((u: Unit) =>
    unitKey('product', u, '', { ...plan.defaults, ...variables }, scope),
  );
}

/** The key of the first unit of an `_entities` fetch for one representation. */
function entityKey(
  fields: string,
  representation: Record<string, unknown>,
  scope?: string,
): string {
  const plan = compileFetch(
    `query($representations:[_Any!]!){_entities(representations:$representations){...on ${String(representation.__typename)}{${fields}}}}`,
    model,
    'user',
  );
  if (plan.kind !== 'entities') throw new Error(`expected an entities plan, got ${plan.kind}`);
  return unitKey('user', plan.units[0]!, canonicalJson(representation), {}, scope);
}

const key = (query: string, variables?: Record<string, unknown>) => rootKeys(query, variables)[0];

describe('canonical parts', () => {
  it.each([
    [
      { a: 1, b: 2 },
      { b: 2, a: 1 },
    ],
    [{ x: { a: [1, { c: 1, d: 2 }] } }, { x: { a: [1, { d: 2, c: 1 }] } }],
  ])('%j and %j have one canonical form', (a, b) => {
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it.each([
    [
      [1, 2],
      [2, 1],
    ],
    ['é', 'e\u0301'], // NFC vs NFD are different strings
    [{ a: null }, {}],
  ])('%j and %j stay apart', (a, b) => {
    expect(canonicalJson(a)).not.toBe(canonicalJson(b));
  });

  it.each([
    [{ __typename: 'Product', id: 'p1' }, ['id'], 'p1'],
    [{ __typename: 'Product', id: 7 }, ['id'], '7'],
    [{ __typename: 'Product', id: null }, ['id'], undefined],
    [{ sku: 'a', region: 'eu' }, ['sku', 'region'], '["a","eu"]'],
  ])('entity id of %j by %j is %s', (representation, keys, expected) => {
    expect(entityId(representation, keys)).toBe(expected);
  });

  it('never joins parts ambiguously (ids with separators, NUL, NFC/NFD)', () => {
    const parts = { subgraph: 'user', typeName: 'User', inputs: '{}', scope: '' };
    const keys = [
      fieldKey({ ...parts, fieldId: 'email', entity: '1' }),
      fieldKey({ ...parts, fieldId: '', entity: '1:email' }),
      fieldKey({ ...parts, fieldId: 'email', entity: '1\u0000' }),
      fieldKey({ ...parts, fieldId: 'email', entity: 'é' }),
      fieldKey({ ...parts, fieldId: 'email', entity: 'e\u0301' }),
      fieldKey({ ...parts, fieldId: 'email', entity: '1', inputs: '', scope: '{}' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('private scope depends on issuer, subject and scopes, not on their order', () => {
    const p = (sub: string, scopes: string[], issuer?: string) =>
      privateScope({ sub, issuer, scopes: new Set(scopes) });
    expect(p('u1', ['a', 'b'], 'i')).toBe(p('u1', ['b', 'a'], 'i'));
    expect(
      new Set([
        p('u1', [], 'i'),
        p('u2', [], 'i'),
        p('u1', [], 'j'),
        p('u1', ['a'], 'i'),
        p('u1', []),
      ]).size,
    ).toBe(5);
  });
});

describe('root-field keys: aliases, argument order and variables never change a key', () => {
  it.each([
    ['{product(id:"p1"){name}}', '{a:product(id:"p1"){name}}', {}],
    ['{product(id:"p1"){name}}', 'query($id:ID!){product(id:$id){name}}', { id: 'p1' }],
    ['{products(first:2,after:"p1"){name}}', '{products(after:"p1",first:2){name}}', {}],
    ['{products(first:2){name price}}', '{products(first:2){price name}}', {}],
    ['{products(first:2){name price}}', '{products(first:2){n:name p:price}}', {}],
    ['{products(first:2){name name}}', '{products(first:2){name}}', {}],
    ['{products(first:2){name}}', 'query($n:Int=2){products(first:$n){name}}', {}],
    [
      '{user(id:"u1"){products(first:1){id} more:products(first:2){id}}}',
      '{user(id:"u1"){x:products(first:2){id} products(first:1){id}}}',
      {},
    ],
  ])('%s ≡ %s', (a, b, variables) => {
    expect(key(a)).toBe(key(b, variables));
  });
});

describe('root-field keys: different inputs never collide', () => {
  it.each([
    ['{product(id:"p1"){name}}', '{product(id:"p2"){name}}', {}],
    ['{product(id:"p1"){name}}', 'query($id:ID!){product(id:$id){name}}', { id: 'p2' }],
    ['{products(first:1){name}}', '{products(first:2){name}}', {}],
    ['{products(first:2){name}}', '{products(first:2){name price}}', {}],
    ['{products(first:2){name}}', '{products(first:2){description}}', {}],
    ['{product(id:"p1"){name}}', '{products(first:1){name}}', {}],
    // explicit null is not an absent argument
    ['{products(first:2,after:null){name}}', '{products(first:2){name}}', {}],
    [
      '{products(first:2){name}}',
      'query($a:String){products(first:2,after:$a){name}}',
      { a: null },
    ],
    // a variable inside the sub-selection is part of the key
    [
      'query($n:Int){user(id:"u1"){products(first:$n){id}}}',
      'query($n:Int){user(id:"u1"){products(first:$n){id}}}',
      'n',
    ],
    // an id that looks like two parts joined
    ['{product(id:"p1:name"){name}}', '{product(id:"p1"){name}}', {}],
  ])('%s ≢ %s', (a, b, variables) => {
    if (variables === 'n') {
      expect(key(a, { n: 1 })).not.toBe(key(b, { n: 2 }));
      return;
    }
    expect(key(a)).not.toBe(key(b, variables as Record<string, unknown>));
  });

  it('two aliases of one field with different arguments are two keys, whatever the aliases', () => {
    const [a, b] = rootKeys('{a:product(id:"p1"){name} b:product(id:"p2"){name}}');
    const [c, d] = rootKeys('{a:product(id:"p2"){name} b:product(id:"p1"){name}}');
    expect(a).not.toBe(b);
    expect([a, b].sort()).toEqual([c, d].sort());
  });

  it('a schema change starts new keys', () => {
    const sdl = (maxAge: number) =>
      `extend schema @link(url: "https://x.dev/cacheControl/v0.1", import: ["@cacheControl"])
       directive @cacheControl(maxAge: Int) on FIELD_DEFINITION | OBJECT
       type Query { a: String @cacheControl(maxAge: ${maxAge}) }`;
    expect(rootKeys('{a}', {}, undefined, modelOf(sdl(10)))).not.toEqual(
      rootKeys('{a}', {}, undefined, modelOf(sdl(20))),
    );
  });
});

describe('entity keys', () => {
  it('depend on the representation, not its key order', () => {
    expect(entityKey('name', { __typename: 'User', id: 'u1' })).toBe(
      entityKey('name', { id: 'u1', __typename: 'User' }),
    );
    expect(entityKey('name', { __typename: 'User', id: 'u1' })).not.toBe(
      entityKey('name', { __typename: 'User', id: 'u2' }),
    );
  });

  it('put the caller in private fields only', () => {
    const u1 = { __typename: 'User', id: 'u1' };
    expect(entityKey('email', u1, 'alice')).not.toBe(entityKey('email', u1, 'bob'));
    expect(entityKey('name', u1, 'alice')).toBe(entityKey('name', u1, 'bob'));
    expect(entityKey('name', u1, 'alice')).toBe(entityKey('name', u1));
  });
});
