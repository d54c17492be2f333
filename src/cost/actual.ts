import {
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { DirectiveIndex } from '../supergraph/directiveIndex.js';
import {
  collectFields,
  fieldDefinition,
  isIntrospection,
  operationScope,
  possibleTypes,
  rootType,
  subSelections,
  type OperationScope,
} from './operation.js';
import { Estimator } from './estimate.js';
import { argumentsCost, fieldWeight } from './weights.js';

export interface FetchCostInput {
  /** The API schema and the directive index the request was admitted against. */
  readonly schema: GraphQLSchema;
  readonly index: DirectiveIndex;
  /** List size where nothing declares one (`DEFAULT_LIST_SIZE`), for what a failed fetch asked. */
  readonly defaultListSize: number;
  /** The fetch's operation, as sent to the subgraph. */
  readonly document: DocumentNode;
  readonly operationName?: string;
  readonly variables: Record<string, unknown>;
  /** The subgraph's `data`, before the gateway merges it or propagates nulls. */
  readonly data: Record<string, unknown> | null | undefined;
  /** The subgraph answered with errors (or not at all). */
  readonly failed: boolean;
}

/**
 * The actual cost of one subgraph fetch (docs/architecture.md, request flow 6): the estimate's formula over
 * what the subgraph was asked for and returned, before any null propagation. An answer without
 * errors costs its real list sizes (a null or empty list its weight: it was asked for); a fetch that
 * failed costs what it asked for (the estimate of its selection, per entity sent), so a late error
 * earns no refund. An `_entities` fetch costs the fields it adds to each entity (the entity itself
 * was paid for by the fetch that returned it). Pure.
 */
export function fetchCost(input: FetchCostInput): number {
  const scope = operationScope(input.schema, input.document, input.operationName, input.variables);
  const root = scope && rootType(scope);
  if (!scope || !root) return 0;
  const sets = [scope.operation.selectionSet];
  let cost: number;
  try {
    const entities = entitiesField(scope);
    if (entities) cost = entitiesCost(input, scope, entities);
    else if (input.failed || !input.data)
      cost = new Estimator(scope, input.index, input.defaultListSize).selections(
        root,
        sets,
        undefined,
        [],
      );
    else cost = new ActualWalker(scope, input.index).object([root], input.data, sets, true);
  } catch {
    // a selection the estimate cannot cost (e.g. a missing slicing argument) still ran once
    cost = 1;
  }
  return Math.min(Math.ceil(cost), Number.MAX_SAFE_INTEGER);
}

/** The `_entities` field of an entity fetch (the planner never aliases it). */
function entitiesField(scope: OperationScope): FieldNode | undefined {
  const selections = scope.operation.selectionSet.selections;
  const field = selections.length === 1 ? selections[0] : undefined;
  return field?.kind === Kind.FIELD && field.name.value === '_entities' ? field : undefined;
}

function entitiesCost(input: FetchCostInput, scope: OperationScope, field: FieldNode): number {
  const representations = input.variables.representations;
  if (!Array.isArray(representations)) return 0;
  const sets = field.selectionSet ? [field.selectionSet] : [];
  const received = input.data?._entities;
  const items = Array.isArray(received) && !input.failed ? (received as unknown[]) : [];
  const estimator = new Estimator(scope, input.index, input.defaultListSize);
  const walker = new ActualWalker(scope, input.index);
  const asked = new Map<GraphQLObjectType, number>();
  let cost = 0;
  representations.forEach((representation: unknown, i) => {
    const item = items[i];
    const typename =
      (isRecord(item) && typeof item.__typename === 'string' && item.__typename) ||
      (isRecord(representation) && representation.__typename);
    const type = typeof typename === 'string' ? input.schema.getType(typename) : undefined;
    if (!isObjectType(type)) return;
    if (isRecord(item)) {
      cost += walker.object([type], item, sets);
      return;
    }
    let each = asked.get(type);
    if (each === undefined)
      asked.set(type, (each = estimator.selections(type, sets, undefined, [])));
    cost += each;
  });
  return cost;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What one field of a selection costs, worked out once per (selection, type) of the walk. */
interface FieldPlan {
  readonly key: string;
  /** List wrappers around the field's named type (`[[T]]` = 2). */
  readonly lists: number;
  /** The object types its values may have, when the named type is composite. */
  readonly possible: readonly GraphQLObjectType[] | undefined;
  readonly weight: number;
  readonly args: number;
  readonly sets: readonly SelectionSetNode[];
}

class ActualWalker {
  // why: a list of n items walks the same selection n times; plan it once, so the walk over the
  // response does no type checks per item.
  private readonly plans = new Map<
    readonly SelectionSetNode[],
    Map<GraphQLObjectType, readonly FieldPlan[]>
  >();

  constructor(
    private readonly scope: OperationScope,
    private readonly index: DirectiveIndex,
  ) {}

  /** An object value: its fields' costs, for its `__typename`, else the most expensive possible type. */
  object(
    possible: readonly GraphQLObjectType[],
    value: Record<string, unknown>,
    sets: readonly SelectionSetNode[],
    root = false,
  ): number {
    let candidates = possible;
    if (possible.length > 1 && typeof value.__typename === 'string') {
      const named = possible.find((t) => t.name === value.__typename);
      if (named) candidates = [named];
    }
    let max = 0;
    for (const object of candidates) {
      let cost = 0;
      for (const field of this.plan(object, sets, root)) {
        if (!Object.hasOwn(value, field.key)) continue;
        // why: a field answered null (or an empty list) was still asked of the subgraph: its weight
        // is paid, or queries for what does not exist would cost nothing.
        cost +=
          Math.max(field.weight, this.value(field, value[field.key], field.lists)) + field.args;
      }
      max = Math.max(max, cost);
    }
    return max;
  }

  private plan(
    object: GraphQLObjectType,
    sets: readonly SelectionSetNode[],
    root: boolean,
  ): readonly FieldPlan[] {
    let byType = this.plans.get(sets);
    if (!byType)
      this.plans.set(sets, (byType = new Map<GraphQLObjectType, readonly FieldPlan[]>()));
    let plan = byType.get(object);
    if (plan) return plan;
    const mutation = root && this.scope.operation.operation === OperationTypeNode.MUTATION;
    const fields: FieldPlan[] = [];
    for (const [key, nodes] of collectFields(this.scope, object, sets)) {
      const node = nodes[0]!;
      const definition = fieldDefinition(this.scope.schema, object, node.name.value);
      if (!definition || isIntrospection(definition)) continue;
      let lists = 0;
      let type: GraphQLOutputType = getNullableType(definition.type);
      while (isListType(type)) {
        lists += 1;
        type = getNullableType(type.ofType);
      }
      fields.push({
        key,
        lists,
        possible: isCompositeType(type) ? possibleTypes(this.scope.schema, type) : undefined,
        weight: fieldWeight(this.index, object, definition, mutation),
        args: argumentsCost(this.index, object, definition, node, this.scope.variables),
        sets: subSelections(nodes),
      });
    }
    byType.set(object, (plan = fields));
    return plan;
  }

  /** A value of the field, `lists` list levels above its named type. */
  private value(field: FieldPlan, value: unknown, lists: number): number {
    if (value === null || value === undefined) return 0;
    if (lists > 0) {
      if (!Array.isArray(value)) return 0;
      let cost = 0;
      for (const item of value) cost += this.value(field, item, lists - 1);
      return cost;
    }
    if (field.possible && typeof value === 'object' && !Array.isArray(value))
      return (
        field.weight + this.object(field.possible, value as Record<string, unknown>, field.sets)
      );
    return field.weight;
  }
}
