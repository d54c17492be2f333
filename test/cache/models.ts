import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import { buildCacheModel, type CacheModel } from '../../src/cache/model.js';
import { buildDirectiveIndex } from '../../src/supergraph/directiveIndex.js';

const root = path.resolve(import.meta.dirname, '../..');

/** The cache model of the committed supergraph (the real subgraphs' hints and keys). */
export function realModel(): CacheModel {
  return modelOf(fs.readFileSync(path.join(root, 'supergraph.graphql'), 'utf8'));
}

/** A model of any SDL; `@cacheControl` is linked as the subgraphs link it. */
export function modelOf(sdl: string): CacheModel {
  const document = parse(sdl, { noLocation: true });
  return buildCacheModel(document, buildDirectiveIndex(document).cacheControl, sdl);
}

/** A small schema for the rules the real one does not exercise (inheritMaxAge, private types). */
export const SYNTHETIC_SDL = `
extend schema @link(url: "https://federation-gateway.dev/cacheControl/v0.1", import: ["@cacheControl"])
directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
directive @join__type(graph: String, key: String) repeatable on OBJECT | INTERFACE
enum CacheControlScope { PUBLIC PRIVATE }
type Query {
  book(id: ID!): Book
  latest: Book @cacheControl(maxAge: 5)
  version: String
  pinned: String @cacheControl(maxAge: 60)
  inherits: Book @cacheControl(inheritMaxAge: true)
  inheritsReview: Review @cacheControl(inheritMaxAge: true)
}
type Book @join__type(graph: "BOOKS", key: "id") @cacheControl(maxAge: 120) {
  id: ID!
  title: String
  author: Author
  related: [Book!]! @cacheControl(inheritMaxAge: true)
  review: Review
  inheritedReview: Review @cacheControl(inheritMaxAge: true)
  secret: String @cacheControl(maxAge: 30, scope: PRIVATE)
}
type Author @join__type(graph: "BOOKS", key: "id") @cacheControl(maxAge: 600) {
  id: ID!
  name: String
}
type Review { stars: Int }
type Diary @join__type(graph: "BOOKS", key: "id") @cacheControl(maxAge: 40, scope: PRIVATE) {
  id: ID!
  entry: String
}
`;
