/**
 * The pure document transform before planning: which client fields get a reserved alias, and
 * that everything else stays the very same document.
 */
import { buildSchema, parse, print, stripIgnoredCharacters } from 'graphql';
import { describe, expect, it } from 'vitest';
import { aliasRequiredArguments } from '../../src/supergraph/requiresAliases.js';
import { buildRequiresIndex } from '../../src/supergraph/requiresIndex.js';
import { resolvableKeysFirst } from '../../src/supergraph/resolvableKeysFirst.js';

const SUPERGRAPH = parse(`
  directive @join__field(graph: String, requires: String) repeatable on FIELD_DEFINITION
  type Query { posts: [Post!]!  node: Node }
  interface Node { id: ID! }
  type Post implements Node {
    id: ID!
    comments(limit: Int!): [Comment!]!
    price(currency: String!): Int!
    author: Author!
    summary: String @join__field(graph: "B", requires: "comments(limit: 3) { id }")
    estimate: Int @join__field(graph: "B", requires: "price(currency: \\"USD\\") author { rating(scale: 10) }")
  }
  type Comment { id: ID! }
  type Author { rating(scale: Int!): Int!  name: String }
`);
const schema = buildSchema(print(SUPERGRAPH));
const index = buildRequiresIndex(SUPERGRAPH);
const aliased = (query: string) => {
  const document = parse(query);
  const result = aliasRequiredArguments(document, schema, index);
  return {
    same: result.document === document,
    text: stripIgnoredCharacters(print(result.document)),
    aliases: Object.fromEntries(result.aliasMap),
  };
};

describe('aliasRequiredArguments', () => {
  it.each([
    ['{posts{comments(limit:1){id}}}', '{posts{gwArg_comments:comments(limit:1){id}}}'],
    ['{posts{price(currency:"EUR")}}', '{posts{gwArg_price:price(currency:"EUR")}}'],
    [
      'query($n:Int!){posts{comments(limit:$n){id}}}',
      'query($n:Int!){posts{gwArg_comments:comments(limit:$n){id}}}',
    ],
    [
      '{node{...on Post{comments(limit:1){id}}}}',
      '{node{...on Post{gwArg_comments:comments(limit:1){id}}}}',
    ],
    [
      '{node{...F}}fragment F on Post{price(currency:"EUR")}',
      '{node{...F}}fragment F on Post{gwArg_price:price(currency:"EUR")}',
    ],
    ['{posts{author{rating(scale:5)name}}}', '{posts{author{gwArg_rating:rating(scale:5)name}}}'],
  ])('%s → %s', (query, expected) => {
    const result = aliased(query);
    expect(result.same).toBe(false);
    expect(result.text).toBe(expected);
  });

  it.each([
    '{posts{comments(limit:3){id}}}',
    '{posts{c:comments(limit:1){id}}}',
    '{posts{a:author{rating(scale:5)}}}',
    '{posts{id summary}}',
    '{node{id __typename}}',
  ])('%s stays the same document', (query) => {
    expect(aliased(query).same).toBe(true);
  });

  it('maps each alias to the client response name', () => {
    expect(aliased('{posts{comments(limit:1){id}price(currency:"EUR")}}').aliases).toEqual({
      gwArg_comments: 'comments',
      gwArg_price: 'price',
    });
  });
});

describe('resolvableKeysFirst', () => {
  it('puts the resolvable keys of a type first, keeping the other directives in place', () => {
    const document = parse(`
      type Item @join__type(graph: A, key: "code", resolvable: false) @tag(name: "x")
        @join__type(graph: A, key: "id code") { id: ID! }
    `);
    expect(stripIgnoredCharacters(print(resolvableKeysFirst(document)))).toBe(
      'type Item@join__type(graph:A key:"id code")@tag(name:"x")@join__type(graph:A key:"code" resolvable:false){id:ID!}',
    );
  });

  it('returns the very document when the order is right', () => {
    const document = parse('type Item @join__type(graph: A, key: "id") { id: ID! }');
    expect(resolvableKeysFirst(document)).toBe(document);
  });
});
