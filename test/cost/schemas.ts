import fs from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, parse, type GraphQLSchema } from 'graphql';
import { buildDirectiveIndex, type DirectiveIndex } from '../../src/supergraph/directiveIndex.js';
import { prepareSupergraph } from '../../src/supergraph/prepare.js';

export interface CostSchema {
  readonly schema: GraphQLSchema;
  readonly index: DirectiveIndex;
}

/** The committed supergraph, as the gateway serves it: the API schema plus the directive index. */
export function realSupergraph(): CostSchema {
  const sdl = fs.readFileSync(
    path.resolve(import.meta.dirname, '../../supergraph.graphql'),
    'utf8',
  );
  const prepared = prepareSupergraph(sdl);
  const schema = Supergraph.build(prepared.gatewaySdl).apiSchema().toGraphQLJSSchema();
  return { schema, index: prepared.index };
}

/** A small schema with every cost feature the supergraph does not use (yet). */
export function syntheticSchema(): CostSchema {
  const sdl = /* GraphQL */ `
    schema
      @link(url: "https://specs.apollo.dev/link/v1.0")
      @link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@cost", "@listSize"]) {
      query: Query
      mutation: Mutation
    }
    directive @link(url: String, as: String, import: [String]) repeatable on SCHEMA
    directive @cost(
      weight: Int!
    ) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
    directive @listSize(
      assumedSize: Int
      slicingArguments: [String!]
      sizedFields: [String!]
      requireOneSlicingArgument: Boolean = true
    ) on FIELD_DEFINITION

    type Query {
      node(id: ID!): Node
      search(text: String!): [SearchResult!]! @listSize(assumedSize: 5)
      feed(first: Int, last: Int): [Post!]! @listSize(slicingArguments: ["first", "last"])
      anyFeed(first: Int, last: Int): [Post!]!
        @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
      postsConnection(first: Int!): PostConnection!
        @listSize(slicingArguments: ["first"], sizedFields: ["edges"])
      paged(page: PageInput): [Post!]! @listSize(slicingArguments: ["page.size"])
      tags: [String!]!
      posts: [Post!]!
      expensive: Int @cost(weight: 5)
      heavy: Heavy
      filter(where: PostFilter @cost(weight: 2)): [Post!]! @listSize(assumedSize: 3)
    }
    type Mutation {
      publish(title: String!): Post
      like(id: ID!): Boolean @cost(weight: 3)
    }
    interface Node {
      id: ID!
    }
    type Post implements Node {
      id: ID!
      title: String!
      author: Author!
      comments(first: Int = 2): [Comment!]! @listSize(slicingArguments: ["first"])
    }
    type Author implements Node {
      id: ID!
      name: String!
      posts: [Post!]! @listSize(assumedSize: 4)
    }
    type Comment {
      text: String!
    }
    union SearchResult = Post | Author
    type PostConnection {
      edges: [PostEdge!]!
      pageInfo: PageInfo!
    }
    type PostEdge {
      node: Post!
    }
    type PageInfo {
      hasNextPage: Boolean!
    }
    type Heavy @cost(weight: 7) {
      x: Int
    }
    input PostFilter {
      title: String @cost(weight: 4)
      authorId: ID
    }
    input PageInput {
      size: Int
    }
  `;
  return { schema: buildSchema(sdl), index: buildDirectiveIndex(parse(sdl)) };
}
