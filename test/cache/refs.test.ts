import { describe, expect, it } from 'vitest';
import { compileFetch } from '../../src/cache/plan.js';
import { extractRefs, flattenRefs, rebuildRefs } from '../../src/cache/refs.js';
import { realModel } from './models.js';

const P = (id: string) => ({ __typename: 'Product', id });
const fetched = (id: string, fields: Record<string, unknown> = {}) => ({
  ...fields,
  gwCacheKey___typename: 'Product',
  gwCacheKey_id: id,
});

describe('references of a root field returning entities', () => {
  it.each([
    ['a list', [fetched('p1', { name: 'a' }), fetched('p2', { name: 'b' })], [P('p1'), P('p2')]],
    ['one entity', fetched('p1', { name: 'a' }), P('p1')],
    ['null', null, null],
    [
      'nested lists with nulls',
      [[fetched('p1')], null, [null, fetched('p2')]],
      [[P('p1')], null, [null, P('p2')]],
    ],
  ])('%s', (_name, value, structure) => {
    const extracted = extractRefs(value, 'Product', ['id']);
    expect(extracted?.structure).toEqual(structure);
    expect(JSON.stringify(value)).not.toContain('gwCacheKey'); // removed in place
    const flat = flattenRefs(structure, 'Product');
    expect(flat?.refs).toEqual(extracted?.entities.map((e) => e.ref));
    expect(
      rebuildRefs(
        structure,
        flat!.refs.map((r) => ({ got: r.id })),
      ),
    ).toEqual(
      JSON.parse(
        JSON.stringify(structure).replace(/\{"__typename":"Product","id":("p\d")\}/g, '{"got":$1}'),
      ),
    );
  });

  it('gives up (but still cleans the value) when an entity lacks its key', () => {
    const value = [fetched('p1', { name: 'a' }), { name: 'b' }];
    expect(extractRefs(value, 'Product', ['id'])).toBeUndefined();
    expect(value).toEqual([{ name: 'a' }, { name: 'b' }]);
  });

  it.each([[{ __typename: 'User', id: 'u1' }], ['text'], [[1]]])(
    'refuses a malformed stored structure %j',
    (structure) => {
      expect(flattenRefs(structure, 'Product')).toBeUndefined();
    },
  );

  it('gives each reference its path inside the field', () => {
    expect(flattenRefs([[P('p1')], null, [null, P('p2')]], 'Product')?.paths).toEqual([
      [0, 0],
      [2, 1],
    ]);
  });
});

describe('which root fields split into references and entity fields', () => {
  const model = realModel();
  const splitOf = (query: string, subgraph: string) => {
    const plan = compileFetch(query, model, subgraph);
    if (plan.kind !== 'root') throw new Error(plan.kind);
    return plan.units.map((u) => plan.splits.get(u.index)?.entitiesQuery ?? null);
  };

  it.each([
    [
      '{products(first:2){name price}}',
      'product',
      'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{name price}}}',
    ],
    [
      '{me{__typename id name}}',
      'user',
      'query($representations:[_Any!]!){_entities(representations:$representations){...on User{__typename id name}}}',
    ],
    [
      'query($n:Int){user(id:"u1"){name}}',
      'user',
      'query($representations:[_Any!]!){_entities(representations:$representations){...on User{name}}}',
    ],
    ['{products(first:2){...on Product{name}}}', 'product', null], // fragments stay whole
    ['{products(first:2){gwCacheKey_x:name}}', 'product', null], // a reserved alias
  ])('%s on %s', (query, subgraph, expected) => {
    expect(splitOf(query, subgraph)[0]).toBe(expected);
  });

  it('declares the variables the sub-selection uses, and only those', () => {
    expect(
      splitOf('query($n:Int){product(id:"p1"){seller{products(first:$n){name}}}}', 'product')[0],
    ).toBe(
      'query($representations:[_Any!]!$n:Int){_entities(representations:$representations){...on Product{seller{products(first:$n){name}}}}}',
    );
    expect(splitOf('query($n:Int,$u:ID!){user(id:$u){name x:__typename}}', 'user')[0]).toBe(
      'query($representations:[_Any!]!){_entities(representations:$representations){...on User{name x:__typename}}}',
    );
  });
});
