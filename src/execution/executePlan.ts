import { ERRORS, errorCodeDef } from '@apollo/federation-internals';
import type {
  GraphQLDataSource,
  GraphQLDataSourceProcessOptions,
  executeQueryPlan,
} from '@apollo/gateway';
import type {
  FetchDataRewrite,
  FetchNode,
  PlanNode,
  QueryPlanSelectionNode,
  ResponsePath,
} from '@apollo/query-planner';
import type { GatewayExecutionResult } from '@apollo/server-gateway-interface';
import {
  GraphQLError,
  Kind,
  executeSync,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  valueFromASTUntyped,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { withSpan } from '../observability/tracing.js';
import { compileShape, hasOwn, shapeResponse, shown, type CompiledShape } from './shape.js';

/**
 * Execution of a query plan from `@apollo/gateway`'s planner: the fetches in the plan's order
 * (sequences in turn, parallel nodes at once), each answer merged into one tree, then the tree
 * shaped into the client's response by a shaper compiled once per operation. The rules are
 * `@apollo/gateway`'s own (`executeQueryPlan`), errors and their paths included; what differs is
 * the work per request: no operation model rebuilt from the document, no usage-reporting trace
 * nodes, and the response walk runs over precompiled steps.
 */

type ExecuteQueryPlan = typeof executeQueryPlan;
type Parameters7 = Parameters<ExecuteQueryPlan>;
export type ServiceMap = Parameters7[1];
type RequestContext = Parameters7[2];
type OperationContext = Parameters7[3];

type Data = Record<string, unknown>;

interface Cursor {
  readonly path: ResponsePath;
  readonly data: unknown;
  readonly fullResult: Data;
}

interface Execution {
  readonly serviceMap: ServiceMap;
  readonly requestContext: RequestContext;
  readonly operation: OperationDefinitionNode;
  readonly supergraphSchema: GraphQLSchema;
  readonly errors: GraphQLError[];
  /** Where errors were recorded (`@` = any list index): shaping errors there are not repeated. */
  readonly failed: (readonly (string | number)[])[];
  /** Entities a subgraph answered `null` for: their missing fields are null, not unreachable. */
  readonly answeredNull: WeakSet<object>;
}

const shapes = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, CompiledShape>>();

/** The compiled shaper of an operation over its API schema, built on first use. */
export function shapeOf(operationContext: OperationContext): CompiledShape {
  let bySchema = shapes.get(operationContext.schema);
  if (!bySchema) {
    bySchema = new WeakMap();
    shapes.set(operationContext.schema, bySchema);
  }
  let shape = bySchema.get(operationContext.operation);
  if (!shape) {
    shape = compileShape(
      operationContext.schema,
      operationContext.operation,
      operationContext.fragments,
    );
    bySchema.set(operationContext.operation, shape);
  }
  return shape;
}

/** Whether this executor runs the plan; otherwise (subscriptions, @defer, usage traces) Apollo's. */
export function canExecute(queryPlan: Parameters7[0], requestContext: RequestContext): boolean {
  if (requestContext.metrics?.captureTraces) return false;
  const node = queryPlan.node;
  if (!node) return true;
  let plain = plainPlans.get(node);
  if (plain === undefined) {
    plain = plainPlan(node);
    plainPlans.set(node, plain);
  }
  return plain;
}

/** Per plan (plans are cached and reused): whether it holds only nodes this executor runs. */
const plainPlans = new WeakMap<object, boolean>();

function plainPlan(node: PlanNode | { kind: string }): boolean {
  const plan = node as PlanNode;
  switch (plan.kind) {
    case 'Fetch':
      return !plan.hasDefers;
    case 'Sequence':
    case 'Parallel':
      return plan.nodes.every(plainPlan);
    case 'Flatten':
      return plainPlan(plan.node);
    case 'Condition':
      return (
        (!plan.ifClause || plainPlan(plan.ifClause)) &&
        (!plan.elseClause || plainPlan(plan.elseClause))
      );
    default:
      return false;
  }
}

/** Same signature and result as `@apollo/gateway`'s `executeQueryPlan`. */
export async function executePlan(
  queryPlan: Parameters7[0],
  serviceMap: ServiceMap,
  requestContext: RequestContext,
  operationContext: OperationContext,
  supergraphSchema: GraphQLSchema,
): Promise<GatewayExecutionResult> {
  const shape = shapeOf(operationContext);
  const execution: Execution = {
    serviceMap,
    requestContext,
    operation: operationContext.operation,
    supergraphSchema,
    errors: [],
    failed: [],
    answeredNull: new WeakSet(),
  };
  const data: Data = {};
  if (queryPlan.node) {
    await withSpan('gateway.execute', () =>
      executeNode(execution, queryPlan.node as PlanNode, { path: [], data, fullResult: data }),
    );
  }
  const errors = execution.errors;
  const variables = requestContext.request.variables;
  try {
    const shaped = shapeResponse(
      shape,
      data,
      variables,
      (field) => introspect(operationContext, field, variables),
      { strict: { answeredNull: execution.answeredNull } },
    );
    // why not `extensions.valueCompletion` (where `@apollo/gateway` puts them): a null in a
    // non-null position, or a field no fetch answered, is a field error with its path (GraphQL
    // spec, "Handling Field Errors"); only where a subgraph's error already explains the path
    // is it not repeated.
    const completion = shaped.errors.filter(
      (error) => !execution.failed.some((path) => related(path, error.path ?? [])),
    );
    const all = completion.length === 0 ? errors : [...errors, ...completion];
    return all.length === 0 ? { data: shaped.data } : { errors: all, data: shaped.data };
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [error] };
    const message =
      error instanceof Error ? error.message : 'Unexpected error during query plan execution';
    return {
      errors: [
        new GraphQLError(message, error instanceof Error ? { originalError: error } : undefined),
      ],
    };
  }
}

/** Whether one path lies on the other (`@` in `failed` stands for any list index). */
function related(
  failed: readonly (string | number)[],
  path: readonly (string | number)[],
): boolean {
  const length = Math.min(failed.length, path.length);
  for (let i = 0; i < length; i++)
    if (failed[i] !== path[i] && !(failed[i] === '@' && typeof path[i] === 'number')) return false;
  return true;
}

function introspect(
  operationContext: OperationContext,
  field: FieldNode,
  variables: Readonly<Record<string, unknown>> | undefined,
): unknown {
  const { data, errors } = executeSync({
    schema: operationContext.schema,
    document: {
      kind: Kind.DOCUMENT,
      definitions: [
        {
          ...operationContext.operation,
          name: undefined,
          directives: [],
          selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
        },
        ...Object.values(operationContext.fragments),
      ],
    },
    rootValue: {},
    variableValues: variables,
  });
  if (errors?.length || !data)
    throw new Error(`Introspection query for ${field.name.value} should not have failed`);
  return data[field.alias?.value ?? field.name.value];
}

async function executeNode(
  execution: Execution,
  node: PlanNode,
  cursor: Cursor | undefined,
): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(execution, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(execution, child, cursor)));
      return;
    case 'Flatten':
      return executeNode(execution, node.node, moveIntoCursor(cursor, node.path));
    case 'Fetch':
      try {
        await withSpan('gateway.fetch', () => executeFetch(execution, node, cursor), {
          service: node.serviceName,
        });
      } catch (error) {
        // kept as thrown, like @apollo/gateway: Apollo Server formats it with the other errors
        execution.errors.push(error as GraphQLError);
        execution.failed.push(cursor.path);
      }
      return;
    case 'Condition': {
      const branch = evaluateCondition(execution, node.condition) ? node.ifClause : node.elseClause;
      if (branch) await executeNode(execution, branch, cursor);
      return;
    }
    default:
      throw new Error(`Unsupported plan node ${node.kind}`);
  }
}

function evaluateCondition(execution: Execution, name: string): boolean {
  const given = execution.requestContext.request.variables;
  let value: unknown = given && hasOwn(given, name) ? given[name] : undefined;
  if (value === undefined) {
    const definition = execution.operation.variableDefinitions?.find(
      (d) => d.variable.name.value === name,
    );
    value = definition?.defaultValue ? valueFromASTUntyped(definition.defaultValue) : undefined;
  }
  if (value === undefined)
    throw new Error(`Missing value for variable $${name} (and no default found)`);
  if (typeof value !== 'boolean')
    throw new Error(`Invalid non-boolean value ${shown(value)} for Boolean! variable $${name}`);
  return value;
}

async function executeFetch(execution: Execution, fetch: FetchNode, cursor: Cursor): Promise<void> {
  const service = execution.serviceMap[fetch.serviceName] as GraphQLDataSource | undefined;
  if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
  const entities: Data[] = Array.isArray(cursor.data)
    ? (cursor.data as unknown[]).filter((e): e is Data => e !== null && e !== undefined)
    : [cursor.data as Data];
  if (entities.length < 1) return;

  // why no prototype: a variable named `__proto__` is data like any other name.
  const variables = Object.create(null) as Data;
  const given = execution.requestContext.request.variables;
  if (fetch.variableUsages && given)
    for (const name of fetch.variableUsages)
      if (hasOwn(given, name) && given[name] !== undefined) variables[name] = given[name];

  if (!fetch.requires) {
    const received = await send(execution, service, fetch, cursor, variables);
    if (received) applyRewrites(execution.supergraphSchema, fetch.outputRewrites, received);
    for (const entity of entities) deepMerge(entity, received);
    return;
  }

  const representations: Data[] = [];
  const toEntity: number[] = [];
  entities.forEach((entity, index) => {
    const representation = selectRepresentation(
      execution.supergraphSchema,
      entity,
      fetch.requires!,
    );
    if (representation?.__typename) {
      applyRewrites(execution.supergraphSchema, fetch.inputRewrites, representation);
      representations.push(representation);
      toEntity.push(index);
    }
  });
  if (representations.length < 1) return;
  if ('representations' in variables)
    throw new Error(`Variables cannot contain key "representations"`);
  const received = await send(execution, service, fetch, cursor, { ...variables, representations });
  if (!received) return;
  const receivedEntities = received._entities;
  if (!Array.isArray(receivedEntities))
    throw new Error(`Expected "data._entities" in response to be an array`);
  if (receivedEntities.length !== representations.length)
    throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
  for (let i = 0; i < entities.length; i++) {
    const receivedEntity = receivedEntities[i] as Data | null | undefined;
    const existing = entities[toEntity[i]!];
    if (receivedEntity === null && existing) execution.answeredNull.add(existing);
    if (receivedEntity && !receivedEntity.__typename)
      receivedEntity.__typename = existing?.__typename;
    applyRewrites(execution.supergraphSchema, fetch.outputRewrites, receivedEntity);
    deepMerge(existing, receivedEntity);
  }
}

async function send(
  execution: Execution,
  service: GraphQLDataSource,
  fetch: FetchNode,
  cursor: Cursor,
  variables: Data,
): Promise<Data | null | undefined> {
  const { requestContext } = execution;
  const response = await service.process({
    // GraphQLDataSourceRequestKind.INCOMING_OPERATION; the enum itself is not exported
    kind: 'incoming operation',
    request: { query: fetch.operation, variables, operationName: fetch.operationName },
    incomingRequestContext: requestContext,
    context: requestContext.context,
    document: fetch.operationDocumentNode,
    pathInIncomingRequest: cursor.path,
  } as unknown as GraphQLDataSourceProcessOptions);
  if (response.errors) {
    const errorPath = lazyErrorPath(fetch, cursor);
    for (const error of response.errors) {
      const downstream = downstreamError(error, fetch.serviceName, errorPath);
      execution.errors.push(downstream);
      execution.failed.push(downstream.path ?? cursor.path);
    }
    // an error that nulled the subgraph's whole answer explains every field the fetch was for
    if (response.data === null || response.data === undefined) execution.failed.push(cursor.path);
    if (!response.extensions?.ftv1) {
      const paths = response.errors.map((error) => ({
        subgraph: fetch.serviceName,
        path: error.path,
      }));
      const metrics = requestContext.metrics as { nonFtv1ErrorPaths?: unknown[] } | undefined;
      if (metrics) (metrics.nonFtv1ErrorPaths ??= []).push(...paths);
    }
  }
  return response.data as Data | null | undefined;
}

type ErrorPath = (
  path: readonly (string | number)[] | undefined,
) => (string | number)[] | undefined;

/** Maps a subgraph error path (`_entities.3.name`) back to the path in the client's response. */
function lazyErrorPath(fetch: FetchNode, cursor: Cursor): ErrorPath {
  let hydrated: ResponsePath[] | undefined;
  return (errorPath) => {
    if (fetch.requires && typeof errorPath?.[1] === 'number') {
      if (!hydrated) {
        hydrated = [];
        hydratePaths([], cursor.path, cursor.fullResult, hydrated);
      }
      return [...(hydrated[errorPath[1]] ?? []), ...errorPath.slice(2)];
    }
    return errorPath ? [...cursor.path, ...errorPath] : undefined;
  };
}

function hydratePaths(
  parent: ResponsePath,
  path: ResponsePath,
  data: unknown,
  result: ResponsePath[],
): void {
  if (data === null || data === undefined) return;
  const head = path[0];
  if (head === undefined) {
    result.push(parent.slice());
  } else if (head === '@') {
    if (!Array.isArray(data)) throw new Error('expected array when encountering `@`');
    data.forEach((value, i) => {
      parent.push(i);
      hydratePaths(parent, path.slice(1), value, result);
      parent.pop();
    });
  } else if (typeof head === 'string') {
    if (Array.isArray(data)) {
      data.forEach((value, i) => {
        parent.push(i);
        hydratePaths(parent, path, value, result);
        parent.pop();
      });
    } else if (hasOwn(data, head)) {
      parent.push(head);
      hydratePaths(parent, path.slice(1), (data as Data)[head], result);
      parent.pop();
    }
  } else {
    throw new Error(`unknown path part "${String(head)}"`);
  }
}

function downstreamError(
  original:
    GraphQLError | { message: string; path?: readonly (string | number)[]; extensions?: Data },
  serviceName: string,
  errorPath: ErrorPath,
): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const options = {
    originalError: original as Error,
    path: errorPath(original.path),
    extensions: { ...original.extensions, serviceName },
  };
  const code = errorCodeDef(original);
  if (!code && original.extensions?.code) return new GraphQLError(message, options);
  return (code ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

function moveIntoCursor(cursor: Cursor, path: ResponsePath): Cursor | undefined {
  const data = flattenAtPath(cursor.data, path, 0);
  return data ? { path: cursor.path.concat(path), data, fullResult: cursor.fullResult } : undefined;
}

function flattenAtPath(value: unknown, path: ResponsePath, from: number): unknown {
  if (from === path.length || value === undefined || value === null) return value;
  const current = path[from];
  if (current === '@') return (value as unknown[]).flatMap((e) => flattenAtPath(e, path, from + 1));
  if (typeof current !== 'string') throw new Error(`Unexpected ${typeof current} found in path`);
  if (Array.isArray(value))
    throw new Error(`Unexpected array in result for path element ${current}`);
  return flattenAtPath(getOwn(value as Data, current), path, from + 1);
}

/** The entity's representation: the `requires` selection of its data, or null if incomplete. */
function selectRepresentation(
  schema: GraphQLSchema,
  source: unknown,
  selections: readonly QueryPlanSelectionNode[],
): Data | null {
  if (source === null) return null;
  const object = source as Data;
  const result: Data = {};
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const name = selection.alias ?? selection.name;
      const value = getOwn(object, name);
      if (value === undefined) return null;
      const sub = selection.selections;
      if (Array.isArray(value))
        result[name] = value.map((v: unknown) => (sub ? selectRepresentation(schema, v, sub) : v));
      else result[name] = sub ? selectRepresentation(schema, value, sub) : value;
    } else if (selection.typeCondition && isObjectOfType(schema, object, selection.typeCondition)) {
      deepMerge(result, selectRepresentation(schema, object, selection.selections));
    }
  }
  return result;
}

function isObjectOfType(
  schema: GraphQLSchema,
  object: Data,
  condition: string,
  unknown = false,
): boolean {
  const typename = object.__typename;
  if (!typename || typeof typename !== 'string') return unknown;
  if (typename === condition) return true;
  const type = schema.getType(typename);
  const conditional = schema.getType(condition);
  if (!type || !conditional || !isAbstractType(conditional)) return false;
  return (isObjectType(type) || isInterfaceType(type)) && schema.isSubType(conditional, type);
}

const FRAGMENT_PREFIX = '... on ';

function applyRewrites(
  schema: GraphQLSchema,
  rewrites: readonly FetchDataRewrite[] | undefined,
  value: unknown,
): void {
  if (!rewrites) return;
  for (const rewrite of rewrites) {
    if (rewrite.path.length === 0) continue;
    const parent = rewrite.path.slice(0, -1);
    const last = rewrite.path[rewrite.path.length - 1]!;
    if (last.startsWith(FRAGMENT_PREFIX))
      throw new Error(`Unexpected fragment as last element of ${String(rewrite.path)}`);
    applyAtPath(schema, parent, 0, value, (object) => {
      if (rewrite.kind === 'ValueSetter') {
        defineOwn(object, last);
        object[last] = rewrite.setValueTo;
      } else {
        const renamed = getOwn(object, last);
        if (renamed) {
          defineOwn(object, rewrite.renameKeyTo);
          object[rewrite.renameKeyTo] = renamed;
          object[last] = undefined;
        }
      }
    });
  }
}

function applyAtPath(
  schema: GraphQLSchema,
  path: readonly string[],
  from: number,
  value: unknown,
  fn: (object: Data) => void,
): void {
  if (Array.isArray(value)) {
    for (const element of value) applyAtPath(schema, path, from, element, fn);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Data;
  if (from === path.length) {
    fn(object);
    return;
  }
  const element = path[from]!;
  if (element.startsWith(FRAGMENT_PREFIX)) {
    if (isObjectOfType(schema, object, element.slice(FRAGMENT_PREFIX.length), true))
      applyAtPath(schema, path, from + 1, object, fn);
  } else {
    applyAtPath(schema, path, from + 1, getOwn(object, element), fn);
  }
}

const getOwn = (object: Data, key: string): unknown =>
  hasOwn(object, key) ? object[key] : undefined;

/** Makes `key` an own property before it is written, so `__proto__` and friends stay data. */
function defineOwn(object: Data, key: string): void {
  if (!hasOwn(object, key) && key in object)
    Object.defineProperty(object, key, {
      configurable: true,
      enumerable: true,
      value: undefined,
      writable: true,
    });
}

const isObject = (value: unknown): value is Data =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Merges a fetch's answer into the entity it completes (objects deep, same-length lists by index). */
function deepMerge(target: Data | undefined, source: unknown): void {
  if (source === null || source === undefined || target === undefined) return;
  const from = source as Data;
  for (const key of Object.keys(from)) {
    const value = from[key];
    if (value === undefined) continue;
    defineOwn(target, key);
    const existing = target[key];
    if (existing && isObject(value)) {
      deepMerge(existing as Data, value);
    } else if (
      Array.isArray(value) &&
      Array.isArray(existing) &&
      value.length === existing.length
    ) {
      for (let i = 0; i < value.length; i++) {
        if (isObject(existing[i]) && isObject(value[i])) deepMerge(existing[i] as Data, value[i]);
        else existing[i] = value[i] as unknown;
      }
    } else {
      target[key] = value;
    }
  }
}
