import {
  getNullableType,
  isCompositeType,
  isListType,
  OperationTypeNode,
  type DocumentNode,
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
import { argumentsCost, fieldWeight } from './weights.js';

export interface ActualCostInput {
  readonly document: DocumentNode;
  readonly operationName?: string;
  readonly variables?: Record<string, unknown>;
  readonly schema: GraphQLSchema;
  readonly index: DirectiveIndex;
  /** The response's `data`. */
  readonly data: Record<string, unknown> | null | undefined;
}

/**
 * The cost of what the operation actually fetched: the estimate's formula over the real list sizes
 * in the response (a list costs the sum of its items, a null nothing except at the root, a missing
 * key was never fetched). Pure; run by the cost step after execution, so the unused part of the
 * estimate can be given back to the caller's budget.
 */
export function actualCost(input: ActualCostInput): number {
  const scope = operationScope(input.schema, input.document, input.operationName, input.variables);
  const root = scope && rootType(scope);
  if (!scope || !root || !input.data) return 0;
  const walker = new ActualWalker(scope, input.index);
  return Math.min(
    walker.object([root], input.data, [scope.operation.selectionSet], true),
    Number.MAX_SAFE_INTEGER,
  );
}

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
  readonly root: boolean;
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
        const fieldValue = value[field.key];
        // why: a root field was asked of a subgraph (a mutation ran) even when it answered null, so
        // its weight is always paid; otherwise queries for what does not exist would cost nothing.
        if (fieldValue === null && field.root) cost += field.weight + field.args;
        else cost += this.value(field, fieldValue, field.lists) + field.args;
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
        root,
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
