/**
 * Differential guard for the response shaper: `compileShape`/`shapeResponse`
 * (src/execution/shape.ts) against `@apollo/gateway`'s own `computeResponse`
 * (dist/resultShaping.js), which it stands in for. Over one schema with every kind of output type
 * (interfaces, an interface implementing an interface, a union, an enum, a custom scalar, the five
 * built-in scalars, non-null and nullable fields, lists and nested lists), both must give the same
 * `data` (compared serialized: the order of keys counts), the same errors (message, path, code)
 * and, where Apollo throws on data that breaks its invariants, an Error with the same message.
 *
 * Hand-written cases each pin one rule, and also check Apollo's own answer, so a case cannot pass
 * by both sides failing the same way; a property-based part then feeds a few hundred generated
 * inputs (well-typed values mixed with arbitrary JSON) and variables to fixed operations.
 * Deterministic: fast-check runs with a fixed seed (`SHAPE_SEED=<seed>` replays another).
 */
import { createRequire } from 'node:module';
import {
  buildSchema as buildFederationSchema,
  operationFromDocument,
} from '@apollo/federation-internals';
import type * as ResultShaping from '@apollo/gateway/dist/resultShaping.js';
import fc from 'fast-check';
import {
  Kind,
  buildSchema,
  isAbstractType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  parse,
  validate,
  validateSchema,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLError,
  type GraphQLOutputType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { compileShape, shapeResponse, type CompiledShape } from '../../src/execution/shape.js';

const SEED = Number(process.env.SHAPE_SEED ?? 0x5a_9e_2026);
const RUNS_PER_OPERATION = 200;

const SDL = /* GraphQL */ `
  "Any JSON value."
  scalar JSON

  enum Color {
    RED
    GREEN
    BLUE
  }

  interface Node {
    id: ID!
  }

  interface Named implements Node {
    id: ID!
    name: String
  }

  type User implements Node & Named {
    id: ID!
    name: String
    age: Int
    score: Float
    active: Boolean!
    color: Color
    tags: [String!]
    meta: JSON
    friends: [User]
    best: User!
  }

  type Product implements Node & Named {
    id: ID!
    name: String
    price: Float!
    colors: [Color]!
    matrix: [[Int!]]
    owner: User
  }

  type Review implements Node {
    id: ID!
    stars: Int!
    body: String
    author: User
  }

  union SearchResult = User | Product | Review

  type Query {
    me: User
    user(id: ID!): User!
    node(id: ID!): Node
    named: Named
    nodes: [Node!]!
    search(q: String): [SearchResult]
    first: SearchResult
    products: [Product!]
    count: Int!
    ratio: Float
    label: String
    flag: Boolean
    id: ID
    color: Color
    colors: [Color!]
    json: JSON
    ints: [Int]
    matrix: [[Int]]
    strictMatrix: [[Int!]!]
  }
`;

const graphqlSchema = buildSchema(SDL);
const federationSchema = buildFederationSchema(SDL);
const { computeResponse } = createRequire(import.meta.url)(
  '@apollo/gateway/dist/resultShaping.js',
) as typeof ResultShaping;

type Data = Record<string, unknown> | null | undefined;
type Variables = Record<string, unknown> | undefined;

/** What one side made of an input: the answer, or the message of what it threw. */
interface Outcome {
  /** `JSON.stringify(data)`: the order of keys counts. */
  readonly data?: string;
  readonly errors?: readonly { message: string; path: unknown; code: unknown }[];
  readonly threw?: string;
  /** Calls of the introspection callback. */
  readonly introspected: number;
}

/** What both sides answer for introspection fields (`__schema`, `__type`). */
const INTROSPECTION = Object.freeze({ introspection: 'marker' });

interface Prepared {
  readonly document: DocumentNode;
  readonly apollo: ReturnType<typeof operationFromDocument>;
  readonly shape: CompiledShape;
}

/** The operation of `query` for both sides; the document must be valid against the schema. */
function prepare(query: string): Prepared {
  const document = parse(query);
  const invalid = validate(graphqlSchema, document);
  if (invalid.length) throw new Error(`Invalid test operation: ${invalid.join('; ')}`);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  return {
    document,
    apollo: operationFromDocument(federationSchema, document, { validate: false }),
    shape: compileShape(graphqlSchema, operation, fragments),
  };
}

function outcome(
  shapeIt: (introspect: () => unknown) => {
    data: Data;
    errors: readonly GraphQLError[];
  },
): Outcome {
  let introspected = 0;
  const introspect = () => {
    introspected++;
    return INTROSPECTION;
  };
  try {
    const { data, errors } = shapeIt(introspect);
    return {
      data: JSON.stringify(data),
      errors: errors.map((e) => ({ message: e.message, path: e.path, code: e.extensions.code })),
      introspected,
    };
  } catch (error) {
    return {
      threw: error instanceof Error ? error.message : `non-Error ${String(error)}`,
      introspected,
    };
  }
}

/** Both sides' outcomes for one input, and their `data` as such (for own-property checks). */
function both(prepared: Prepared, input: Data, variables: Variables) {
  let apolloData: Data;
  let shaperData: Data;
  const apollo = outcome((introspectionHandling) => {
    const result = computeResponse({
      operation: prepared.apollo,
      variables,
      input,
      introspectionHandling,
    });
    apolloData = result.data;
    return result;
  });
  const shaper = outcome((introspect) => {
    const result = shapeResponse(prepared.shape, input, variables, introspect);
    shaperData = result.data;
    return result;
  });
  return { apollo, shaper, apolloData, shaperData };
}

/** Input as a subgraph's JSON would carry it: own `__proto__` keys, plain prototypes. */
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

interface Case {
  readonly name: string;
  readonly query: string;
  readonly input: Data;
  readonly variables?: Record<string, unknown>;
  /** Apollo's answer (`data` in key order, error messages in order), or what it throws. */
  readonly expected: { readonly data: unknown; readonly errors?: readonly string[] } | string;
}

const invalidValue = (coordinate: string) => `Invalid value found for field ${coordinate}.`;
const nonNull = (coordinate: string) => `Cannot return null for non-nullable field ${coordinate}.`;

const CASES: readonly Case[] = [
  // Aliases and merging.
  {
    name: 'aliases: response names, not field names, are read and written',
    query: '{ me { handle: name years: age id } }',
    input: { me: { handle: 'ann', years: 31, id: 'u1', name: 'not read', age: 0 } },
    expected: { data: { me: { handle: 'ann', years: 31, id: 'u1' } } },
  },
  {
    name: 'aliases: one field under two response names',
    query: '{ a: me { name } b: me { age } }',
    input: { b: { age: 2 }, a: { name: 'x' } },
    expected: { data: { a: { name: 'x' }, b: { age: 2 } } },
  },
  {
    name: 'repeated response names are merged at the first position',
    query: '{ me { name } count me { age id } }',
    input: { count: 1, me: { id: 'u1', age: 3, name: 'n' } },
    expected: { data: { me: { name: 'n', age: 3, id: 'u1' }, count: 1 } },
  },
  {
    name: 'merged selections merge again below',
    query: '{ me { best { name } } me { id best { age } } me { best { id } } }',
    input: { me: { id: 'u1', best: { id: 'u2', age: 9, name: 'b' } } },
    expected: { data: { me: { best: { name: 'b', age: 9, id: 'u2' }, id: 'u1' } } },
  },
  {
    name: 'the same response name with other directives is a second selection, in place',
    query: '{ me { name } count me @include(if: true) { age } }',
    input: { count: 1, me: { age: 3, name: 'n' } },
    expected: { data: { me: { name: 'n', age: 3 }, count: 1 } },
  },
  {
    name: 'repeated inline fragments on one type condition merge at the first position',
    query:
      '{ node(id: "1") { ... on User { name } id ... on Product { price } ... on User { age } } }',
    input: { node: { __typename: 'User', age: 4, id: 'u1', name: 'n', price: 1 } },
    expected: { data: { node: { name: 'n', age: 4, id: 'u1' } } },
  },
  {
    name: 'inline fragments on one type condition with other directives are not merged',
    query:
      '{ node(id: "1") { ... on User { name } id ... on User @include(if: true) { age } ... on User { active } } }',
    input: { node: { __typename: 'User', active: true, age: 4, id: 'u1', name: 'n' } },
    expected: { data: { node: { name: 'n', active: true, id: 'u1', age: 4 } } },
  },
  {
    name: 'a later selection of a response name can null what an earlier one wrote',
    query: '{ a: me { best { name } } count a: me @include(if: true) { best { id } } }',
    input: { a: { best: { id: null, name: 'x' } }, count: 1 },
    expected: { data: { a: null, count: 1 }, errors: [nonNull('User.id')] },
  },
  {
    name: 'a later selection of a list nulls one item of what an earlier one wrote',
    query: '{ me { friends { name } } me @include(if: true) { friends { id } } }',
    input: {
      me: {
        friends: [
          { id: null, name: 'x' },
          { id: 'u2', name: 'y' },
        ],
      },
    },
    expected: {
      data: { me: { friends: [null, { name: 'y', id: 'u2' }] } },
      errors: [nonNull('User.id')],
    },
  },
  {
    name: 'inline fragments without a type condition',
    query: '{ me { ... { name } id ... @skip(if: true) { age } ... { score } } }',
    input: { me: { score: 1.5, age: 4, id: 'u1', name: 'n' } },
    expected: { data: { me: { name: 'n', score: 1.5, id: 'u1' } } },
  },

  // Named fragments and conditions.
  {
    name: 'named fragment spread',
    query: '{ me { id ...UserFields } } fragment UserFields on User { name age }',
    input: { me: { age: 4, name: 'n', id: 'u1' } },
    expected: { data: { me: { id: 'u1', name: 'n', age: 4 } } },
  },
  {
    name: 'a repeated spread counts once, at its first position',
    query: '{ me { ...F id ...F } } fragment F on User { name best { id } }',
    input: { me: { id: 'u1', best: { id: 'u2' }, name: 'n' } },
    expected: { data: { me: { name: 'n', best: { id: 'u2' }, id: 'u1' } } },
  },
  {
    name: 'nested named fragments, over an interface in a union',
    query:
      '{ search { ...Result } } fragment Result on SearchResult { ...NamedFields ... on Review { stars } } fragment NamedFields on Named { name id }',
    input: {
      search: [
        { __typename: 'Product', id: 'p1', name: 'chair' },
        { __typename: 'Review', id: 'r1', stars: 5 },
        { __typename: 'User', name: 'ann', id: 'u1' },
      ],
    },
    expected: {
      data: {
        search: [{ name: 'chair', id: 'p1' }, { stars: 5 }, { name: 'ann', id: 'u1' }],
      },
    },
  },
  {
    name: '@skip and @include with literals',
    query:
      '{ me { id @skip(if: true) name @include(if: false) age @include(if: true) score @skip(if: false) active @skip(if: false) @include(if: false) } }',
    input: { me: { id: 'u1', name: 'n', age: 4, score: 2.5, active: true } },
    expected: { data: { me: { age: 4, score: 2.5 } } },
  },
  {
    name: '@skip and @include with variables',
    query:
      'query ($yes: Boolean!, $no: Boolean!) { me { id @skip(if: $yes) name @include(if: $no) age @include(if: $yes) score @skip(if: $no) } }',
    input: { me: { id: 'u1', name: 'n', age: 4, score: 2.5 } },
    variables: { yes: true, no: false },
    expected: { data: { me: { age: 4, score: 2.5 } } },
  },
  {
    name: 'variable defaults apply when the variable is not given',
    query:
      'query ($d: Boolean = true, $e: Boolean = false) { count @include(if: $d) label @include(if: $e) flag @skip(if: $e) }',
    input: { count: 1, label: 'l', flag: true },
    expected: { data: { count: 1, flag: true } },
  },
  {
    name: 'given variables win over defaults',
    query:
      'query ($d: Boolean = true, $e: Boolean = false) { count @include(if: $d) label @include(if: $e) flag @skip(if: $e) }',
    input: { count: 1, label: 'l', flag: true },
    variables: { d: false, e: true },
    expected: { data: { label: 'l' } },
  },
  {
    name: 'fragment spreads with @skip/@include, literal and variable',
    query:
      'query ($on: Boolean!, $off: Boolean = false) { me { ...A @include(if: $on) ...B @skip(if: $on) ...C @include(if: $off) ...D @skip(if: false) id } } fragment A on User { name } fragment B on User { age } fragment C on User { score } fragment D on User { active }',
    input: { me: { id: 'u1', name: 'n', age: 4, score: 2.5, active: false } },
    variables: { on: true },
    expected: { data: { me: { name: 'n', active: false, id: 'u1' } } },
  },
  {
    name: 'inline fragment with @include on a variable',
    query: 'query ($on: Boolean!) { me { ... on User @include(if: $on) { name } id } }',
    input: { me: { id: 'u1', name: 'n' } },
    variables: { on: false },
    expected: { data: { me: { id: 'u1' } } },
  },
  {
    name: 'a non-boolean @include variable throws',
    query: 'query ($v: Boolean!) { me @include(if: $v) { id } }',
    input: { me: { id: 'u1' } },
    variables: { v: 'yes' },
    expected: 'Unexpected value yes for variable $v of @include(if: $v)',
  },
  {
    name: 'a null @skip variable throws',
    query: 'query ($v: Boolean!) { me { id @skip(if: $v) } }',
    input: { me: { id: 'u1' } },
    variables: { v: null },
    expected: 'Unexpected value null for variable $v of @skip(if: $v)',
  },
  {
    name: 'a missing @skip variable throws',
    query: 'query ($v: Boolean!) { count ...F @skip(if: $v) } fragment F on Query { label }',
    input: { count: 1, label: 'l' },
    variables: {},
    expected: 'Unexpected value undefined for variable $v of @skip(if: $v)',
  },
  {
    name: 'a null variable over its default throws',
    query: 'query ($v: Boolean = true) { count @include(if: $v) }',
    input: { count: 1 },
    variables: { v: null },
    expected: 'Unexpected value null for variable $v of @include(if: $v)',
  },
  {
    name: 'an object @include variable throws',
    query: 'query ($v: Boolean!) { count @include(if: $v) }',
    input: { count: 1 },
    variables: { v: { a: 1 } },
    expected: 'Unexpected value [object Object] for variable $v of @include(if: $v)',
  },
  {
    name: 'a bad variable under a null parent is never read',
    query: 'query ($v: Boolean!) { me { id @include(if: $v) } count }',
    input: { me: null, count: 1 },
    variables: { v: 1 },
    expected: { data: { me: null, count: 1 } },
  },

  // __typename.
  {
    name: '__typename and an aliased __typename on an object type, absent from the input',
    query: '{ __typename me { __typename kind: __typename id } }',
    input: { me: { id: 'u1' } },
    expected: { data: { __typename: 'Query', me: { __typename: 'User', kind: 'User', id: 'u1' } } },
  },
  {
    name: '__typename on an interface comes from the input',
    query: '{ node(id: "1") { __typename id } }',
    input: { node: { __typename: 'Product', id: 'p1' } },
    expected: { data: { node: { __typename: 'Product', id: 'p1' } } },
  },
  {
    name: 'aliased __typename on an interface: the alias in the input, else __typename',
    query: '{ a: node(id: "1") { t: __typename } b: node(id: "2") { t: __typename } }',
    input: { a: { t: 'Review' }, b: { __typename: 'User' } },
    expected: { data: { a: { t: 'Review' }, b: { t: 'User' } } },
  },
  {
    name: '__typename on an interface without one in the input nulls the object, silently',
    query: '{ node(id: "1") { id __typename } count }',
    input: { node: { id: 'u1' }, count: 1 },
    expected: { data: { node: null, count: 1 } },
  },
  {
    name: '__typename on a union without one in the input, in a list',
    query: '{ search { __typename ... on User { name } } }',
    input: { search: [{ __typename: 'User', name: 'n' }, { name: 'x' }] },
    expected: { data: { search: [{ __typename: 'User', name: 'n' }, null] } },
  },
  {
    name: '__typename in a non-null list of an interface without one: null reaches the root',
    query: '{ count nodes { __typename } }',
    input: { count: 1, nodes: [{ __typename: 'User' }, {}] },
    expected: { data: null },
  },
  {
    name: '__typename naming an interface in the input',
    query: '{ node(id: "1") { ... on Named { name } __typename } }',
    input: { node: { __typename: 'Named', name: 'n' } },
    expected: { data: { node: null } },
  },

  {
    name: '__typename under an interface condition, absent from the input: null, even on an object',
    query:
      '{ named { ... on Node { __typename } } me { ... on Node { __typename } } user(id: "1") { __typename } }',
    input: { named: { id: 'u1' }, me: {}, user: {} },
    expected: { data: { named: null, me: null, user: { __typename: 'User' } } },
  },
  {
    name: '__typename naming a union in the input',
    query: '{ first { __typename } }',
    input: { first: { __typename: 'SearchResult' } },
    expected: { data: { first: null } },
  },

  // Type conditions.
  {
    name: 'type conditions on interfaces, matching and not, by __typename',
    query:
      '{ nodes { ... on Named { name } ... on Review { stars } ... on Node { id } ... on User { age } } }',
    input: {
      nodes: [
        { __typename: 'User', id: 'u1', name: 'n', stars: 1, age: 4 },
        { __typename: 'Product', id: 'p1', name: 'chair', stars: 2, age: 5 },
        { __typename: 'Review', id: 'r1', name: 'x', stars: 3, age: 6 },
      ],
    },
    expected: {
      data: {
        nodes: [
          { name: 'n', id: 'u1', age: 4 },
          { name: 'chair', id: 'p1' },
          { stars: 3, id: 'r1' },
        ],
      },
    },
  },
  {
    name: 'type conditions without __typename: only those the declared type satisfies',
    query:
      '{ named { ... on Node { id } ... on Named { name } ... on User { age } } node(id: "1") { ... on Named { name } ... on Node { id } } }',
    input: { named: { id: 'u1', name: 'n', age: 4 }, node: { id: 'u2', name: 'm' } },
    expected: { data: { named: { id: 'u1', name: 'n' }, node: { id: 'u2' } } },
  },
  {
    name: 'type conditions on a union and its members',
    query:
      '{ first { ... on SearchResult { ... on Product { price } } ... on Review { body } ... on User { name } } }',
    input: { first: { __typename: 'Product', price: 9.5, body: 'b', name: 'n' } },
    expected: { data: { first: { price: 9.5 } } },
  },
  {
    name: 'a union member without __typename: no type condition applies',
    query: '{ first { ... on User { name } } search { ... on Review { stars } } }',
    input: { first: { name: 'n' }, search: [{ stars: 3 }] },
    expected: { data: { first: {}, search: [{}] } },
  },
  {
    name: 'an unknown __typename is an error, and nulls the object',
    query: '{ node(id: "1") { id } search { ... on User { name } } }',
    input: {
      node: { __typename: 'Ghost', id: 'g1' },
      search: [
        { __typename: 'User', name: 'n' },
        { __typename: 'Ghost', name: 'g' },
      ],
    },
    expected: {
      data: { node: null, search: [{ name: 'n' }, null] },
      errors: [
        'Invalid __typename found for object at field Query.node.',
        'Invalid __typename found for object at array element of type SearchResult at index 1.',
      ],
    },
  },
  {
    name: 'a __typename naming a scalar is an error, and bubbles through non-null',
    query: '{ user(id: "1") { name } count }',
    input: { user: { __typename: 'Int', name: 'n' }, count: 1 },
    expected: {
      data: null,
      errors: ['Invalid __typename found for object at field Query.user.'],
    },
  },
  {
    name: 'a __typename outside the declared type still decides the type conditions',
    query: '{ me { ... on Named { name } ... on User { age } id } }',
    input: { me: { __typename: 'Product', name: 'n', age: 4, id: 'p1' } },
    expected: { data: { me: { name: 'n', id: 'p1' } } },
  },

  // Nulls and non-null.
  {
    name: 'null in a non-null field: error, and null up to the nearest nullable parent',
    query: '{ me { id name } count }',
    input: { me: { id: null, name: 'n' }, count: 1 },
    expected: { data: { me: null, count: 1 }, errors: [nonNull('User.id')] },
  },
  {
    name: 'null bubbling through several non-null levels',
    query: '{ me { name best { best { id } } } count }',
    input: { me: { name: 'n', best: { best: { id: null } } }, count: 1 },
    expected: { data: { me: null, count: 1 }, errors: [nonNull('User.id')] },
  },
  {
    name: 'null bubbling up to the root',
    query: '{ label user(id: "1") { id } count }',
    input: { label: 'l', user: { id: null }, count: 1 },
    expected: { data: null, errors: [nonNull('User.id')] },
  },
  {
    name: 'null in a list of non-null items nulls the list',
    query: '{ me { tags name } }',
    input: { me: { tags: ['a', null, 'c'], name: 'n' } },
    expected: {
      data: { me: { tags: null, name: 'n' } },
      errors: ['Cannot return null for non-nullable array element of type String at index 1.'],
    },
  },
  {
    name: 'null in a non-null list of non-null items reaches the root',
    query: '{ count nodes { id } }',
    input: { count: 1, nodes: [{ __typename: 'User', id: 'u1' }, null] },
    expected: {
      data: null,
      errors: ['Cannot return null for non-nullable array element of type Node at index 1.'],
    },
  },
  {
    name: 'null in a non-null field of a list item',
    query: '{ nodes { id } products { id price } }',
    input: {
      nodes: [{ __typename: 'Review', id: 'r1' }],
      products: [
        { id: 'p1', price: 1 },
        { id: 'p2', price: null },
      ],
    },
    expected: {
      data: { nodes: [{ id: 'r1' }], products: null },
      errors: [nonNull('Product.price')],
    },
  },
  {
    name: 'nested lists: null items, non-null items, non-null inner lists',
    query: '{ matrix strictMatrix products { matrix } }',
    input: {
      matrix: [[1, null], null, []],
      strictMatrix: [
        [1, 2],
        [3, null],
      ],
      products: [{ matrix: [[1], null, [2, null]] }],
    },
    expected: {
      data: {
        matrix: [[1, null], null, []],
        strictMatrix: null,
        products: [{ matrix: [[1], null, null] }],
      },
      errors: [
        'Cannot return null for non-nullable array element of type Int at index 1.',
        'Cannot return null for non-nullable array element of type Int at index 1.',
      ],
    },
  },
  {
    name: 'a null inner list where the inner list is non-null',
    query: '{ strictMatrix }',
    input: { strictMatrix: [[1], null] },
    expected: {
      data: { strictMatrix: null },
      errors: ['Cannot return null for non-nullable array element of type [Int!] at index 1.'],
    },
  },
  {
    name: 'fields missing from the input are null; missing non-null fields are errors',
    query: '{ me { id name age } ratio nodes { id } }',
    input: { me: {}, nodes: [] },
    expected: {
      data: { me: null, ratio: null, nodes: [] },
      errors: [nonNull('User.id')],
    },
  },
  {
    name: 'null data',
    query: '{ count }',
    input: null,
    expected: { data: null },
  },
  {
    name: 'undefined data',
    query: '{ count }',
    input: undefined,
    expected: { data: undefined },
  },
  {
    name: 'empty data',
    query: '{ label me { id } }',
    input: {},
    expected: { data: { label: null, me: null } },
  },

  // Leaf values.
  {
    name: 'invalid leaf values: string for Int, float for Int, number for String',
    query: '{ me { age name } a: me { age } b: me { age } c: me { age } }',
    input: {
      me: { age: '4', name: 5 },
      a: { age: 1.5 },
      b: { age: 1e21 },
      c: { age: -0 },
    },
    expected: {
      data: { me: { age: null, name: null }, a: { age: null }, b: { age: null }, c: { age: 0 } },
      errors: [
        invalidValue('User.age'),
        invalidValue('User.name'),
        invalidValue('User.age'),
        invalidValue('User.age'),
      ],
    },
  },
  {
    name: 'invalid leaf values: unknown enum value, boolean for ID, string for Boolean and Float',
    query: '{ color colors id flag ratio a: id b: id }',
    input: {
      color: 'PURPLE',
      colors: ['RED', 'red'],
      id: true,
      flag: 'true',
      ratio: '1.5',
      a: 7,
      b: 7.5,
    },
    expected: {
      data: { color: null, colors: null, id: null, flag: null, ratio: null, a: 7, b: null },
      errors: [
        invalidValue('Query.color'),
        'Invalid value found for array element of type Color at index 1.',
        invalidValue('Query.id'),
        invalidValue('Query.flag'),
        invalidValue('Query.ratio'),
        invalidValue('Query.b'),
      ],
    },
  },
  {
    name: 'invalid leaf values: objects and lists where a scalar is expected',
    query: '{ label me { handle: name age active } }',
    input: { label: { a: 1 }, me: { handle: ['u1'], age: { a: 1 }, active: [] } },
    expected: {
      data: { label: null, me: null },
      errors: [
        invalidValue('Query.label'),
        invalidValue('User.handle'),
        invalidValue('User.age'),
        invalidValue('User.active'),
      ],
    },
  },
  {
    name: 'a custom scalar takes anything',
    query: '{ json a: json b: json c: json me { meta } }',
    input: { json: { a: [1, { b: null }] }, a: [true], b: 'x', c: 1.5, me: { meta: false } },
    expected: {
      data: { json: { a: [1, { b: null }] }, a: [true], b: 'x', c: 1.5, me: { meta: false } },
    },
  },
  {
    name: 'a non-null leaf with an invalid value bubbles, with one error',
    query: '{ me { name active } }',
    input: { me: { name: 'n', active: 'yes' } },
    expected: { data: { me: null }, errors: [invalidValue('User.active')] },
  },
  {
    name: 'errors name the type condition the field was selected under',
    query:
      '{ node(id: "1") { ... on Named { name } ... on User { age } } first { ...F } } fragment F on Review { stars }',
    input: {
      node: { __typename: 'User', name: 1, age: 'x' },
      first: { __typename: 'Review', stars: 'x' },
    },
    expected: {
      data: { node: { name: null, age: null }, first: null },
      errors: [invalidValue('Named.name'), invalidValue('User.age'), invalidValue('Review.stars')],
    },
  },

  // Names of Object.prototype.
  {
    name: 'prototype names as aliases, absent from the input',
    query:
      '{ me { constructor: name toString: name __proto__: name hasOwnProperty: age valueOf: __typename } }',
    input: { me: {} },
    expected: {
      data: JSON.parse(
        '{"me":{"constructor":null,"toString":null,"__proto__":null,"hasOwnProperty":null,"valueOf":"User"}}',
      ),
    },
  },
  {
    name: 'prototype names as aliases, present in the input',
    query:
      '{ me { constructor: name toString: name __proto__: name hasOwnProperty: age valueOf: __typename } }',
    input: json(
      '{"me":{"constructor":"c","toString":"t","__proto__":"p","hasOwnProperty":3,"valueOf":"User"}}',
    ),
    expected: {
      data: JSON.parse(
        '{"me":{"constructor":"c","toString":"t","__proto__":"p","hasOwnProperty":3,"valueOf":"User"}}',
      ),
    },
  },
  {
    name: 'prototype names as aliases of objects, merged',
    query: '{ __proto__: me { id } constructor: me { name } __proto__: me { age } }',
    input: json('{"__proto__":{"id":"u1","age":4},"constructor":{"name":"n"}}'),
    expected: {
      data: JSON.parse('{"__proto__":{"id":"u1","age":4},"constructor":{"name":"n"}}'),
    },
  },
  {
    name: 'prototype names in the input, not selected, are not read',
    query: '{ me { name } }',
    input: json('{"me":{"__proto__":{"name":"p"},"constructor":{"name":"c"}}}'),
    expected: { data: { me: { name: null } } },
  },

  // Data that breaks the plan's invariants: both throw.
  {
    name: 'a non-list value where a list is expected throws',
    query: '{ me { tags } }',
    input: { me: { tags: 'a' } },
    expected: 'Invalid non-list value a returned by subgraph for list type [String!]',
  },
  {
    name: 'an object where a list of objects is expected throws',
    query: '{ search { ... on User { name } } }',
    input: { search: { __typename: 'User', name: 'n' } },
    expected:
      'Invalid non-list value [object Object] returned by subgraph for list type [SearchResult]',
  },
  {
    name: 'a non-object value where an object is expected throws',
    query: '{ me { name } }',
    input: { me: 5 },
    expected: 'Invalid non-object value 5 returned by subgraph for composite type User',
  },
  {
    name: 'a non-object list item where an object is expected throws',
    query: '{ products { id } }',
    input: { products: [{ id: 'p1' }, 'p2'] },
    expected: 'Invalid non-object value p2 returned by subgraph for composite type Product',
  },
  {
    name: 'a list where an object is expected is read as an object',
    query: '{ me { name length: id } }',
    input: { me: ['x'] },
    expected: { data: { me: { name: null, length: 1 } } },
  },
  {
    name: 'a non-string __typename throws',
    query: '{ search { ... on User { name } } }',
    input: { search: [{ __typename: 'User' }, { __typename: 7 }] },
    expected: 'Invalid non-string value 7 for __typename at search,1',
  },
  {
    name: 'a null __typename throws',
    query: '{ me { name } }',
    input: { me: { __typename: null } },
    expected: 'Invalid non-string value null for __typename at me',
  },
  {
    name: 'a non-string __typename under a fragment at the root throws',
    query: '{ ... on Query { count } }',
    input: { __typename: true, count: 1 },
    expected: 'Got unexpected value for __typename: true',
  },

  // Names of Object.prototype and Array.prototype.
  {
    name: 'a variable named like an Object.prototype property takes its default',
    query:
      'query ($__proto__: Boolean = true, $constructor: Boolean = false) { count @include(if: $__proto__) me @include(if: $constructor) { id } }',
    input: { count: 1, me: { id: 'u1' } },
    expected: { data: { count: 1 } },
  },
  {
    name: 'a response name of Array.prototype is read as an own property of a list given for an object',
    query: '{ me { find: name length: age } }',
    input: { me: [] },
    expected: { data: { me: { find: null, length: 0 } } },
  },

  // Introspection.
  {
    name: 'introspection fields are answered by the callback, once per response name',
    query:
      '{ count __schema { queryType { name } } t: __type(name: "User") { name } __schema @include(if: true) { types { name } } s: __schema @skip(if: true) { types { name } } }',
    input: { count: 1, __schema: 'not read', t: 'not read' },
    expected: {
      data: { count: 1, __schema: INTROSPECTION, t: INTROSPECTION },
    },
  },
];

describe('response shaping: the same answers as @apollo/gateway', () => {
  it('the test schema is valid', () => {
    expect(validateSchema(graphqlSchema)).toEqual([]);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { apollo, shaper } = both(prepare(c.query), c.input, c.variables);
    if (typeof c.expected === 'string') {
      expect(apollo.threw).toBe(c.expected);
    } else {
      expect(apollo.threw).toBeUndefined();
      expect(apollo.data).toBe(JSON.stringify(c.expected.data));
      expect(apollo.errors!.map((e) => e.message)).toEqual(c.expected.errors ?? []);
      for (const error of apollo.errors!) expect(error.code).toBe('INVALID_GRAPHQL');
    }
    expect(shaper).toEqual(apollo);
  });

  it('__proto__ as a response name is an own property of the answer, not its prototype', () => {
    const prepared = prepare('{ me { __proto__: name id } __proto__: label }');
    for (const input of [
      json('{"me":{"__proto__":"p","id":"u1"},"__proto__":"l"}'),
      json('{"me":{"id":"u1"}}'),
    ]) {
      const { apollo, shaper, apolloData, shaperData } = both(prepared, input, undefined);
      expect(shaper).toEqual(apollo);
      for (const data of [apolloData!, shaperData!]) {
        expect(Object.keys(data)).toEqual(['me', '__proto__']);
        const me = data.me as Record<string, unknown>;
        expect(Object.keys(me)).toEqual(['__proto__', 'id']);
        expect(Object.getOwnPropertyDescriptor(me, '__proto__')?.value).toBe(
          Object.hasOwn(input.me as object, '__proto__') ? 'p' : null,
        );
        expect(Object.getPrototypeOf(me)).not.toBe('p');
      }
    }
  });

  it('one compiled shape serves many inputs and variables', () => {
    const prepared = prepare(
      'query ($v: Boolean!) { node(id: "1") { ... on User @include(if: $v) { name } ... on Named { id } } }',
    );
    const inputs: Data[] = [
      { node: { __typename: 'User', name: 'n', id: 'u1' } },
      { node: { __typename: 'Product', name: 'c', id: 'p1' } },
      { node: { __typename: 'Review', id: 'r1' } },
      { node: { name: 'x', id: 'x1' } },
      { node: { __typename: 'Ghost', id: 'g1' } },
    ];
    const answers = new Set<string>();
    for (const v of [true, false])
      for (const input of inputs) {
        const { apollo, shaper } = both(prepared, input, { v });
        expect(shaper).toEqual(apollo);
        answers.add(JSON.stringify(apollo));
      }
    // User with and without its fragment, Product, Review or no __typename, unknown __typename.
    expect(answers.size).toBe(5);
  });
});

// Property-based: generated inputs for fixed operations.

const OPERATIONS: Readonly<Record<string, string>> = {
  'abstract types, type conditions and __typename': /* GraphQL */ `
    query Search($a: Boolean!, $b: Boolean = true) {
      search(q: "x") {
        __typename
        ... on User {
          id
          name
          age @include(if: $a)
          color
          tags
        }
        ... on Named {
          name
          id
        }
        ... on Product {
          price
          colors
          owner {
            id
            name
          }
        }
        ... on Review @skip(if: $a) {
          stars
          body
        }
        ...ReviewFields @include(if: $b)
      }
      count
    }
    fragment ReviewFields on Review {
      id
      author {
        name
      }
    }
  `,
  'non-null fields, lists and nested lists': /* GraphQL */ `
    {
      me {
        id
        handle: name
        active
        score
        meta
        friends {
          id
          best {
            id
            name
          }
        }
        best {
          id
        }
      }
      nodes {
        id
        kind: __typename
        ... on Named {
          name
        }
      }
      matrix
      strictMatrix
      ints
      colors
      products {
        id
        price
        matrix
        colors
      }
    }
  `,
  'merged selections and prototype names as aliases': /* GraphQL */ `
    query Merged($a: Boolean!) {
      constructor: label
      __proto__: flag
      valueOf: count
      node(id: "1") {
        id
        ... on User {
          name
        }
        t: __typename
        ... on User @include(if: $a) {
          age
        }
        ... on User {
          active
        }
      }
      named {
        ... on Node {
          id
        }
        name
      }
      first {
        ... on Node {
          id
        }
        ... on Named {
          hasOwnProperty: name
        }
      }
      me {
        name
        __proto__: id
      }
      me {
        age
        best {
          name
        }
      }
      me {
        best {
          id
        }
      }
      id
      flag
      ratio
      json
      color
    }
  `,
  'named fragments, nested and repeated': /* GraphQL */ `
    query Fragments($x: Boolean = false) {
      user(id: "1") {
        ...UserFields
        ...UserFields @skip(if: $x)
        friends {
          ...UserFields
        }
      }
      first {
        ...ResultFields
      }
    }
    fragment UserFields on User {
      id
      name
      best {
        ...Leaf
      }
    }
    fragment Leaf on User {
      age
      color
    }
    fragment ResultFields on SearchResult {
      __typename
      ... on Node {
        id
      }
      ... on Product {
        ...ProductFields
      }
    }
    fragment ProductFields on Product {
      price
      owner {
        ...Leaf
      }
    }
  `,
};

const TYPE_NAMES = ['User', 'Product', 'Review', 'Named', 'Node', 'SearchResult', 'Query'];
/** Not-quite type names: unknown, a scalar, empty. */
const BAD_TYPE_NAMES = ['Ghost', 'Int', 'Color', ''];
/**
 * Keys of generated noise objects: names the operations read, `__typename`, and prototype names.
 * Not `toString`: see `shown` in shape.ts (a message about an object holding a non-function
 * `toString` is a TypeError in Apollo).
 */
const NOISE_KEYS = [
  '__typename',
  '__proto__',
  'constructor',
  'valueOf',
  'id',
  'name',
  'age',
  'price',
  'best',
  'owner',
  'search',
  'matrix',
  'tags',
];

/** Arbitrary JSON, biased towards what the operations read. */
const noise: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3 },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -3, max: 3 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 6 }),
    fc.constantFrom(...TYPE_NAMES, ...BAD_TYPE_NAMES, 'RED', 'PURPLE'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...NOISE_KEYS), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A key left out of a generated object. */
const MISSING = Symbol('missing');

interface SelectedField {
  readonly type: GraphQLOutputType | '__typename';
  readonly sets: SelectionSetNode[];
}

/** The response names an input object of `type` may hold for `sets`, through all fragments. */
function selectedFields(
  type: GraphQLCompositeType,
  sets: readonly SelectionSetNode[],
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): Map<string, SelectedField> {
  const fields = new Map<string, SelectedField>();
  const visit = (parent: GraphQLCompositeType, set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.alias?.value ?? selection.name.value;
        if (selection.name.value === '__typename') {
          if (!fields.has(name)) fields.set(name, { type: '__typename', sets: [] });
          continue;
        }
        if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
        const definition = parent.getFields()[selection.name.value]!;
        let field = fields.get(name);
        if (!field) fields.set(name, (field = { type: definition.type, sets: [] }));
        if (selection.selectionSet) field.sets.push(selection.selectionSet);
      } else {
        const fragment =
          selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments[selection.name.value]!;
        const condition = fragment.typeCondition
          ? (graphqlSchema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType)
          : parent;
        visit(condition, fragment.selectionSet);
      }
    }
  };
  for (const set of sets) visit(type, set);
  return fields;
}

/** Mostly a well-typed value for `type`, sometimes null, sometimes noise. */
function valueFor(
  type: GraphQLOutputType,
  sets: readonly SelectionSetNode[],
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 30, arbitrary: typedValueFor(type, sets, fragments) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: noise },
  );
}

function typedValueFor(
  type: GraphQLOutputType,
  sets: readonly SelectionSetNode[],
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return typedValueFor(type.ofType, sets, fragments);
  if (isListType(type)) return fc.array(valueFor(type.ofType, sets, fragments), { maxLength: 3 });
  if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.name));
  if (isScalarType(type)) {
    if (!isSpecifiedScalarType(type)) return noise;
    switch (type.name) {
      case 'Int':
        return fc.oneof(
          { weight: 10, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
          { weight: 1, arbitrary: fc.constantFrom(1.5, 2 ** 53, 1e21, -0) },
        );
      case 'Float':
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case 'Boolean':
        return fc.boolean();
      case 'ID':
        return fc.oneof(fc.string({ maxLength: 4 }), fc.integer());
      default:
        return fc.string({ maxLength: 6 });
    }
  }
  const object = objectFor(type, sets, fragments);
  // A list where an object is expected: both read it as an object.
  return fc.oneof(
    { weight: 20, arbitrary: object },
    { weight: 1, arbitrary: fc.array(object, { maxLength: 2 }) },
  );
}

function objectFor(
  type: GraphQLCompositeType,
  sets: readonly SelectionSetNode[],
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): fc.Arbitrary<Record<string, unknown>> {
  const possible = isAbstractType(type)
    ? graphqlSchema.getPossibleTypes(type).map((t) => t.name)
    : [type.name];
  const typename = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...possible) },
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(...TYPE_NAMES, ...BAD_TYPE_NAMES) },
  );
  const entries = [...selectedFields(type, sets, fragments)]
    .filter(([name]) => name !== '__typename')
    .map(([name, field]) =>
      fc
        .oneof(
          {
            weight: 25,
            arbitrary:
              field.type === '__typename'
                ? fc.constantFrom(...possible, ...BAD_TYPE_NAMES)
                : valueFor(field.type, field.sets, fragments),
          },
          { weight: 1, arbitrary: fc.constant(MISSING) },
        )
        .map((value) => [name, value] as const),
    );
  // `Object.fromEntries`: a `__proto__` response name becomes an own key, as in JSON.
  return fc
    .tuple(typename, fc.tuple(...entries))
    .map(([t, pairs]) =>
      Object.fromEntries([
        ...(t === undefined ? [] : [['__typename', t] as const]),
        ...pairs.filter(([, value]) => value !== MISSING),
      ]),
    );
}

/** Variables: booleans mostly, now and then a value that is not one, or none. */
function variablesFor(operation: OperationDefinitionNode): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    model[name] = fc.oneof(
      { weight: 20, arbitrary: fc.boolean() },
      { weight: 1, arbitrary: fc.constantFrom(null, 0, 1, 'true', [true]) },
    );
    if (!definition.defaultValue) required.push(name);
  }
  return fc.record(model, { requiredKeys: required });
}

describe('response shaping: generated inputs', () => {
  it.each(Object.entries(OPERATIONS))('%s', (_name, query) => {
    const prepared = prepare(query);
    const operation = prepared.document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    )!;
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of prepared.document.definitions)
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        fragments[definition.name.value] = definition;
    const root = graphqlSchema.getQueryType()!;
    const input = objectFor(root, [operation.selectionSet], fragments).map(
      // As a subgraph's JSON would carry it: plain objects, own `__proto__` keys.
      (value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>,
    );
    const seen = { clean: 0, errors: 0, threw: 0 };
    fc.assert(
      fc.property(input, variablesFor(operation), (data, variables) => {
        const { apollo, shaper } = both(prepared, data, variables);
        expect(shaper).toEqual(apollo);
        if (apollo.threw !== undefined) seen.threw++;
        else if (apollo.errors!.length) seen.errors++;
        else seen.clean++;
      }),
      { seed: SEED, numRuns: RUNS_PER_OPERATION },
    );
    // The inputs reach clean answers, answers with errors, and throws.
    expect(seen.clean).toBeGreaterThan(0);
    expect(seen.errors).toBeGreaterThan(0);
    expect(seen.threw).toBeGreaterThan(0);
  });
});
