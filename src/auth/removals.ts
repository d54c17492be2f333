import {
  Kind,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLOutputType,
} from 'graphql';

/** Response key of the `__typename` the filter adds: the placeholder of an emptied selection
 * set, and the type check of removals inside type conditions. Removed from the response. */
export const TYPENAME_ALIAS = '__authTypename';

/** A condition a removal has on one object along its path (from fragments and @skip/@include). */
export interface Guard {
  /** The object: 0 = `data`, n = the object reached through the first n response keys. */
  readonly depth: number;
  /** The object's `__typename` (read through {@link TYPENAME_ALIAS}) must be one of these. */
  readonly types: ReadonlySet<string> | undefined;
  /** `@skip` / `@include` that must let the selection through. */
  readonly directives: readonly DirectiveNode[];
}

/** A response path, with the type of the field behind each key (for lists and null propagation). */
export interface TypedPath {
  readonly path: readonly string[];
  readonly types: readonly GraphQLOutputType[];
}

/** One selection removed from the operation. */
export interface Removal {
  /** `field`: null at `responseKey`; `fragment`: a type condition removed, an error only. */
  readonly kind: 'field' | 'fragment';
  /** The coordinate that refused the caller: `User.email`, `PrivateBlog`. */
  readonly coordinate: string;
  /** The object holding the removed selection. */
  readonly object: TypedPath;
  readonly responseKey: string | undefined;
  /** The removed field's type: a non-null one nulls its parent. */
  readonly type: GraphQLOutputType | undefined;
  readonly guards: readonly Guard[];
}

export interface FilteredOperation {
  readonly changed: boolean;
  /** The operation to plan: the original document when nothing was removed. */
  readonly document: DocumentNode;
  readonly removals: readonly Removal[];
  /** Objects where {@link TYPENAME_ALIAS} was added and must be deleted from the response. */
  readonly aliased: readonly TypedPath[];
  /** Objects that get a removed field back (as null): their keys in the client's order. */
  readonly ordered: readonly OrderedKeys[];
}

/** The response keys an object's selection set asks for, in order (fragments flattened). */
export interface OrderedKeys extends TypedPath {
  readonly keys: readonly string[];
}

/** The `__typename` selection the filter adds (see {@link TYPENAME_ALIAS}). */
export const ALIAS_FIELD: FieldNode = {
  kind: Kind.FIELD,
  alias: { kind: Kind.NAME, value: TYPENAME_ALIAS },
  name: { kind: Kind.NAME, value: '__typename' },
};
