import fc from 'fast-check';
import depthLimit from 'graphql-depth-limit';
import { Kind, parse, type GraphQLError, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkLimits } from '../../src/limits/checkLimits.js';
import { countOperation } from '../../src/limits/counts.js';
import { flattenedShape } from '../../src/limits/depth.js';

const counts = (query: string) => {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  return countOperation(document, operation);
};
const depthOf = (query: string) => flattenedShape(parse(query)).depth;

/** The depth graphql-depth-limit reports (its callback gets the depth per operation). */
function libraryDepth(query: string): number {
  let depths: Record<string, number> = {};
  const rule = depthLimit(1000, {}, (d: Record<string, number>) => (depths = d)) as (
    c: unknown,
  ) => unknown;
  rule({ getDocument: () => parse(query), reportError: (_e: GraphQLError) => undefined });
  return Math.max(0, ...Object.values(depths));
}

describe('shape counts', () => {
  it.each([
    ['{ a }', { aliases: 0, directives: 0, rootFields: 1 }],
    ['{ x: a y: a a }', { aliases: 2, directives: 0, rootFields: 3 }],
    ['{ a a a }', { aliases: 0, directives: 0, rootFields: 1 }],
    ['{ a { x: b @include(if: true) } }', { aliases: 1, directives: 1, rootFields: 1 }],
    [
      '{ ...F ...F } fragment F on Q { x: a @skip(if: false) }',
      { aliases: 2, directives: 2, rootFields: 1 },
    ],
    ['{ ... on Q { a b } c }', { aliases: 0, directives: 0, rootFields: 3 }],
    ['query($v: Int @d) @d { a }', { aliases: 0, directives: 2, rootFields: 1 }],
    ['{ ...F } fragment F on Q @d { a }', { aliases: 0, directives: 1, rootFields: 1 }],
    // safe on documents that never validate
    [
      '{ ...A } fragment A on Q { x: a ...B } fragment B on Q { ...A }',
      { aliases: 1, directives: 0, rootFields: 1 },
    ],
    ['{ ...Missing b }', { aliases: 0, directives: 0, rootFields: 1 }],
  ])('%s counts %j', (query, expected) => {
    expect(counts(query)).toEqual(expected);
  });

  it('counts a fragment bomb in linear time', () => {
    const k = 40;
    const query =
      '{ a { ...F0 } } ' +
      Array.from({ length: k }, (_, i) => `fragment F${i} on T { ...F${i + 1} ...F${i + 1} }`).join(
        ' ',
      ) +
      ` fragment F${k} on T { x: b }`;
    expect(counts(query).aliases).toBe(2 ** k);
  });
});

describe('depth, as graphql-depth-limit counts it', () => {
  it.each([
    ['{ a }', 0],
    ['{ a { b } }', 1],
    ['{ a { b { c } } d }', 2],
    ['{ a { ...F } } fragment F on T { b { c } }', 2],
    ['{ a { ... on T { b { c } } } }', 2],
    ['{ __schema { types { fields { name } } } }', 0],
    ['{ a { __typename } }', 1],
    ['query A { a } query B { a { b } }', 1],
  ])('%s has depth %i', (query, expected) => {
    expect(depthOf(query)).toBe(expected);
    expect(libraryDepth(query)).toBe(expected);
  });

  it('agrees with graphql-depth-limit on generated documents with fragments', () => {
    // Selection trees over fields a..c, with fragments that may spread only later fragments
    // (acyclic, like every document that passed validation).
    const selection = (fragments: number, index: number): fc.Arbitrary<string> =>
      fc.letrec<{ set: string; item: string }>((tie) => ({
        set: fc
          .array(tie('item'), { minLength: 1, maxLength: 3 })
          .map((items) => `{ ${items.join(' ')} }`),
        item: fc.oneof(
          { depthSize: 'small', maxDepth: 4 },
          fc.constantFrom('a', 'b', '__typename'),
          tie('set').map((set) => `c ${set}`),
          tie('set').map((set) => `__schema ${set}`),
          tie('set').map((set) => `... on T ${set}`),
          ...(index + 1 < fragments
            ? [fc.integer({ min: index + 1, max: fragments - 1 }).map((i) => `...F${i}`)]
            : []),
        ),
      })).set;
    const document = fc
      .integer({ min: 0, max: 3 })
      .chain((n) =>
        fc.tuple(
          selection(n + 1, 0),
          fc.tuple(...Array.from({ length: n }, (_, i) => selection(n + 1, i + 1))),
        ),
      )
      .map(
        ([operation, fragments]) =>
          `query ${operation} ` +
          fragments.map((set, i) => `fragment F${i + 1} on T ${set}`).join(' '),
      );
    fc.assert(
      fc.property(document, (query) => {
        expect(depthOf(query)).toBe(libraryDepth(query));
      }),
      { numRuns: 300 },
    );
  });
});

describe('checkLimits', () => {
  const limits = { maxDepth: 2, maxAliases: 1, maxRootFields: 2, maxDirectives: 1, maxHeight: 4 };
  const check = (query: string) => {
    const document = parse(query);
    return checkLimits(document, document.definitions[0] as OperationDefinitionNode, limits);
  };
  it.each([
    ['{ a { b { c } } }', undefined],
    ['{ a { b { c { d } } } }', 'MAX_DEPTH_LIMIT'],
    ['{ x: a y: a }', 'MAX_ALIASES_LIMIT'],
    ['{ a b c }', 'MAX_ROOT_FIELDS_LIMIT'],
    ['{ a @include(if: true) @skip(if: false) }', 'MAX_DIRECTIVES_LIMIT'],
    ['{ a { b c d } }', undefined],
    ['{ a { b c d e } }', 'MAX_HEIGHT_LIMIT'],
    ['{ a { b c } a { d e } }', 'MAX_HEIGHT_LIMIT'],
    ['{ __schema { types { name } } }', undefined],
    ['{ __schema { types { fields { name } } } }', 'MAX_DEPTH_LIMIT'],
  ])('%s → %s', (query, code) => {
    const result = check(query);
    if (code) expect(result).toMatchObject({ ok: false, code });
    else expect(result).toEqual({ ok: true });
  });
});
