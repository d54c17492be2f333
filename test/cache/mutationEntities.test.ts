import { Kind, parse, print, stripIgnoredCharacters, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  collectEntities,
  selectEntityKeys,
  stripAddedKeys,
} from '../../src/cache/mutationEntities.js';
import { realModel } from './models.js';

const model = realModel();
const selectionOf = (query: string) =>
  (parse(query).definitions[0] as OperationDefinitionNode).selectionSet;

function widened(query: string): string | undefined {
  const set = selectEntityKeys(model.schema, model.keyFields, 'Mutation', selectionOf(query));
  return (
    set &&
    stripIgnoredCharacters(
      print({
        kind: Kind.DOCUMENT,
        definitions: [
          { kind: Kind.OPERATION_DEFINITION, operation: 'mutation' as never, selectionSet: set },
        ],
      }),
    )
  );
}

describe('mutations select the keys of the entities they return', () => {
  it.each([
    [
      'mutation{updateProductPrice(id:"p1",price:3){price}}',
      'mutation{updateProductPrice(id:"p1" price:3){price gwCacheKey___typename:__typename gwCacheKey_id:id}}',
    ],
    // the client's own key fields do not count: they may be skipped, aliased or conditional
    [
      'mutation{updateProductPrice(id:"p1",price:3){id price}}',
      'mutation{updateProductPrice(id:"p1" price:3){id price gwCacheKey___typename:__typename gwCacheKey_id:id}}',
    ],
    [
      'mutation{updateProductPrice(id:"p1",price:3){__typename id}}',
      'mutation{updateProductPrice(id:"p1" price:3){__typename id gwCacheKey___typename:__typename gwCacheKey_id:id}}',
    ],
    [
      'mutation{updateProductPrice(id:"p1",price:3){id@skip(if:true) price}}',
      'mutation{updateProductPrice(id:"p1" price:3){id@skip(if:true)price gwCacheKey___typename:__typename gwCacheKey_id:id}}',
    ],
    // already widened: unchanged
    [
      'mutation{updateProductPrice(id:"p1",price:3){gwCacheKey___typename:__typename gwCacheKey_id:id}}',
      undefined,
    ],
    [
      'mutation{createPayment(productId:"p1"){amount product{name} user{id}}}',
      'mutation{createPayment(productId:"p1"){amount product{name gwCacheKey___typename:__typename gwCacheKey_id:id}user{id gwCacheKey___typename:__typename gwCacheKey_id:id}gwCacheKey___typename:__typename gwCacheKey_id:id}}',
    ],
    [
      'mutation{updateProductPrice(id:"p1",price:3){...on Product{seller{name}}}}',
      'mutation{updateProductPrice(id:"p1" price:3){...on Product{seller{name gwCacheKey___typename:__typename gwCacheKey_id:id}}gwCacheKey___typename:__typename gwCacheKey_id:id}}',
    ],
  ])('%s', (query, expected) => {
    expect(widened(query)).toBe(expected);
  });
});

describe('entities found in a mutation result', () => {
  it.each([
    [
      'mutation{updateProductPrice(id:"p1" price:3){price gwCacheKey___typename:__typename gwCacheKey_id:id}}',
      { updateProductPrice: { price: 3, gwCacheKey___typename: 'Product', gwCacheKey_id: 'p1' } },
      ['Product:p1'],
    ],
    [
      'mutation{createPayment(productId:"p1"){t:__typename pid:id product{__typename id} user{__typename id}}}',
      {
        createPayment: {
          t: 'Payment',
          pid: 'pay9',
          product: { __typename: 'Product', id: 'p1' },
          user: { __typename: 'User', id: 'u1' },
        },
      },
      ['Payment:pay9', 'Product:p1', 'User:u1'],
    ],
    [
      'mutation{updateProductPrice(id:"p1",price:3){price}}',
      { updateProductPrice: { price: 3 } },
      [],
    ],
    // the client's skipped fields are absent; the reserved aliases beside them carry the keys
    [
      'mutation{updateProductPrice(id:"p1" price:3){__typename@skip(if:true) id@skip(if:true) price gwCacheKey___typename:__typename gwCacheKey_id:id}}',
      { updateProductPrice: { price: 3, gwCacheKey___typename: 'Product', gwCacheKey_id: 'p1' } },
      ['Product:p1'],
    ],
    [
      'mutation{updateProductPrice(id:"p1" price:3){...@skip(if:true){id} gwCacheKey_id:id}}',
      { updateProductPrice: { gwCacheKey_id: 'p1' } },
      ['Product:p1'],
    ],
    [
      'mutation{updateProductPrice(id:"p1",price:3){__typename id}}',
      { updateProductPrice: null },
      [],
    ],
    ['mutation{updateProductPrice(id:"p1",price:3){__typename id}}', null, []],
  ])('%s', (query, data, expected) => {
    const found = collectEntities(
      model.schema,
      model.keyFields,
      'Mutation',
      selectionOf(query),
      data,
    );
    expect(found.map((e) => `${e.typeName}:${e.id}`)).toEqual(expected);
  });
});

describe('the added keys leave the response', () => {
  it('removes only the reserved aliases, at any depth', () => {
    const data = {
      m: { price: 3, gwCacheKey_id: 'p1', seller: [{ name: 'x', gwCacheKey___typename: 'User' }] },
    };
    stripAddedKeys(data);
    expect(data).toEqual({ m: { price: 3, seller: [{ name: 'x' }] } });
  });
});
