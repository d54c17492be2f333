import {
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  visit,
  type ArgumentNode,
  type FieldNode,
  type SelectionSetNode,
} from 'graphql';
import { canonicalJson, entityDigest, fieldDigest, keyOf, sha256, versionKey } from './keys.js';
import type { CacheModel } from './model.js';
import { unitPolicy, type CachePolicy } from './policy.js';
import { normalizeSelection, type StorageShape } from './selection.js';

/**
 * A *unit* is what one cache entry holds: one top-level field of a fetch with its arguments and
 * sub-selection, either a field of an entity (`_entities` fetches) or a root field. Pure.
 */
export interface Unit {
  /** Position in its plan. */
  readonly index: number;
  /** The entity type, or the root type. */
  readonly typeName: string;
  readonly responseKey: string;
  readonly node: FieldNode;
  /** Static part of the key: schema hash, type, field name, normalized sub-selection. */
  readonly fieldId: string;
  readonly arguments: readonly ArgumentNode[];
  /** Canonical JSON of the arguments when they use no variables. */
  readonly staticArguments: string | undefined;
  /** Variables the sub-selection uses (their values are part of the key). */
  readonly selectionVariables: readonly string[];
  /** Every variable the field uses, for rewritten operations. */
  readonly variables: ReadonlySet<string>;
  readonly shape: StorageShape | undefined;
  readonly policy: CachePolicy;
  /** Entity types whose data (beyond their keys) the value contains: `tver` and `nver` guard it. */
  readonly dependsOn: readonly string[];
  /** Further types whose type-wide version (`tver` only) guards it. */
  readonly typeGuards: readonly string[];
}

/** Compiles one field of a fetch into a unit. */
export function makeUnit(
  index: number,
  typeName: string,
  node: FieldNode,
  isRoot: boolean,
  model: CacheModel,
): Unit {
  const selection = normalizeSelection(node.selectionSet);
  const argumentVariables = new Set<string>();
  for (const arg of node.arguments ?? [])
    visit(arg, { Variable: (v) => void argumentVariables.add(v.name.value) });
  const args = node.arguments ?? [];
  return {
    index,
    typeName,
    responseKey: node.alias?.value ?? node.name.value,
    node,
    fieldId: sha256(JSON.stringify([model.schemaHash, typeName, node.name.value, selection.key])),
    arguments: args,
    staticArguments: argumentVariables.size ? undefined : canonicalJson(argumentValues(args, {})),
    selectionVariables: selection.variables,
    variables: new Set([...argumentVariables, ...selection.variables]),
    shape: selection.shape,
    policy: unitPolicy(model.schema, model.hints, typeName, node, isRoot),
    dependsOn: dependencies(model, typeName, node, isRoot),
    typeGuards: [],
  };
}

/** The resolved arguments of a field. */
export function argumentValues(
  args: readonly ArgumentNode[],
  variables: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const values = Object.create(null) as Record<string, unknown>;
  for (const arg of args) values[arg.name.value] = valueFromASTUntyped(arg.value, variables);
  return values;
}

/**
 * The store key of `unit` for one target (an entity's canonical representation, or `''` for a root
 * field) under the given variables; `scope` is the caller's private scope (PRIVATE units only);
 * `variation` the header rules' headers sent to the subgraph (`headerVariation`), `''` when none.
 */
export function unitKey(
  subgraph: string,
  unit: Unit,
  identity: string,
  variables: Readonly<Record<string, unknown>>,
  scope: string | undefined,
  variation = '',
): string {
  return keyMaker(subgraph, variables, scope, variation)(unit, identity);
}

/** `unitKey` for one fetch: each unit's and each entity's digest computed once. */
export function keyMaker(
  subgraph: string,
  variables: Readonly<Record<string, unknown>>,
  scope: string | undefined,
  variation = '',
): (unit: Unit, identity: string) => string {
  const fields = new Map<Unit, string>();
  const entities = new Map<string, string>();
  return (unit, identity) => {
    let field = fields.get(unit);
    if (field === undefined) {
      const inputs = unitInputs(unit, variables);
      const unitScope = unit.policy.scope === 'PRIVATE' ? (scope ?? '') : '';
      field = fieldDigest({ fieldId: unit.fieldId, inputs, scope: unitScope, variation });
      fields.set(unit, field);
    }
    let entity = entities.get(identity);
    if (entity === undefined) {
      entity = entityDigest(identity);
      entities.set(identity, entity);
    }
    return keyOf(subgraph, unit.typeName, field, entity);
  };
}

/** Canonical JSON of what, besides the fetch's identity, selects a unit's value. */
export function unitInputs(unit: Unit, variables: Readonly<Record<string, unknown>>): string {
  const args = unit.staticArguments ?? canonicalJson(argumentValues(unit.arguments, variables));
  if (!unit.selectionVariables.length) return args;
  const used = Object.create(null) as Record<string, unknown>;
  for (const name of unit.selectionVariables) used[name] = variables[name];
  return JSON.stringify([args, canonicalJson(used)]);
}

/**
 * The version keys guarding one entry, in a fixed order (an entry's tag is their values joined):
 * the subgraph's, then for an entity the type's and the entity's own, then those of the types its
 * value contains.
 */
export function guardsOf(subgraph: string, unit: Unit, entityId: string | undefined): string[] {
  const guards = [versionKey.subgraph(subgraph)];
  if (entityId !== undefined)
    guards.push(versionKey.type(unit.typeName), versionKey.entity(unit.typeName, entityId));
  for (const type of unit.typeGuards) guards.push(versionKey.type(type));
  for (const type of unit.dependsOn) guards.push(versionKey.type(type), versionKey.nested(type));
  return guards;
}

/**
 * Entity types whose data beyond their key fields the value of `node` contains: an entry of a root
 * field or a nested list goes stale when any entity of those types is mutated. A reference
 * (`seller { __typename id }`) does not count: its key never changes.
 */
function dependencies(
  model: CacheModel,
  typeName: string,
  node: FieldNode,
  isRoot: boolean,
): string[] {
  const found = new Set<string>();
  const visitField = (parentName: string, field: FieldNode, top: boolean) => {
    const parent = model.schema.getType(parentName);
    if (!(isObjectType(parent) || isInterfaceType(parent)) || !field.selectionSet) return;
    const definition = parent.getFields()[field.name.value];
    if (!definition) return;
    const returnType = getNamedType(definition.type);
    const types = isAbstractType(returnType)
      ? model.schema.getPossibleTypes(returnType).map((t) => t.name)
      : [returnType.name];
    for (const type of types) {
      const keys = model.keyFields.get(type);
      if (keys && (top || hasMoreThan(field.selectionSet, keys))) found.add(type);
    }
    walk(returnType.name, field.selectionSet);
  };
  const walk = (parentName: string, selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) visitField(parentName, selection, false);
      else if (selection.kind === Kind.INLINE_FRAGMENT)
        walk(selection.typeCondition?.name.value ?? parentName, selection.selectionSet);
    }
  };
  visitField(typeName, node, isRoot);
  return [...found].sort();
}

function hasMoreThan(selectionSet: SelectionSetNode, keyFields: readonly string[]): boolean {
  return selectionSet.selections.some((s) =>
    s.kind === Kind.FIELD
      ? s.name.value !== '__typename' && (!keyFields.includes(s.name.value) || !!s.selectionSet)
      : s.kind === Kind.INLINE_FRAGMENT && hasMoreThan(s.selectionSet, keyFields),
  );
}
