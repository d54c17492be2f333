import {
  Kind,
  isListType,
  isNonNullType,
  valueFromASTUntyped,
  type DirectiveNode,
  type GraphQLOutputType,
  type OperationDefinitionNode,
} from 'graphql';
import { TYPENAME_ALIAS, type FilteredOperation, type Guard, type Removal } from './removals.js';

/** The removals of a filtered operation, arranged by response path for one walk of the data. */
export interface RemovalNode {
  /** Type of the field that leads here (undefined at the root). */
  readonly type: GraphQLOutputType | undefined;
  readonly children: Map<string, RemovalNode>;
  readonly removals: Removal[];
  /** Delete {@link TYPENAME_ALIAS} from the objects here. */
  strip: boolean;
  /** The client's key order, restored after nulls are put back. */
  order: readonly string[] | undefined;
}

/** An unauthorized selection the response had: its path (with list indices) and coordinate. */
export interface RemovedPath {
  readonly path: readonly (string | number)[];
  readonly coordinate: string;
}

type Data = Record<string, unknown>;

/** Arranges a filtered operation's removals as a tree; built once, cached with the filtering. */
export function buildRemovalTree(filtered: FilteredOperation): RemovalNode {
  const root: RemovalNode = {
    type: undefined,
    children: new Map(),
    removals: [],
    strip: false,
    order: undefined,
  };
  const nodeAt = (path: readonly string[], types: readonly GraphQLOutputType[]) => {
    let node = root;
    path.forEach((key, i) => {
      let child = node.children.get(key);
      if (!child) {
        child = {
          type: types[i],
          children: new Map(),
          removals: [],
          strip: false,
          order: undefined,
        };
        node.children.set(key, child);
      }
      node = child;
    });
    return node;
  };
  for (const removal of filtered.removals)
    nodeAt(removal.object.path, removal.object.types).removals.push(removal);
  for (const aliased of filtered.aliased) nodeAt(aliased.path, aliased.types).strip = true;
  for (const ordered of filtered.ordered) nodeAt(ordered.path, ordered.types).order = ordered.keys;
  return root;
}

/**
 * Runs after execution, on the response data (mutated in place): `null` at each removed field where
 * it would have been (every list item; not where a fragment, type condition or @skip/@include says
 * it would not have run), nulls propagated through non-null fields as GraphQL requires, and the
 * helper `__typename` removed. Returns the new `data` (null if propagation reached the root) and
 * one path per removed selection.
 */
export function applyRemovals(
  tree: RemovalNode,
  data: Data,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): { data: Data | null; removed: RemovedPath[] } {
  const removed: RemovedPath[] = [];
  const values = variableValues(operation, variables);
  const stack: Data[] = [];

  const applies = (guards: readonly Guard[]) =>
    guards.every((guard) => {
      const object = stack[guard.depth];
      if (!object) return false;
      if (guard.types && !guard.types.has(object[TYPENAME_ALIAS] as string)) return false;
      return guard.directives.every((d) => passes(d, values));
    });

  /** Returns true when `object` must become null (a non-null field of it is null). */
  const visitObject = (object: Data, node: RemovalNode, path: (string | number)[]): boolean => {
    stack.push(object);
    let nullify = false;
    let refilled = false;
    // why: one field selected twice under one response key (`email ... on User { email }`) is one
    // response path, so one error.
    const reported = new Set<string>();
    for (const removal of node.removals) {
      if (!applies(removal.guards)) continue;
      if (removal.kind === 'fragment' || removal.responseKey === undefined) {
        removed.push({ path, coordinate: removal.coordinate });
        continue;
      }
      if (reported.has(removal.responseKey)) continue;
      reported.add(removal.responseKey);
      refilled ||= !Object.hasOwn(object, removal.responseKey);
      setOwn(object, removal.responseKey, null);
      removed.push({ path: [...path, removal.responseKey], coordinate: removal.coordinate });
      if (removal.type && isNonNullType(removal.type)) nullify = true;
    }
    for (const [key, child] of node.children) {
      // why hasOwn: never follow an inherited member (an alias may be named `__proto__`).
      const value = Object.hasOwn(object, key) ? object[key] : undefined;
      if (value === null || value === undefined || !child.type) continue;
      if (visitValue(value, child.type, child, [...path, key])) {
        setOwn(object, key, null);
        if (isNonNullType(child.type)) nullify = true;
      }
    }
    if (node.strip) delete object[TYPENAME_ALIAS];
    if (refilled && node.order) reorder(object, node.order);
    stack.pop();
    return nullify;
  };

  const visitValue = (
    value: unknown,
    type: GraphQLOutputType,
    node: RemovalNode,
    path: (string | number)[],
  ): boolean => {
    const nullable = isNonNullType(type) ? type.ofType : type;
    if (isListType(nullable)) {
      if (!Array.isArray(value)) return false;
      const itemType = nullable.ofType as GraphQLOutputType;
      let nullList = false;
      // why no early return: every item's removed paths get their error, as docs/architecture.md says.
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item === null || item === undefined) continue;
        if (visitValue(item, itemType, node, [...path, i])) {
          value[i] = null;
          if (isNonNullType(itemType)) nullList = true;
        }
      }
      return nullList;
    }
    return typeof value === 'object' && visitObject(value as Data, node, path);
  };

  const nullRoot = visitObject(data, tree, []);
  return { data: nullRoot ? null : data, removed };
}

/**
 * Whether a removal's `@skip`/`@include` conditions hold for these variables (its type conditions
 * are not known before execution). Reject mode refuses only operations where one does.
 */
export function mayApply(
  removal: Removal,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): boolean {
  const values = variableValues(operation, variables);
  return removal.guards.every((g) => g.directives.every((d) => passes(d, values)));
}

/** Puts `object`'s keys in `order` (keys not listed keep their place at the end). */
function reorder(object: Data, order: readonly string[]): void {
  const values = new Map(Object.entries(object));
  for (const key of values.keys()) delete object[key];
  for (const key of order) if (values.has(key)) setOwn(object, key, values.get(key));
  for (const [key, value] of values) if (!Object.hasOwn(object, key)) setOwn(object, key, value);
}

/** `object[key] = value`, also for a response key (alias) named `__proto__`. */
function setOwn(object: Data, key: string, value: unknown): void {
  Object.defineProperty(object, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

function passes(directive: DirectiveNode, values: ReadonlyMap<string, unknown>): boolean {
  const argument = directive.arguments?.find((a) => a.name.value === 'if')?.value;
  const condition =
    argument?.kind === Kind.VARIABLE
      ? values.get(argument.name.value) === true
      : argument?.kind === Kind.BOOLEAN && argument.value;
  return directive.name.value === 'skip' ? !condition : condition;
}

/** The request's variables with the operation's defaults filled in (own properties only). */
function variableValues(
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): ReadonlyMap<string, unknown> {
  // why a Map: a variable may be named `$__proto__`.
  const values = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (Object.hasOwn(variables, name)) values.set(name, variables[name]);
    else if (definition.defaultValue)
      values.set(name, valueFromASTUntyped(definition.defaultValue));
  }
  return values;
}
