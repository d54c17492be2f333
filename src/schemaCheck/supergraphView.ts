import { Supergraph } from '@apollo/federation-internals';
import type { GraphQLSchema } from 'graphql';
import type { DirectiveIndex } from '../supergraph/directiveIndex.js';
import { prepareSupergraph } from '../supergraph/prepare.js';
import { readOwnership } from './ownership.js';

/** What the checks need from one supergraph (the base or the new one). */
export interface SupergraphView {
  /** The API schema, exactly as the gateway serves it (no join, link or auth machinery). */
  readonly api: GraphQLSchema;
  /** Auth, cost, listSize and cacheControl applications by coordinate, as the gateway reads them. */
  readonly index: DirectiveIndex;
  /** Subgraphs that define each coordinate. */
  readonly owners: ReadonlyMap<string, readonly string[]>;
}

/**
 * Builds the view the same way the gateway loads a supergraph (`prepareSupergraph`, then the
 * federation API schema), so the check compares what clients actually see. Throws when the SDL is
 * not a valid supergraph.
 */
export function buildSupergraphView(sdl: string): SupergraphView {
  const prepared = prepareSupergraph(sdl);
  const api = Supergraph.build(prepared.gatewaySdl).apiSchema().toGraphQLJSSchema();
  return { api, index: prepared.index, owners: readOwnership(prepared.document) };
}

/**
 * Subgraphs of a coordinate, looked up in each view in turn, falling back from an argument to its
 * field and from a field to its type (a removed field is found in the base; a new one in the new).
 */
export function ownersOf(
  coordinate: string,
  views: readonly (SupergraphView | undefined)[],
): readonly string[] {
  for (const candidate of widen(coordinate)) {
    for (const view of views) {
      const found = view?.owners.get(candidate);
      if (found) return found;
    }
  }
  return [];
}

/** `T.f(a:)` → [`T.f(a:)`, `T.f`, `T`]. */
function widen(coordinate: string): string[] {
  const field = coordinate.replace(/\(.*\)$/, '');
  const type = field.split('.')[0] ?? field;
  return [...new Set([coordinate, field, type])];
}
