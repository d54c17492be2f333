import {
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type GraphQLNamedType,
  type GraphQLSchema,
  type FieldNode,
  type SelectionSetNode,
} from 'graphql';
import type { CacheHint } from '../supergraph/directiveIndex.js';

/**
 * Static cache policies from the supergraph's `@cacheControl` hints, with Apollo Server's rules
 * (https://www.apollographql.com/docs/apollo-server/performance/caching): a field's hint wins over
 * its return type's; root fields and fields returning composite types default to maxAge 0 unless
 * hinted (or `inheritMaxAge`); scalar fields without a hint inherit their parent's; PRIVATE anywhere
 * makes the whole value private. Pure.
 */

export type CacheScope = 'PUBLIC' | 'PRIVATE';

/** A resolved policy: `maxAge` 0 means never cached. */
export interface CachePolicy {
  readonly maxAge: number;
  readonly scope: CacheScope;
}

/** A policy under construction: `maxAge` undefined means "no restriction, inherits the parent's". */
interface PartialPolicy {
  readonly maxAge: number | undefined;
  readonly scope: CacheScope;
}

type Hints = ReadonlyMap<string, CacheHint>;

const NO_RESTRICTION: PartialPolicy = { maxAge: undefined, scope: 'PUBLIC' };
const UNCACHEABLE: PartialPolicy = { maxAge: 0, scope: 'PUBLIC' };

/** The most restrictive of two policies. */
export function restrict(a: PartialPolicy, b: PartialPolicy): PartialPolicy {
  const maxAge =
    a.maxAge === undefined
      ? b.maxAge
      : b.maxAge === undefined
        ? a.maxAge
        : Math.min(a.maxAge, b.maxAge);
  return { maxAge, scope: a.scope === 'PRIVATE' || b.scope === 'PRIVATE' ? 'PRIVATE' : 'PUBLIC' };
}

/** The hint of one field by itself (Apollo's `willResolveField`), before its sub-selection. */
export function fieldHint(
  hints: Hints,
  parentType: string,
  fieldName: string,
  returnType: GraphQLNamedType,
  isRoot: boolean,
): PartialPolicy {
  let maxAge: number | undefined;
  let scope: CacheScope | undefined;
  let inherit = false;
  const composite = isCompositeType(returnType);
  if (composite) {
    const typeHint = hints.get(returnType.name);
    maxAge = typeHint?.maxAge;
    scope = typeHint?.scope;
    inherit = typeHint?.inheritMaxAge ?? false;
  }
  const own = hints.get(`${parentType}.${fieldName}`);
  if (own?.inheritMaxAge && maxAge === undefined) {
    inherit = true;
    scope = own.scope ?? scope;
  } else if (own) {
    maxAge = own.maxAge ?? maxAge;
    scope = own.scope ?? scope;
  }
  if (maxAge === undefined && ((composite && !inherit) || isRoot)) maxAge = 0;
  return { maxAge, scope: scope ?? 'PUBLIC' };
}

/**
 * The policy of everything in a selection set (fragment spreads must be inlined first). Unknown
 * fields make it uncacheable: a policy is never guessed.
 */
export function selectionPolicy(
  schema: GraphQLSchema,
  hints: Hints,
  parentTypeName: string,
  selectionSet: SelectionSetNode,
): PartialPolicy {
  let policy = NO_RESTRICTION;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) return UNCACHEABLE;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const typeName = selection.typeCondition?.name.value ?? parentTypeName;
      if (!isCompositeType(schema.getType(typeName))) return UNCACHEABLE;
      policy = restrict(policy, selectionPolicy(schema, hints, typeName, selection.selectionSet));
      continue;
    }
    if (selection.name.value === '__typename') continue;
    policy = restrict(policy, fieldPolicy(schema, hints, parentTypeName, selection, false));
  }
  return policy;
}

function fieldPolicy(
  schema: GraphQLSchema,
  hints: Hints,
  parentTypeName: string,
  field: FieldNode,
  isRoot: boolean,
): PartialPolicy {
  const parent = schema.getType(parentTypeName);
  const definition =
    isObjectType(parent) || isInterfaceType(parent)
      ? parent.getFields()[field.name.value]
      : undefined;
  if (!definition) return UNCACHEABLE;
  const returnType = getNamedType(definition.type);
  const own = fieldHint(hints, parentTypeName, field.name.value, returnType, isRoot);
  return field.selectionSet
    ? restrict(own, selectionPolicy(schema, hints, returnType.name, field.selectionSet))
    : own;
}

/** A field's own policy, without its sub-selection (unknown fields: 0). */
export function ownPolicy(
  schema: GraphQLSchema,
  hints: Hints,
  parentTypeName: string,
  fieldName: string,
  isRoot: boolean,
): CachePolicy {
  const parent = schema.getType(parentTypeName);
  const definition =
    isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[fieldName] : undefined;
  if (!definition) return { maxAge: 0, scope: 'PUBLIC' };
  const own = fieldHint(hints, parentTypeName, fieldName, getNamedType(definition.type), isRoot);
  return { maxAge: own.maxAge ?? 0, scope: own.scope };
}

/**
 * The policy of one cache unit: a root field (`isRoot`) or a field of an entity, with its whole
 * sub-selection. An entity field without a maxAge of its own inherits the entity type's hint, and a
 * PRIVATE entity type makes all its fields private.
 */
export function unitPolicy(
  schema: GraphQLSchema,
  hints: Hints,
  parentTypeName: string,
  field: FieldNode,
  isRoot: boolean,
): CachePolicy {
  let policy = fieldPolicy(schema, hints, parentTypeName, field, isRoot);
  if (!isRoot) {
    const parentHint = hints.get(parentTypeName);
    policy = restrict(
      { maxAge: policy.maxAge ?? parentHint?.maxAge ?? 0, scope: policy.scope },
      { maxAge: undefined, scope: parentHint?.scope ?? 'PUBLIC' },
    );
  }
  return { maxAge: policy.maxAge ?? 0, scope: policy.scope };
}
