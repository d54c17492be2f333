import { parse, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fromStored, normalizeSelection, toStored } from '../../src/cache/selection.js';

/** The normalized sub-selection of the first root field of `query`. */
function normalized(query: string) {
  const operation = parse(query).definitions[0] as OperationDefinitionNode;
  return normalizeSelection((operation.selectionSet.selections[0] as FieldNode).selectionSet);
}

describe('normalized sub-selections', () => {
  it.each([
    ['{ f { b a } }', '{a b}'],
    ['{ f { x: a a } }', '{a}'],
    ['{ f { a(y: 1, x: 2) { c b } } }', '{a(x:2,y:1){b c}}'],
    ['{ f { ... on T { b } a } }', '{...on T{b} a}'],
    ['{ f }', ''],
  ])('%s → %s', (query, key) => {
    expect(normalized(query).key).toBe(key);
  });

  it('lists the variables the sub-selection uses', () => {
    expect(normalized('{ f { a(x: $b) { c(y: $a) } d(z: $b) } }').variables).toEqual(['a', 'b']);
  });

  it('falls back to the aliased print when one name would hold two selections', () => {
    const { key, shape } = normalized('{ f { a: s { id } b: s { name } } }');
    expect(key).toBe('A:{a:s{id}b:s{name}}');
    expect(shape).toBeUndefined();
  });

  it('stores values as received when no alias or argument is involved', () => {
    expect(normalized('{ f { a b { c } } }').shape).toBeUndefined();
  });
});

describe('stored form: aliases never reach the store, and come back as the caller asked', () => {
  const cases: [string, unknown, unknown][] = [
    ['{ f { n: name price } }', { n: 'Chair', price: 3 }, { name: 'Chair', price: 3 }],
    [
      '{ f { a: products(first: 1) { id } b: products(first: 2) { id } } }',
      { a: [{ id: 'p1' }], b: [{ id: 'p1' }, { id: 'p2' }] },
      { 'products(first:1)': [{ id: 'p1' }], 'products(first:2)': [{ id: 'p1' }, { id: 'p2' }] },
    ],
    [
      '{ f { list { x: name } nothing { y: name } } }',
      { list: [{ x: 'a' }, null, { x: 'b' }], nothing: null },
      { list: [{ name: 'a' }, null, { name: 'b' }], nothing: null },
    ],
    ['{ f { __proto__: name } }', JSON.parse('{"__proto__":"x"}'), { name: 'x' }],
  ];
  it.each(cases)('%s', (query, response, stored) => {
    const { shape } = normalized(query);
    expect(toStored(response, shape)).toEqual(stored);
    expect(fromStored(toStored(response, shape), shape)).toEqual(response);
  });

  it('serves one stored value to a differently aliased selection', () => {
    const writer = normalized(
      '{ f { a: products(first: 1) { id } b: products(first: 2) { id } } }',
    );
    const reader = normalized(
      '{ f { two: products(first: 2) { id } one: products(first: 1) { id } } }',
    );
    expect(reader.key).toBe(writer.key);
    const stored = toStored({ a: [{ id: 'p1' }], b: [{ id: 'p1' }, { id: 'p2' }] }, writer.shape);
    expect(fromStored(stored, reader.shape)).toEqual({
      one: [{ id: 'p1' }],
      two: [{ id: 'p1' }, { id: 'p2' }],
    });
  });

  it('serves a value stored without aliases to an aliased reader (one stored form per key)', () => {
    const writer = normalized('{ f { products(first: 1) { id } } }');
    const reader = normalized('{ f { x: products(first: 1) { id } } }');
    expect(reader.key).toBe(writer.key);
    const stored = toStored({ products: [{ id: 'p1' }] }, writer.shape);
    expect(fromStored(stored, reader.shape)).toEqual({ x: [{ id: 'p1' }] });
  });
});
