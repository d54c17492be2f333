/**
 * The pure document transform before planning that refuses a requiring field whose `@requires`
 * conflicts with another selected on the same object, and the alias the shaper decodes.
 */
import { buildSchema, parse, print, stripIgnoredCharacters } from 'graphql';
import { describe, expect, it } from 'vitest';
import { refusedAlias, refusedField } from '../../src/execution/reservedAlias.js';
import { refuseConflictingRequires } from '../../src/supergraph/requiresConflicts.js';
import { buildRequiresByField } from '../../src/supergraph/requiresIndex.js';

const SUPERGRAPH = parse(`
  directive @join__field(graph: String, requires: String) repeatable on FIELD_DEFINITION
  type Query { post: Post  posts: [Post!]! }
  type Post {
    id: ID!
    price(currency: String!): Int!
    usd: Int @join__field(graph: "B", requires: "price(currency: \\"USD\\")")
    eur: Int @join__field(graph: "B", requires: "price(currency: \\"EUR\\")")
    alsoUsd: Int @join__field(graph: "B", requires: "price(currency: \\"USD\\")")
  }
`);
const schema = buildSchema(print(SUPERGRAPH));
const byField = buildRequiresByField(SUPERGRAPH);
const refused = (query: string) => {
  const document = parse(query);
  const result = refuseConflictingRequires(document, schema, byField);
  return result === document ? 'same' : stripIgnoredCharacters(print(result));
};

describe('refuseConflictingRequires', () => {
  it.each([
    ['one requiring field', '{ post { usd } }', 'same'],
    ['requirements that agree', '{ post { usd alsoUsd } }', 'same'],
    ['conflicts on different objects', '{ a: post { usd } b: post { eur } }', 'same'],
    [
      'the later conflicting field',
      '{ post { eur usd alsoUsd } }',
      `{post{eur ${refusedAlias('usd', 'usd')}:__typename ${refusedAlias('alsoUsd', 'alsoUsd')}:__typename}}`,
    ],
    [
      'across fragments, keeping directives',
      '{ post { ... on Post { usd } ...F } } fragment F on Post { x: eur @include(if: true) }',
      `{post{...on Post{usd}...F}}fragment F on Post{${refusedAlias('x', 'eur')}:__typename@include(if:true)}`,
    ],
  ])('%s', (_, query, expected) => {
    expect(refused(query)).toBe(expected);
  });
});

describe('refusedAlias', () => {
  it.each([
    ['eur', 'eur'],
    ['x', 'eur'],
    ['_1_a', 'f_2'],
  ])('decodes %s (field %s)', (responseName, fieldName) => {
    expect(refusedField(refusedAlias(responseName, fieldName))).toEqual({
      responseName,
      fieldName,
    });
  });

  it('is no other alias', () => {
    expect(refusedField('gwArg_comments')).toBeUndefined();
    expect(refusedField('price')).toBeUndefined();
  });
});
