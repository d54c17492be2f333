import { createHash } from 'node:crypto';
import { operationFromDocument } from '@apollo/federation-internals';
import { buildOperationContext, executeQueryPlan } from '@apollo/gateway';
import { prettyFormatQueryPlan, type QueryPlan, type QueryPlanCache } from '@apollo/query-planner';
import type {
  GatewayExecutionResult,
  GatewayExecutor,
  GatewayGraphQLRequestContext,
} from '@apollo/server-gateway-interface';
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getVariableValues,
  type DocumentNode,
} from 'graphql';
import type { Admission, ExecutionOutcome } from '../admission.js';
import type { GatewayContext } from '../context.js';
import { ErrorCode, GatewayError } from '../errors.js';
import { canExecute, executePlan, shapeOf } from '../execution/executePlan.js';
import {
  ARGUMENT_ALIAS_PREFIX,
  clientResponseName,
  refusedField,
  requiresConflictError,
} from '../execution/reservedAlias.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { withSpan } from '../observability/tracing.js';
import type { LoadedSupergraph } from './federation.js';

type OperationContext = ReturnType<typeof buildOperationContext>;

export interface ExecutorOptions {
  /** The supergraph now serving. */
  readonly loaded: () => LoadedSupergraph | undefined;
  /** Plans by the admitted document's hash (and operation name); emptied on each reload. */
  readonly plans: QueryPlanCache;
  readonly metrics: GatewayMetrics;
  /** The document admission decided, and its after-execution steps. */
  readonly admission?: Admission | undefined;
  /** `PLAN_EXECUTION=compiled`; otherwise `@apollo/gateway`'s exported `executeQueryPlan` runs. */
  readonly compiled: boolean;
}

/**
 * The executor Apollo Server calls once per operation, after validation and admission: it builds
 * the operation of the document admission decided (authorization-filtered, aliased), checks its
 * variables, plans it with `QueryPlanner` (cached under that document's hash), runs the plan, and
 * hands the result to admission's after-execution steps. Apollo's request context is read, never
 * rewritten. `@defer`, `@stream` and subscriptions are refused with `OPERATION_NOT_SUPPORTED`.
 */
export function createExecutor(options: ExecutorOptions): GatewayExecutor {
  const { plans, metrics } = options;

  const planOf = async (
    loaded: LoadedSupergraph,
    document: DocumentNode,
    documentHash: string,
    operationName: string | undefined,
  ): Promise<QueryPlan> => {
    // why: the key `@apollo/gateway` uses, so a persisted operation's warm-up (with and without
    // its name) stores the plan under the key its requests look up
    const key = operationName
      ? createHash('sha256').update(documentHash).update(operationName).digest('hex')
      : documentHash;
    const cached = await plans.get(key);
    if (cached) return cached;
    const plan = await withSpan(
      'gateway.plan',
      () => {
        const operation = operationFromDocument(loaded.apiSchema, document, { operationName });
        return loaded.planner.buildQueryPlan(operation);
      },
      operationName ? { 'graphql.operation.name': operationName } : undefined,
    );
    await plans.set(key, plan);
    return plan;
  };

  const run = async (
    loaded: LoadedSupergraph,
    plan: QueryPlan,
    requestContext: GatewayGraphQLRequestContext,
    operationContext: OperationContext,
    aliased: boolean,
  ): Promise<GatewayExecutionResult> => {
    if (options.compiled && canExecute(plan, requestContext)) {
      metrics.planExecutions.inc({ executor: 'compiled' });
      return executePlan(
        plan,
        loaded.serviceMap,
        requestContext,
        operationContext,
        loaded.supergraphSchema,
      );
    }
    // Usage-reporting traces (or `PLAN_EXECUTION=apollo`): `@apollo/gateway`'s own executor.
    metrics.planExecutions.inc({ executor: 'apollo' });
    const result = await executeQueryPlan(
      plan,
      loaded.serviceMap,
      requestContext,
      operationContext,
      loaded.supergraphSchema,
      loaded.apiSchema,
    );
    return aliased ? restoreClientNames(result) : result;
  };

  return (requestContext) =>
    withSpan('gateway.request', async () => {
      const loaded = options.loaded();
      if (!loaded) throw new GatewayError(ErrorCode.SERVICE_UNAVAILABLE, 'No supergraph loaded.');
      const context = requestContext.context as GatewayContext;
      const admitted = options.admission?.get(context);
      const document = admitted?.document ?? requestContext.document;
      const operationName = requestContext.request.operationName;
      const operationContext = buildOperationContext({
        schema: loaded.schema,
        operationDocument: document,
        operationName,
      });
      refuseUnsupported(operationContext);
      const variables = operationContext.operation.variableDefinitions;
      if (variables?.length) {
        const { errors } = getVariableValues(
          operationContext.schema,
          variables,
          requestContext.request.variables ?? {},
        );
        if (errors) return { errors };
      }
      const plan = await planOf(
        loaded,
        document,
        admitted?.documentHash ?? requestContext.queryHash,
        operationName,
      );
      // A warm-up only plans (and compiles the response shaper): nothing is fetched or counted.
      if (context.warmup) {
        if (options.compiled) shapeOf(operationContext);
        return { data: null };
      }
      const aliased = document !== requestContext.document;
      const result = await run(loaded, plan, requestContext, operationContext, aliased);
      await options.admission?.complete(context, result as ExecutionOutcome);
      if (context.exposeQueryPlan)
        context.state.queryPlan = { text: prettyFormatQueryPlan(plan), object: plan.node ?? null };
      return result;
    });
}

const UNSUPPORTED_DIRECTIVES = new Set(['defer', 'stream']);

/** 400 `OPERATION_NOT_SUPPORTED` for a subscription, or an operation using `@defer` or `@stream`. */
function refuseUnsupported(operationContext: OperationContext): void {
  const { operation, fragments } = operationContext;
  if (operation.operation === OperationTypeNode.SUBSCRIPTION)
    throw new GatewayError(
      ErrorCode.OPERATION_NOT_SUPPORTED,
      'Subscriptions are not supported by this gateway.',
      { status: 400 },
    );
  const directive = [operation, ...Object.values(fragments)]
    .map((definition) => findDirective(definition.selectionSet))
    .find((name) => name !== undefined);
  if (directive)
    throw new GatewayError(
      ErrorCode.OPERATION_NOT_SUPPORTED,
      `@${directive} is not supported by this gateway.`,
      { status: 400 },
    );
}

type SelectionSet = OperationContext['operation']['selectionSet'];

function findDirective(selectionSet: SelectionSet): string | undefined {
  for (const selection of selectionSet.selections) {
    const found = selection.directives?.find((d) => UNSUPPORTED_DIRECTIVES.has(d.name.value));
    if (found) return found.name.value;
    if (selection.kind !== Kind.FRAGMENT_SPREAD && selection.selectionSet) {
      const below = findDirective(selection.selectionSet);
      if (below) return below;
    }
  }
  return undefined;
}

/**
 * `@apollo/gateway`'s executor answers a field under the alias it was planned with: the reserved
 * `gwArg_` aliases of `requiresAliases.ts` (never a client's: admission refuses the prefix) become
 * the client's response names again, in data and in error paths, as the compiled shaper does.
 */
function restoreClientNames(result: GatewayExecutionResult): GatewayExecutionResult {
  const restored: GatewayExecutionResult = { ...result };
  const refused: GraphQLError[] = [];
  if (result.data) restored.data = renamed(result.data, [], refused) as Record<string, unknown>;
  if (result.errors || refused.length)
    restored.errors = (result.errors ?? [])
      .map((error) =>
        error.path?.some((key) => typeof key === 'string' && key.startsWith(ARGUMENT_ALIAS_PREFIX))
          ? new GraphQLError(error.message, {
              nodes: error.nodes,
              source: error.source,
              positions: error.positions,
              path: error.path.map((key) =>
                typeof key === 'string' ? clientResponseName(key) : key,
              ),
              originalError: error.originalError,
              extensions: error.extensions,
            })
          : error,
      )
      .concat(refused);
  return restored;
}

function renamed(value: unknown, path: (string | number)[], refused: GraphQLError[]): unknown {
  if (Array.isArray(value)) return value.map((item, i) => renamed(item, [...path, i], refused));
  if (value === null || typeof value !== 'object') return value;
  // why no prototype: response names are data (a field aliased `__proto__` is a key like any other)
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, inner] of Object.entries(value)) {
    // a field refused before planning (`requiresConflicts.ts`): null and its error at its path,
    // as the compiled shaper answers it (without its null propagation to a non-null parent)
    const conflict = refusedField(key);
    if (conflict) {
      out[conflict.responseName] = null;
      refused.push(requiresConflictError(conflict.fieldName, [...path, conflict.responseName]));
      continue;
    }
    const name = clientResponseName(key);
    out[name] = renamed(inner, [...path, name], refused);
  }
  return out;
}
