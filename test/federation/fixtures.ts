import { FEDERATION_LINK, type FixtureSubgraph } from './harness.js';

/**
 * Subgraph designs of other teams, each showing one federation pattern where the planner alone
 * answers wrong data. The data makes every difference visible in the numbers.
 */

type Ref = Record<string, unknown>;

const POSTS = [
  { id: 'p1', title: 'First', usd: 11, related: ['p2'] },
  { id: 'p2', title: 'Second', usd: 22, related: ['p1'] },
];
const commentsOf = (id: string, limit: number) =>
  Array.from({ length: Math.min(limit, 5) }, (_, i) => ({ id: `${id}-c${i + 1}` }));
const priceIn = (usd: number, currency: string) => (currency === 'EUR' ? usd * 2 : usd);
const post = (id: unknown) => POSTS.find((p) => p.id === id);

/**
 * 1. `@requires` with field arguments: the insights subgraph needs `comments(limit: 3)` and
 * `price(currency: "USD")` of a post, while clients read the same fields with other arguments.
 */
export const requiresWithArguments: FixtureSubgraph[] = [
  {
    name: 'posts',
    sdl: `${FEDERATION_LINK}
      type Query { posts: [Post!]!  post(id: ID!): Post }
      type Post @key(fields: "id") {
        id: ID!
        title: String!
        comments(limit: Int!): [Comment!]!
        price(currency: String!): Int!
        related: [Post!]!
        author: Author!
      }
      type Comment { id: ID! }
      type Author { rating(scale: Int!): Int! }`,
    resolvers: {
      Query: { posts: () => POSTS, post: (_: unknown, args: Ref) => post(args.id) ?? null },
      Post: {
        __resolveReference: (ref: Ref) => post(ref.id) ?? null,
        comments: (p: { id: string }, args: { limit: number }) => commentsOf(p.id, args.limit),
        price: (p: { usd: number }, args: { currency: string }) => priceIn(p.usd, args.currency),
        related: (p: { related: string[] }) => p.related.map(post),
        author: (p: { usd: number }) => ({ stars: p.usd / 11 }),
      },
      // a rating of 1 or 2 stars, on the scale asked for (5: 1 or 2, 10: 2 or 4)
      Author: {
        rating: (a: { stars: number }, args: { scale: number }) => (a.stars * args.scale) / 5,
      },
    },
  },
  {
    name: 'insights',
    sdl: `${FEDERATION_LINK}
      type Query { featured: Post }
      type Post @key(fields: "id") {
        id: ID!
        comments(limit: Int!): [Comment!]! @external
        price(currency: String!): Int! @external
        summary: String @requires(fields: "comments(limit: 3) { id }")
        shippingEstimate: Int @requires(fields: "price(currency: \\"USD\\")")
        author: Author! @external
        authorBadge: String @requires(fields: "author { rating(scale: 10) }")
      }
      type Comment { id: ID! @external }
      type Author { rating(scale: Int!): Int! @external }`,
    resolvers: {
      Query: { featured: () => ({ id: 'p2' }) },
      Post: {
        __resolveReference: (ref: Ref) => ref,
        summary: (p: { comments: { id: string }[] }) =>
          `${p.comments.length} comments: ${p.comments.map((c) => c.id).join(',')}`,
        shippingEstimate: (p: { price: number }) => p.price * 10,
        authorBadge: (p: { author: { rating: number } }) => `${p.author.rating}/10`,
      },
    },
  },
];

/**
 * 2. `@interfaceObject` behind a non-resolvable key: the directory subgraph returns `Node`s (an
 * interface with no implementation anywhere), the labels subgraph adds `Node.label` but cannot
 * resolve a `Node` from its key. No subgraph can answer `label` for `Query.node`.
 */
export const nonResolvableInterfaceObject: FixtureSubgraph[] = [
  {
    name: 'directory',
    sdl: `${FEDERATION_LINK}
      interface Node @key(fields: "id") { id: ID! }
      type Query { node: Node  nodes: [Node]  holder: Holder! }
      type Holder { node: Node  required: Node! }`,
    resolvers: {
      Query: {
        node: () => ({ id: 'n1' }),
        nodes: () => [{ id: 'n1' }],
        holder: () => ({}),
      },
      Holder: { node: () => ({ id: 'n1' }), required: () => ({ id: 'n1' }) },
      Node: { __resolveType: () => 'Node' },
    },
  },
  {
    name: 'labels',
    sdl: `${FEDERATION_LINK}
      type Node @key(fields: "id", resolvable: false) @interfaceObject {
        id: ID!
        label: String
        tag: String!
      }
      type Query { labelled: Node }`,
    resolvers: {
      Query: { labelled: () => ({ id: 'n1' }) },
      Node: {
        label: (n: { id: string }) => `label of ${n.id}`,
        tag: (n: { id: string }) => `tag of ${n.id}`,
      },
    },
  },
];

const ITEMS = {
  i1: { id: 'i1', code: 'C1', name: 'Kettle' },
  i2: { id: 'i2', code: 'C2', name: 'Lamp' },
};
const item = (id: unknown) =>
  typeof id === 'string' ? ITEMS[id as keyof typeof ITEMS] : undefined;

/**
 * 3. `@requires` on a type whose first keys in the requiring subgraph are `resolvable: false`:
 * the shelf subgraph lists items and computes `badge` from the catalog's `name`; it can resolve
 * an item only by `id code` (its `code` and `id` keys are for referencing only).
 */
export const requiresBehindNonResolvableKey: FixtureSubgraph[] = [
  {
    name: 'catalog',
    sdl: `${FEDERATION_LINK}
      type Item @key(fields: "id") @key(fields: "code", resolvable: false) {
        id: ID!
        code: String!
        name: String!
      }`,
    resolvers: {
      Item: { __resolveReference: (ref: Ref) => item(ref.id) ?? null },
    },
  },
  {
    name: 'shelf',
    sdl: `${FEDERATION_LINK}
      type Query { shelf: Shelf  items: [Item!]! }
      type Shelf { id: ID!  items: [Item!]! }
      type Item
        @key(fields: "code", resolvable: false)
        @key(fields: "id", resolvable: false)
        @key(fields: "id code") {
        id: ID!
        code: String!
        name: String! @external
        badge: String! @requires(fields: "name")
      }`,
    resolvers: {
      Query: {
        shelf: () => ({ id: 's1', items: ['i1', 'i2'] }),
        items: () => ['i1', 'i2'].map(item),
      },
      Shelf: { items: (s: { items: string[] }) => s.items.map(item) },
      Item: {
        // resolvable by `id code` only: a reference without both is not an item of this subgraph
        __resolveReference: (ref: Ref) =>
          ref.id && ref.code && item(ref.id)?.code === ref.code
            ? { ...item(ref.id), ...ref }
            : null,
        badge: (i: { name?: string }) => {
          if (!i.name) throw new Error('Item.name was not provided');
          return `[${i.name}]`;
        },
      },
    },
  },
];

/** 3, without a way out: the requiring subgraph cannot resolve an item by any key. */
export const requiresWithoutResolvableKey: FixtureSubgraph[] = requiresBehindNonResolvableKey.map(
  (subgraph) =>
    subgraph.name === 'shelf'
      ? { ...subgraph, sdl: subgraph.sdl.replace('@key(fields: "id code")', '') }
      : subgraph,
);

/**
 * Two `@requires` of one type select one field with different arguments (`comments(limit: 3)` and
 * `comments(limit: 5)`, `price(currency: "USD")` and `"EUR"`, nested `author { rating(scale) }`):
 * one fetch carries one value per name, so no single plan computes both from the right data.
 */
export const requiresArgumentConflict: FixtureSubgraph[] = requiresWithArguments.map((subgraph) =>
  subgraph.name === 'insights'
    ? {
        ...subgraph,
        sdl: subgraph.sdl.replace(
          'summary: String',
          `longSummary: String! @requires(fields: "comments(limit: 5) { id }")
        eurEstimate: Int @requires(fields: "price(currency: \\"EUR\\")")
        starBadge: String @requires(fields: "author { rating(scale: 5) }")
        summary: String`,
        ),
        resolvers: {
          ...subgraph.resolvers,
          Post: {
            ...subgraph.resolvers.Post,
            longSummary: (p: { comments: { id: string }[] }) =>
              `${p.comments.length} comments: ${p.comments.map((c) => c.id).join(',')}`,
            eurEstimate: (p: { price: number }) => p.price * 10,
            starBadge: (p: { author: { rating: number } }) => `${p.author.rating}/5`,
          },
        },
      }
    : subgraph,
);
