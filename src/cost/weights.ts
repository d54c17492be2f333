import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isInputObjectType,
  isListType,
  valueFromASTUntyped,
  type FieldNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import type { DirectiveIndex, ListSizeHint } from '../supergraph/directiveIndex.js';

/**
 * Default weights of the IBM GraphQL cost spec (https://ibm.github.io/graphql-specs/cost-spec.html)
 * as docs/architecture.md fixes them; `@cost(weight:)` overrides each.
 */
export const DEFAULT_WEIGHT = {
  /** A field returning an object, interface or union. */
  composite: 1,
  /** A field returning a scalar or an enum. */
  leaf: 0,
  /** A root field of a mutation, in place of its type's weight. */
  mutationField: 10,
  /** An input object given as an argument value (as Apollo Router's demand control counts it). */
  inputObject: 1,
} as const;

/** Input values nested deeper than this are not walked (a client controls their shape). */
const MAX_INPUT_DEPTH = 32;

/** Looks up a field coordinate on the type, then on the interfaces it implements. */
function byField<T>(
  map: ReadonlyMap<string, T>,
  parent: GraphQLObjectType,
  field: string,
): T | undefined {
  const own = map.get(`${parent.name}.${field}`);
  if (own !== undefined) return own;
  for (const i of parent.getInterfaces()) {
    const inherited = map.get(`${i.name}.${field}`);
    if (inherited !== undefined) return inherited;
  }
  return undefined;
}

/** The weight of one instance of a field's value: field `@cost`, mutation 10, type `@cost`, default. */
export function fieldWeight(
  index: DirectiveIndex,
  parent: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
  mutationRoot: boolean,
): number {
  const own = byField(index.cost, parent, field.name);
  if (own !== undefined) return own;
  if (mutationRoot) return DEFAULT_WEIGHT.mutationField;
  const named = getNamedType(field.type);
  return (
    index.cost.get(named.name) ??
    (isCompositeType(named) ? DEFAULT_WEIGHT.composite : DEFAULT_WEIGHT.leaf)
  );
}

/** The field's `@listSize`, declared on it or on the interface field it implements. */
export function listSizeHint(
  index: DirectiveIndex,
  parent: GraphQLObjectType,
  field: string,
): ListSizeHint | undefined {
  return byField(index.listSize, parent, field);
}

/** Whether the field returns a list (nullable or not). */
export function returnsList(field: GraphQLField<unknown, unknown>): boolean {
  return isListType(getNullableType(field.type));
}

/** The cost of the arguments a field is called with: `@cost` on arguments, input types and input fields. */
export function argumentsCost(
  index: DirectiveIndex,
  parent: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Readonly<Record<string, unknown>>,
): number {
  let cost = 0;
  for (const argument of node.arguments ?? []) {
    const definition = field.args.find((a) => a.name === argument.name.value);
    if (!definition) continue;
    const weight = byField(index.cost, parent, `${field.name}(${definition.name}:)`);
    const value: unknown = valueFromASTUntyped(argument.value, variables);
    cost += inputCost(index, value, definition.type, weight, 0);
  }
  return cost;
}

function inputCost(
  index: DirectiveIndex,
  value: unknown,
  type: GraphQLInputType,
  weight: number | undefined,
  depth: number,
): number {
  if (value === null || value === undefined || depth > MAX_INPUT_DEPTH) return 0;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const items = Array.isArray(value) ? value : [value];
    let cost = 0;
    for (const item of items) cost += inputCost(index, item, nullable.ofType, weight, depth + 1);
    return cost;
  }
  const named = getNamedType(type);
  if (!isInputObjectType(named) || typeof value !== 'object' || Array.isArray(value))
    return weight ?? index.cost.get(named.name) ?? 0;
  let cost = weight ?? index.cost.get(named.name) ?? DEFAULT_WEIGHT.inputObject;
  const fields = named.getFields();
  for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
    const definition = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!definition) continue;
    const fieldWeightOf = index.cost.get(`${named.name}.${name}`);
    cost += inputCost(index, inner, definition.type, fieldWeightOf, depth + 1);
  }
  return cost;
}
