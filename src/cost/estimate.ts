import {
  getNamedType,
  isCompositeType,
  OperationTypeNode,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { DirectiveIndex, ListSizeHint } from '../supergraph/directiveIndex.js';
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
import { introspectionFieldCost } from './introspection.js';
import { argumentsCost, fieldWeight, listSizeHint, returnsList } from './weights.js';

export interface EstimateCostInput {
  readonly document: DocumentNode;
  readonly operationName?: string;
  readonly variables?: Record<string, unknown>;
  /** The API schema (it has lost the directives: they come from `index`). */
  readonly schema: GraphQLSchema;
  readonly index: DirectiveIndex;
  /** Size of a list where no `@listSize` or slicing argument says. */
  readonly defaultListSize: number;
}

export type CostEstimate =
  | {
      ok: true;
      cost: number;
      /** The part of `cost` for `__schema`/`__type`: worked by the gateway, never refunded. */
      introspection: number;
    }
  | {
      ok: false;
      code: 'REQUIRE_ONE_SLICING_ARGUMENT' | 'NEGATIVE_SLICING_ARGUMENT' | 'UNKNOWN_OPERATION';
      message: string;
      path?: string[];
    };

class SlicingArgumentError extends Error {
  constructor(
    message: string,
    readonly path: string[],
    readonly code: 'REQUIRE_ONE_SLICING_ARGUMENT' | 'NEGATIVE_SLICING_ARGUMENT',
  ) {
    super(message);
  }
}

/**
 * The operation's estimated cost by the IBM GraphQL cost spec
 * (https://ibm.github.io/graphql-specs/cost-spec.html): per field, list size × (weight + cost of
 * the sub-selection) + cost of the arguments. Pure; run by the cost admission step on the document
 * left after authorization, and by the schema check on the repository's operations.
 */
export function estimateCost(input: EstimateCostInput): CostEstimate {
  const scope = operationScope(input.schema, input.document, input.operationName, input.variables);
  const root = scope && rootType(scope);
  if (!scope || !root) {
    return {
      ok: false,
      code: 'UNKNOWN_OPERATION',
      message: input.operationName
        ? `Operation "${input.operationName}" is not in the document.`
        : 'The document must contain exactly one operation, or an operation name must be given.',
    };
  }
  const walker = new Estimator(scope, input.index, input.defaultListSize);
  try {
    const cost = walker.selections(root, [scope.operation.selectionSet], undefined, []);
    return {
      ok: true,
      cost: Math.min(Math.ceil(cost), Number.MAX_SAFE_INTEGER),
      introspection: Math.min(Math.ceil(walker.introspection), Number.MAX_SAFE_INTEGER),
    };
  } catch (error) {
    if (!(error instanceof SlicingArgumentError)) throw error;
    return {
      ok: false,
      code: error.code,
      message: error.message,
      path: error.path,
    };
  }
}

/**
 * The estimate's walk, also used on a subgraph fetch's selection (`selections` on a type) to cost
 * what a fetch was asked for.
 */
export class Estimator {
  private readonly mutation: boolean;
  /** What the `__schema`/`__type` selections walked so far cost. */
  introspection = 0;

  constructor(
    private readonly scope: OperationScope,
    private readonly index: DirectiveIndex,
    private readonly defaultListSize: number,
  ) {
    this.mutation = scope.operation.operation === OperationTypeNode.MUTATION;
  }

  /** A selection set on a composite type: the most expensive of its possible object types. */
  selections(
    type: GraphQLCompositeType,
    sets: readonly SelectionSetNode[],
    sized: { hint: ListSizeHint; size: number | undefined } | undefined,
    path: string[],
  ): number {
    let max = 0;
    for (const object of possibleTypes(this.scope.schema, type)) {
      let cost = 0;
      for (const [key, nodes] of collectFields(this.scope, object, sets)) {
        const upstream = sized?.hint.sizedFields.includes(nodes[0]!.name.value)
          ? sized.size
          : undefined;
        cost += this.field(object, nodes, upstream, [...path, key]);
      }
      max = Math.max(max, cost);
    }
    return max;
  }

  private field(
    parent: GraphQLObjectType,
    nodes: readonly FieldNode[],
    upstreamSize: number | undefined,
    path: string[],
  ): number {
    const node = nodes[0]!;
    const definition = fieldDefinition(this.scope.schema, parent, node.name.value);
    if (!definition) return 0;
    if (isIntrospection(definition)) {
      const cost = introspectionFieldCost(
        this.scope,
        definition.name as '__schema' | '__type',
        nodes,
      );
      this.introspection += cost;
      return cost;
    }
    const mutationRoot = this.mutation && path.length === 1;
    const weight = fieldWeight(this.index, parent, definition, mutationRoot);
    const hint = listSizeHint(this.index, parent, definition.name);
    const sliced = hint && this.slicedSize(hint, definition, node, path);
    const size = returnsList(definition)
      ? (upstreamSize ?? sliced ?? hint?.assumedSize ?? this.defaultListSize)
      : 1;
    const named = getNamedType(definition.type);
    const children = isCompositeType(named)
      ? this.selections(
          named,
          subSelections(nodes),
          hint && { hint, size: sliced ?? hint.assumedSize },
          path,
        )
      : 0;
    const args = argumentsCost(this.index, parent, definition, node, this.scope.variables);
    // why: `first: 0` still calls the field (and, nested, fetches its parents' entities): an empty
    // list costs its weight, never nothing.
    return (size === 0 ? weight : size * (weight + children)) + args;
  }

  /**
   * The largest slicing argument given (literal, variable, or the argument's default in the
   * schema); enforces `requireOneSlicingArgument`.
   */
  private slicedSize(
    hint: ListSizeHint,
    definition: GraphQLField<unknown, unknown>,
    node: FieldNode,
    path: string[],
  ): number | undefined {
    if (hint.slicingArguments.length === 0) return undefined;
    const values = new Map<string, number>();
    for (const slicing of hint.slicingArguments) {
      const [name, ...inner] = slicing.split('.');
      const argument = node.arguments?.find((a) => a.name.value === name);
      let value: unknown = argument
        ? valueFromASTUntyped(argument.value, this.scope.variables)
        : undefined;
      // An omitted argument (or an unset variable without default) takes the schema's default.
      if (value === undefined) {
        const ast = definition.args.find((a) => a.name === name)?.astNode?.defaultValue;
        const fallback = definition.args.find((a) => a.name === name)?.defaultValue;
        value = fallback ?? (ast ? valueFromASTUntyped(ast) : undefined);
      }
      for (const key of inner)
        value =
          value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      if (typeof value === 'number' && value < 0)
        throw new SlicingArgumentError(
          `Field "${definition.name}": slicing argument "${slicing}" must not be negative, got ${value}.`,
          path,
          'NEGATIVE_SLICING_ARGUMENT',
        );
      if (typeof value === 'number' && Number.isFinite(value))
        values.set(slicing, Math.ceil(value));
    }
    if (hint.requireOneSlicingArgument && values.size !== 1) {
      throw new SlicingArgumentError(
        `Field "${definition.name}" needs exactly one of its slicing arguments (${hint.slicingArguments.join(', ')}); found ${values.size}.`,
        path,
        'REQUIRE_ONE_SLICING_ARGUMENT',
      );
    }
    return values.size ? Math.max(...values.values()) : undefined;
  }
}
