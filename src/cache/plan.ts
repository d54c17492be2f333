import {
  isObjectType,
  Kind,
  OperationTypeNode,
  parse,
  print,
  stripIgnoredCharacters,
  valueFromASTUntyped,
  visit,
  type FieldNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { CacheModel } from './model.js';
import { inlineFragments, usesDirectives } from './operation.js';
import { compileRootSplit, type RootSplit } from './rootSplit.js';
import { makeUnit, type Unit } from './unit.js';

export type { Unit } from './unit.js';

/**
 * How one subgraph fetch (the query text the query plan sends) is cached, compiled once per
 * subgraph, query text and supergraph; pure. Each top-level field of the fetch is a unit (see
 * `unit.ts`): a field of an entity in `_entities` fetches, a root field otherwise.
 */
interface Rewritable {
  /** Default values of the fetch's variables (the subgraph applies them to absent variables). */
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly units: readonly Unit[];
  /** The operation asking only for `missing` (sorted by index); memoized by that set. */
  rewrite(missing: readonly Unit[]): string;
}

export interface EntitiesPlan extends Rewritable {
  readonly kind: 'entities';
  /** Units by entity type, in fetch order. */
  readonly byType: ReadonlyMap<string, readonly Unit[]>;
  /** Response keys of `__typename` under `_entities` or inside the type's fragment. */
  readonly typenameKeys: ReadonlyMap<string, readonly string[]>;
}

export interface RootPlan extends Rewritable {
  readonly kind: 'root';
  readonly rootType: string;
  readonly typenameKeys: readonly string[];
  /** By unit index: how a root field returning entities is cached as references + entity fields. */
  readonly splits: ReadonlyMap<number, RootSplit>;
}

export interface MutationPlan {
  readonly kind: 'mutation';
  readonly rootType: string;
  readonly selectionSet: SelectionSetNode;
}

/** Fetches the cache does not understand are sent as they are. */
export interface BypassPlan {
  readonly kind: 'bypass';
}

export type FetchPlan = EntitiesPlan | RootPlan | MutationPlan | BypassPlan;

const BYPASS: BypassPlan = { kind: 'bypass' };
const MAX_REWRITES = 64;

/**
 * Compiles a fetch's query text for `subgraph`; anything unexpected gives a bypass plan, never an
 * error.
 */
export function compileFetch(query: string, model: CacheModel, subgraph: string): FetchPlan {
  let operation: OperationDefinitionNode | undefined;
  try {
    operation = inlineFragments(parse(query, { noLocation: true }));
  } catch {
    return BYPASS;
  }
  if (!operation) return BYPASS;
  const { schema } = model;
  // why before the directive check: a mutation is never cached, only read for the entities it
  // returns, and a client's `@skip`/`@include` must not spare them their invalidation.
  if (operation.operation === OperationTypeNode.MUTATION) {
    const rootType = schema.getMutationType()?.name;
    return rootType ? { kind: 'mutation', rootType, selectionSet: operation.selectionSet } : BYPASS;
  }
  // why: @skip/@include make a field's presence depend on variables; such fetches are rare, and
  // caching them is not worth a subtle key.
  if (usesDirectives(operation)) return BYPASS;
  const rootType = schema.getQueryType()?.name;
  if (operation.operation !== OperationTypeNode.QUERY || !rootType) return BYPASS;
  const selections = operation.selectionSet.selections;
  const first = selections[0];
  if (selections.length === 1 && first?.kind === Kind.FIELD && first.name.value === '_entities')
    return compileEntities(operation, first, model);
  return compileRoot(operation, rootType, model, subgraph);
}

function compileEntities(
  operation: OperationDefinitionNode,
  entities: FieldNode,
  model: CacheModel,
): FetchPlan {
  const byType = new Map<string, Unit[]>();
  const typenameKeys = new Map<string, string[]>();
  const topTypename: string[] = [];
  const units: Unit[] = [];
  for (const selection of entities.selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD && selection.name.value === '__typename') {
      topTypename.push(selection.alias?.value ?? '__typename');
      continue;
    }
    if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition) return BYPASS;
    const typeName = selection.typeCondition.name.value;
    if (!isObjectType(model.schema.getType(typeName)) || !model.keyFields.has(typeName))
      return BYPASS;
    const list = byType.get(typeName) ?? [];
    const typenames = typenameKeys.get(typeName) ?? [];
    for (const field of selection.selectionSet.selections) {
      if (field.kind !== Kind.FIELD) return BYPASS;
      const responseKey = field.alias?.value ?? field.name.value;
      if (field.name.value === '__typename') typenames.push(responseKey);
      else if (list.some((u) => u.responseKey === responseKey)) return BYPASS;
      else list.push(pushUnit(units, makeUnit(units.length, typeName, field, false, model)));
    }
    byType.set(typeName, list);
    typenameKeys.set(typeName, typenames);
  }
  for (const keys of typenameKeys.values()) keys.unshift(...topTypename);
  return {
    kind: 'entities',
    byType,
    typenameKeys,
    units,
    defaults: defaultsOf(operation),
    rewrite: rewriter(operation, (missing) => {
      const fragments = [...byType.keys()].flatMap((typeName) => {
        const fields = missing.filter((u) => u.typeName === typeName).map((u) => u.node);
        return fields.length
          ? [
              {
                kind: Kind.INLINE_FRAGMENT as const,
                typeCondition: {
                  kind: Kind.NAMED_TYPE as const,
                  name: { kind: Kind.NAME as const, value: typeName },
                },
                selectionSet: { kind: Kind.SELECTION_SET as const, selections: fields },
              },
            ]
          : [];
      });
      return [{ ...entities, selectionSet: { kind: Kind.SELECTION_SET, selections: fragments } }];
    }),
  };
}

function compileRoot(
  operation: OperationDefinitionNode,
  rootType: string,
  model: CacheModel,
  subgraph: string,
): FetchPlan {
  const units: Unit[] = [];
  const typenameKeys: string[] = [];
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.name.value === '_entities') return BYPASS;
    const responseKey = selection.alias?.value ?? selection.name.value;
    if (selection.name.value === '__typename') typenameKeys.push(responseKey);
    else if (units.some((u) => u.responseKey === responseKey)) return BYPASS;
    else units.push(makeUnit(units.length, rootType, selection, true, model));
  }
  const splits = new Map<number, RootSplit>();
  for (const unit of units) {
    const split = compileRootSplit(unit, operation, model, subgraph);
    if (split) splits.set(unit.index, split);
  }
  return {
    kind: 'root',
    rootType,
    typenameKeys,
    units,
    splits,
    defaults: defaultsOf(operation),
    // why: a split unit is only ever sent when its references are missing: then with its keys.
    rewrite: rewriter(operation, (missing) =>
      missing.map((u) => splits.get(u.index)?.widened ?? u.node),
    ),
  };
}

function pushUnit(units: Unit[], unit: Unit): Unit {
  units.push(unit);
  return unit;
}

function defaultsOf(operation: OperationDefinitionNode): Record<string, unknown> {
  const defaults = Object.create(null) as Record<string, unknown>;
  for (const definition of operation.variableDefinitions ?? [])
    if (definition.defaultValue)
      defaults[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
  return defaults;
}
/** Prints the operation with the given top-level selections, declaring only the variables used. */
function rewriter(
  operation: OperationDefinitionNode,
  selectionsFor: (
    missing: readonly Unit[],
  ) => OperationDefinitionNode['selectionSet']['selections'],
): (missing: readonly Unit[]) => string {
  const memo = new Map<string, string>();
  return (missing) => {
    const id = missing.map((u) => u.index).join(',');
    let query = memo.get(id);
    if (query === undefined) {
      if (memo.size >= MAX_REWRITES) memo.clear(); // bounded: shapes beyond this are rare
      const selectionSet = {
        kind: Kind.SELECTION_SET,
        selections: selectionsFor(missing),
      } as const;
      const used = new Set<string>();
      visit(selectionSet, { Variable: (v) => void used.add(v.name.value) });
      const rewritten: OperationDefinitionNode = {
        ...operation,
        variableDefinitions: operation.variableDefinitions?.filter((d) =>
          used.has(d.variable.name.value),
        ),
        selectionSet,
      };
      query = stripIgnoredCharacters(print({ kind: Kind.DOCUMENT, definitions: [rewritten] }));
      memo.set(id, query);
    }
    return query;
  };
}
