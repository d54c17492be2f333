import {
  Kind,
  getNamedType,
  isAbstractType,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { responseKeys, skipInclude, usedFragments, withUsedVariables } from './documentParts.js';
import type { AccessRules, Grants } from './requirements.js';
import {
  ALIAS_FIELD,
  type FilteredOperation,
  type Guard,
  type OrderedKeys,
  type Removal,
  type TypedPath,
} from './removals.js';

export { TYPENAME_ALIAS, type FilteredOperation, type Removal } from './removals.js';

interface Sink {
  readonly removals: Removal[];
  readonly aliased: TypedPath[];
  readonly ordered: OrderedKeys[];
}
interface Walk extends TypedPath {
  readonly guards: readonly Guard[];
  readonly sink: Sink;
  /** A field's (or the operation's) own selection set, not a fragment's: type checks go here. */
  readonly objectLevel: boolean;
}
interface Filtered {
  readonly changed: boolean;
  /** undefined = nothing left. */
  readonly set: SelectionSetNode | undefined;
}
interface FragmentResult extends Filtered, Sink {}

/**
 * Removes from `operation` every field and type condition the caller may not see, through
 * aliases, inline and named fragments, interfaces and unions. Pure; runs once per (document,
 * grants) thanks to the authorize step's cache. Fields are judged statically (whatever the
 * variables); the removals' guards let the response step apply each one where it would have run.
 */
export function filterOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rules: AccessRules,
  grants: Grants,
): FilteredOperation {
  const schema = rules.schema;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, FragmentResult>();

  const possible = (type: GraphQLNamedType): ReadonlySet<string> =>
    new Set(isAbstractType(type) ? schema.getPossibleTypes(type).map((t) => t.name) : [type.name]);
  /** A type condition that every possible value of `parent` meets needs no type check. */
  const guardFor = (
    parent: GraphQLCompositeType,
    condition: GraphQLNamedType,
    depth: number,
    directives: readonly DirectiveNode[] | undefined,
  ): Guard | undefined => {
    const wanted = possible(condition);
    const covers = [...possible(parent)].every((t) => wanted.has(t));
    const conditional = skipInclude(directives);
    if (covers && !conditional.length) return undefined;
    return { depth, types: covers ? undefined : wanted, directives: conditional };
  };

  const fragment = (name: string): FragmentResult | undefined => {
    const definition = fragments.get(name);
    if (!definition) return undefined;
    let result = memo.get(name);
    if (!result) {
      const type = schema.getType(definition.typeCondition.name.value) as GraphQLCompositeType;
      const sink: Sink = { removals: [], aliased: [], ordered: [] };
      const walk = { path: [], types: [], guards: [], sink, objectLevel: false };
      result = { ...selectionSet(definition.selectionSet, type, walk), ...sink };
      memo.set(name, result);
    }
    return result;
  };

  const selectionSet = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    walk: Walk,
  ): Filtered => {
    const { sink } = walk;
    const depth = walk.path.length;
    const firstRemoval = sink.removals.length;
    const here: TypedPath = { path: walk.path, types: walk.types };
    const kept: SelectionNode[] = [];
    let changed = false;
    const removeCondition = (type: GraphQLNamedType, guard: Guard | undefined) => {
      sink.removals.push({
        kind: 'fragment',
        coordinate: type.name,
        object: here,
        responseKey: undefined,
        type: undefined,
        guards: guard ? [...walk.guards, guard] : walk.guards,
      });
      changed = true;
    };

    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const definition = 'getFields' in parent ? parent.getFields()[name] : undefined;
        // Introspection (`__typename`, `__schema`, `__type`) is never guarded.
        if (name.startsWith('__') || !definition) {
          kept.push(selection);
          continue;
        }
        const key = selection.alias?.value ?? name;
        const conditional = skipInclude(selection.directives);
        const guards = conditional.length
          ? [...walk.guards, { depth, types: undefined, directives: conditional }]
          : walk.guards;
        if (!rules.fieldAllowed(parent, name, grants)) {
          sink.removals.push({
            kind: 'field',
            coordinate: `${parent.name}.${name}`,
            object: here,
            responseKey: key,
            type: definition.type,
            guards,
          });
          changed = true;
          continue;
        }
        if (!selection.selectionSet) {
          kept.push(selection);
          continue;
        }
        const child = selectionSet(
          selection.selectionSet,
          getNamedType(definition.type) as GraphQLCompositeType,
          {
            path: [...walk.path, key],
            types: [...walk.types, definition.type],
            guards,
            sink,
            objectLevel: true,
          },
        );
        if (!child.changed) {
          kept.push(selection);
          continue;
        }
        changed = true;
        const childWalk = { path: [...walk.path, key], types: [...walk.types, definition.type] };
        kept.push({ ...selection, selectionSet: child.set ?? aliasOnly(sink, childWalk) });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parent;
        if (!type) continue;
        const guard = guardFor(parent, type, depth, selection.directives);
        if (!rules.typeAllowed(type, grants)) {
          removeCondition(type, guard);
          continue;
        }
        const child = selectionSet(selection.selectionSet, type as GraphQLCompositeType, {
          ...walk,
          guards: guard ? [...walk.guards, guard] : walk.guards,
          objectLevel: false,
        });
        if (!child.changed) {
          kept.push(selection);
          continue;
        }
        changed = true;
        if (child.set) kept.push({ ...selection, selectionSet: child.set });
      } else {
        const definition = fragments.get(selection.name.value);
        const result = fragment(selection.name.value);
        if (!definition || !result) continue;
        const type = schema.getType(definition.typeCondition.name.value)!;
        const guard = guardFor(parent, type, depth, selection.directives);
        if (!rules.typeAllowed(type, grants)) {
          removeCondition(type, guard);
          continue;
        }
        if (!result.changed) {
          kept.push(selection);
          continue;
        }
        changed = true;
        for (const removal of result.removals) sink.removals.push(relocate(removal, walk, guard));
        for (const aliased of result.aliased) sink.aliased.push(prefixed(aliased, walk));
        for (const o of result.ordered) sink.ordered.push({ ...prefixed(o, walk), keys: o.keys });
        if (result.set) kept.push(selection);
      }
    }
    if (!changed) return { changed, set };
    // Removals that check this object's type read it from the alias; the object's own selection
    // set (not a fragment's, which may not apply) always reaches the response, so it goes there.
    const typeChecked =
      walk.objectLevel &&
      sink.removals
        .slice(firstRemoval)
        .some((r) => r.guards.some((g) => g.depth === depth && g.types));
    if (typeChecked) {
      kept.push(ALIAS_FIELD);
      sink.aliased.push(here);
    }
    // A null put back for a removed field must sit where the client asked for it.
    const refilled =
      walk.objectLevel &&
      sink.removals
        .slice(firstRemoval)
        .some((r) => r.kind === 'field' && r.object.path.length === depth);
    if (refilled) sink.ordered.push({ ...here, keys: responseKeys(set, fragments) });
    return { changed, set: kept.length ? { ...set, selections: kept } : undefined };
  };

  const rootType = schema.getRootType(operation.operation);
  const unchanged = { changed: false, document, removals: [], aliased: [], ordered: [] };
  if (!rootType) return unchanged;
  const sink: Sink = { removals: [], aliased: [], ordered: [] };
  const walk: Walk = { path: [], types: [], guards: [], sink, objectLevel: true };
  const root = selectionSet(operation.selectionSet, rootType, walk);
  if (!root.changed) return unchanged;
  // Nothing left at all: `{ __typename }` is answered by the gateway, no subgraph is called.
  const filteredOperation = { ...operation, selectionSet: root.set ?? aliasOnly(sink, walk) };
  const body = (name: string) => memo.get(name)?.set ?? fragments.get(name)?.selectionSet;
  const used = usedFragments(filteredOperation, body);
  const definitions = [
    withUsedVariables(filteredOperation, used, body),
    ...[...used].map((name) => {
      const original = fragments.get(name)!;
      const filtered = memo.get(name)?.set;
      return filtered ? { ...original, selectionSet: filtered } : original;
    }),
  ];
  return { changed: true, document: { kind: Kind.DOCUMENT, definitions }, ...sink };
}

/** The placeholder selection of a field whose every sub-selection was removed. */
function aliasOnly(sink: Sink, at: TypedPath): SelectionSetNode {
  sink.aliased.push({ path: at.path, types: at.types });
  return { kind: Kind.SELECTION_SET, selections: [ALIAS_FIELD] };
}

/** A removal found inside a named fragment, seen from one of its spreads. */
function relocate(removal: Removal, walk: Walk, spread: Guard | undefined): Removal {
  const shift = walk.path.length;
  return {
    ...removal,
    object: prefixed(removal.object, walk),
    guards: [
      ...walk.guards,
      ...(spread ? [spread] : []),
      ...removal.guards.map((g) => ({ ...g, depth: g.depth + shift })),
    ],
  };
}

function prefixed(path: TypedPath, walk: TypedPath): TypedPath {
  return { path: [...walk.path, ...path.path], types: [...walk.types, ...path.types] };
}
