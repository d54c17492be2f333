import { describe, expect, it } from 'vitest';
import { copyJson, ParsedEntries } from '../../src/cache/parsedEntries.js';
import { compileFetch } from '../../src/cache/plan.js';
import {
  assemble,
  blockedByErrors,
  decodeEntry,
  dedupeRepresentations,
  encodeEntry,
  remapEntityErrors,
} from '../../src/cache/split.js';
import { realModel } from './models.js';

const u = (id: string) => ({ __typename: 'User', id });

describe('deduplicating representations', () => {
  it.each([
    [[u('1'), u('2'), u('1')], 2, [0, 1, 0]],
    [[u('1'), { id: '1', __typename: 'User' }], 1, [0, 0]],
    [[u('1'), { __typename: 'Product', id: '1' }], 2, [0, 1]],
    [[], 0, []],
  ])('%j → %i unique, positions %j', (list, count, indexOf) => {
    const deduped = dedupeRepresentations(list);
    expect(deduped.unique).toHaveLength(count);
    expect(deduped.indexOf).toEqual(indexOf);
  });
});

describe('stored entries', () => {
  it.each([
    ['tag', 'tag', { a: 1 }, { a: 1 }],
    ['tag', 'other', { a: 1 }, undefined],
    ['', '', null, null],
    ['a,b', 'a,b', 'x\ny', 'x\ny'],
  ])('written with %j, read with %j', (written, read, value, expected) => {
    const decoded = decodeEntry(encodeEntry(written, 1000, value), read);
    expect(decoded?.value).toEqual(expected);
  });

  it.each([['garbage'], ['tag\nNaN\n{}'], ['tag\n1\n{not json'], ['']])(
    '%j reads as a miss',
    (raw) => {
      expect(decodeEntry(raw, 'tag')).toBeUndefined();
    },
  );
});

describe('stored entries, parsed once', () => {
  it('reads a text again as an equal value of its own, so a merge into one never shows in another', () => {
    const parsed = new ParsedEntries(1024 * 1024);
    const raw = encodeEntry('tag', 1000, { a: [{ b: 1 }], s: 'x' });
    const first = decodeEntry(raw, 'tag', parsed);
    const second = decodeEntry(raw, 'tag', parsed);
    expect(second).toEqual({ writtenAt: 1000, value: { a: [{ b: 1 }], s: 'x' } });
    expect(second?.value).not.toBe(first?.value);
    (first?.value as { a: { b: number }[] }).a[0]!.b = 2;
    expect(decodeEntry(raw, 'tag', parsed)?.value).toEqual({ a: [{ b: 1 }], s: 'x' });
  });

  it('still checks the tag, and reads garbage as a miss', () => {
    const parsed = new ParsedEntries(1024 * 1024);
    const raw = encodeEntry('tag', 1000, 'v');
    expect(decodeEntry(raw, 'tag', parsed)?.value).toBe('v');
    expect(decodeEntry(raw, 'other', parsed)).toBeUndefined();
    expect(decodeEntry('tag\n1\n{not json', 'tag', parsed)).toBeUndefined();
  });

  it('copies a `__proto__` key as an own property', () => {
    const copy = copyJson(JSON.parse('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
  });
});

describe('merging', () => {
  const plan = compileFetch(
    'query($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Product{n:name price}}}',
    realModel(),
    'product',
  );
  if (plan.kind !== 'entities') throw new Error(plan.kind);
  const units = plan.byType.get('Product')!;
  const keys = plan.typenameKeys.get('Product')!;

  it.each([
    [
      'all from the cache',
      new Map<number, unknown>([
        [0, 'Chair'],
        [1, 3],
      ]),
      undefined,
      { __typename: 'Product', n: 'Chair', price: 3 },
    ],
    [
      'cache and subgraph',
      new Map<number, unknown>([[0, 'Chair']]),
      { price: 4 },
      { __typename: 'Product', n: 'Chair', price: 4 },
    ],
    [
      'subgraph only',
      new Map<number, unknown>(),
      { n: 'Desk', price: 5 },
      { __typename: 'Product', n: 'Desk', price: 5 },
    ],
    ['entity not found', new Map<number, unknown>(), null, null],
    [
      'subgraph failed',
      new Map<number, unknown>([[0, 'Chair']]),
      undefined,
      { __typename: 'Product', n: 'Chair' },
    ],
  ])('%s', (_name, hits, fetched, expected) => {
    expect(assemble('Product', keys, units, hits, fetched as never)).toEqual(expected);
  });
});

describe('errors of a deduplicated answer', () => {
  it('point at every original position', () => {
    const errors = [
      { message: 'a', path: ['_entities', 1, 'name'] },
      { message: 'b', path: ['_entities', 0] },
      { message: 'c' },
    ];
    expect(remapEntityErrors(errors, [[0, 2], [1]])).toEqual([
      { message: 'a', path: ['_entities', 1, 'name'] },
      { message: 'b', path: ['_entities', 0] },
      { message: 'b', path: ['_entities', 2] },
      { message: 'c' },
    ]);
  });

  it.each([
    [undefined, true, [0, 'name'], false],
    [[{ message: 'x', path: ['_entities', 0, 'name'] }], true, [0, 'name'], true],
    [[{ message: 'x', path: ['_entities', 0, 'name'] }], true, [0, 'price'], false],
    [[{ message: 'x', path: ['_entities', 0, 'name'] }], true, [1, 'name'], false],
    [[{ message: 'x', path: ['_entities', 1] }], true, [1, 'price'], true],
    [[{ message: 'x' }], true, [3, 'price'], true],
    [[{ message: 'x', path: ['product', 'name'] }], false, [0, 'product'], true],
    [[{ message: 'x', path: ['product'] }], false, [0, 'products'], false],
    [[{ message: 'x' }], false, [0, 'products'], true],
  ])('errors %j (entities: %s) block %j: %s', (errors, entities, [index, key], blocked) => {
    expect(blockedByErrors(errors, entities)(index as number, key as string)).toBe(blocked);
  });
});
