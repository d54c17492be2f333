import {
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { entityId } from './keys.js';
import { setOwn } from './selection.js';

/**
 * Entities in mutation results, pure. A mutation bumps the version of every entity its result
 * contains; for that the subgraph must return each entity's `__typename` and key fields, which the
 * gateway always selects itself, under reserved aliases removed again from the response.
 *
 * why always, even when the client selected them: the client's own `id` may sit under
 * `@skip`/`@include`, in a fragment that does not apply, or under an alias; only a selection of
 * the gateway's own, with no directive, is certain to come back.
 */

/**
 * Prefix of the aliases the gateway adds; removed from the client's response. Reserved: a client
 * document using it is refused (`cacheStep.ts`).
 */
export const ADDED_ALIAS_PREFIX = 'gwCacheKey_';

/** An entity found in a result. */
export interface EntityRef {
  readonly typeName: string;
  readonly id: string;
}

/**
 * Adds `__typename` and the key fields to every selection of an entity type in `selectionSet`
 * (object types; abstract types get `__typename` and an inline fragment per entity type).
 * Returns undefined when nothing had to be added.
 */
export function selectEntityKeys(
  schema: GraphQLSchema,
  keyFields: ReadonlyMap<string, readonly string[]>,
  parentType: string,
  selectionSet: SelectionSetNode,
): SelectionSetNode | undefined {
  let changed = false;
  const parent = schema.getType(parentType);
  const fields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : {};
  const selections = selectionSet.selections.map((selection): SelectionNode => {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const inner = selectEntityKeys(
        schema,
        keyFields,
        selection.typeCondition?.name.value ?? parentType,
        selection.selectionSet,
      );
      if (!inner) return selection;
      changed = true;
      return { ...selection, selectionSet: inner };
    }
    if (selection.kind !== Kind.FIELD || !selection.selectionSet) return selection;
    const definition = fields[selection.name.value];
    if (!definition) return selection;
    const returnType = getNamedType(definition.type);
    let inner =
      selectEntityKeys(schema, keyFields, returnType.name, selection.selectionSet) ??
      selection.selectionSet;
    const additions = isAbstractType(returnType)
      ? abstractAdditions(
          schema.getPossibleTypes(returnType).map((t) => t.name),
          keyFields,
          inner,
        )
      : objectAdditions(keyFields.get(returnType.name), inner);
    if (additions.length) inner = { ...inner, selections: [...inner.selections, ...additions] };
    if (inner === selection.selectionSet) return selection;
    changed = true;
    return { ...selection, selectionSet: inner };
  });
  return changed ? { ...selectionSet, selections } : undefined;
}

function objectAdditions(
  keys: readonly string[] | undefined,
  selectionSet: SelectionSetNode,
): FieldNode[] {
  if (!keys) return [];
  // Idempotent: a selection set already widened is left as it is.
  return ['__typename', ...keys]
    .filter(
      (name) =>
        !selectionSet.selections.some(
          (s) => s.kind === Kind.FIELD && s.alias?.value === `${ADDED_ALIAS_PREFIX}${name}`,
        ),
    )
    .map((name) => reservedAlias(name));
}

function abstractAdditions(
  possible: readonly string[],
  keyFields: ReadonlyMap<string, readonly string[]>,
  selectionSet: SelectionSetNode,
): SelectionNode[] {
  const entities = possible.filter((t) => keyFields.has(t));
  if (!entities.length) return [];
  return [
    ...objectAdditions([], selectionSet),
    ...entities.map((typeName) => ({
      kind: Kind.INLINE_FRAGMENT as const,
      typeCondition: {
        kind: Kind.NAMED_TYPE as const,
        name: { kind: Kind.NAME as const, value: typeName },
      },
      selectionSet: {
        kind: Kind.SELECTION_SET as const,
        selections: (keyFields.get(typeName) ?? []).map(reservedAlias),
      },
    })),
  ];
}

/** `gwCacheKey_<name>: <name>`: a field the gateway selects for itself. */
export function reservedAlias(name: string): FieldNode {
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: `${ADDED_ALIAS_PREFIX}${name}` },
    name: { kind: Kind.NAME, value: name },
  };
}

/** Removes the added aliases from a result, in place. */
export function stripAddedKeys(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) stripAddedKeys(item);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key.startsWith(ADDED_ALIAS_PREFIX)) delete record[key];
    else stripAddedKeys(record[key]);
  }
}

/** Every entity (type and id) in `value`, the result of `selectionSet` on `typeName`. */
export function collectEntities(
  schema: GraphQLSchema,
  keyFields: ReadonlyMap<string, readonly string[]>,
  typeName: string,
  selectionSet: SelectionSetNode,
  value: unknown,
  found: EntityRef[] = [],
): EntityRef[] {
  if (Array.isArray(value)) {
    for (const item of value)
      collectEntities(schema, keyFields, typeName, selectionSet, item, found);
    return found;
  }
  if (value === null || typeof value !== 'object') return found;
  const record = value as Record<string, unknown>;
  const staticType = schema.getType(typeName);
  // why the first value present: a field the client skipped (`id @skip(if: true)`) is absent,
  // and the reserved alias beside it carries the value.
  const typename =
    firstValue(record, flatten(selectionSet, undefined), '__typename') ??
    (isObjectType(staticType) ? typeName : undefined);
  if (typeof typename !== 'string') return found;
  const fields = flatten(selectionSet, typename);
  const keys = keyFields.get(typename);
  if (keys) {
    const byName: Record<string, unknown> = {};
    for (const key of keys) setOwn(byName, key, firstValue(record, fields, key));
    const id = entityId(byName, keys);
    if (id !== undefined) found.push({ typeName: typename, id });
  }
  const runtime = schema.getType(typename);
  const definitions = isObjectType(runtime) ? runtime.getFields() : {};
  for (const field of fields) {
    const definition = definitions[field.name.value];
    if (!field.selectionSet || !definition) continue;
    collectEntities(
      schema,
      keyFields,
      getNamedType(definition.type).name,
      field.selectionSet,
      record[responseKey(field)],
      found,
    );
  }
  return found;
}

/** The value of the first field named `name` present in `record` (null counts as present). */
function firstValue(
  record: Readonly<Record<string, unknown>>,
  fields: readonly FieldNode[],
  name: string,
): unknown {
  for (const field of fields) {
    if (field.name.value !== name) continue;
    const key = responseKey(field);
    if (Object.hasOwn(record, key) && record[key] !== undefined) return record[key];
  }
  return undefined;
}

function responseKey(field: FieldNode): string {
  return field.alias?.value ?? field.name.value;
}

/** Fields that apply to `typename` (undefined: fields outside type-conditioned fragments only). */
function flatten(selectionSet: SelectionSetNode, typename: string | undefined): FieldNode[] {
  return selectionSet.selections.flatMap((s) =>
    s.kind === Kind.FIELD
      ? [s]
      : s.kind === Kind.INLINE_FRAGMENT &&
          (!s.typeCondition || (typename !== undefined && s.typeCondition.name.value === typename))
        ? flatten(s.selectionSet, typename)
        : [],
  );
}
