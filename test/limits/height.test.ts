import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationHeight } from '../../src/limits/height.js';

/** The height of the document's first operation (or of `operationName`), capped at `cap`. */
function heightOf(query: string, cap = 10_000, operationName?: string): number {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === Kind.OPERATION_DEFINITION &&
      (operationName === undefined || d.name?.value === operationName),
  )!;
  return operationHeight(document, operation, cap);
}

const repeat = (n: number, f: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => f(i + 1)).join(' ');

describe('operation height: unique field selections, as Apollo Router counts them', () => {
  it.each([
    ['{ a }', 1],
    ['{ a b c }', 3],
    ['{ a { b { c } } }', 3],
    // Same response key under the same parent: one field; its sub-selections merge.
    ['{ __typename __typename __typename }', 1],
    ['{ a { b } a { c } }', 3],
    ['{ a { b } a { b } }', 2],
    ['{ a(x: 1) { b } a(x: 1) { b c } }', 3],
    // Each alias is its own response key.
    ['{ x: a y: a }', 2],
    ['{ a { x: b y: b } }', 3],
    // The same field name under different parents counts at each.
    ['{ a { id } b { id } }', 4],
    // Fragments expanded, merged with what is beside them, each spread counted once.
    ['{ a { ...F } } fragment F on T { b c }', 3],
    ['{ a { ...F ...F b } } fragment F on T { b c }', 3],
    ['{ a { ...F } c { ...F } } fragment F on T { b }', 4],
    ['{ a { ... on T { b } ... on U { b c } } }', 3],
    ['{ ...F } fragment F on Q { a { ...G } } fragment G on T { b { c } }', 3],
    // Introspection and __typename count like any field.
    ['{ __schema { types { name fields { name } } } }', 5],
    // Variables, arguments and directives do not add height.
    ['query Q($v: Boolean!) { a(x: 1) @include(if: $v) }', 1],
  ])('%s has height %i', (query, expected) => {
    expect(heightOf(query)).toBe(expected);
  });

  it('measures the operation asked for, not its neighbours', () => {
    const query = `query A { a } query B { ${repeat(5, (i) => `f${i}`)} }`;
    expect(heightOf(query, 100, 'A')).toBe(1);
    expect(heightOf(query, 100, 'B')).toBe(5);
  });

  it('stays safe on documents that will fail validation', () => {
    expect(heightOf('{ ...Missing a }')).toBe(1);
    expect(heightOf('{ ...A } fragment A on Q { b ...B } fragment B on Q { c ...A }')).toBe(2);
    expect(heightOf('{ a ...A } fragment A on Q { a { b } }')).toBe(2);
  });

  it('stops at the cap: returns cap + 1 for anything above it', () => {
    expect(heightOf(`{ ${repeat(50, (i) => `f${i}`)} }`, 50)).toBe(50);
    expect(heightOf(`{ ${repeat(51, (i) => `f${i}`)} }`, 50)).toBe(51);
    expect(heightOf(`{ ${repeat(5000, (i) => `f${i}`)} }`, 50)).toBe(51);
  });

  it('stays fast on fragment "bombs" that expand exponentially', () => {
    const k = 40;
    const bomb = (b: string) =>
      '{ ...F0 } ' +
      repeat(k, (i) => `fragment F${i - 1} on T { a { ...F${i} } ${b}: a { ...F${i} } }`) +
      ` fragment F${k} on T { z }`;
    const started = performance.now();
    // Two copies of the next fragment under the same key merge: one chain of k fields and z.
    expect(heightOf(bomb('a'))).toBe(k + 1);
    // Under two keys every copy is a unique field (2^41 of them): the cap stops the count.
    expect(heightOf(bomb('b'), 200)).toBe(201);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
