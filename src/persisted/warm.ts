import type { ApolloServer } from '@apollo/server';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  parse,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import type { GatewayContext } from '../context.js';
import { createRequestState } from '../requestState.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { ManifestIndex } from './manifest.js';

export interface PlanWarmerOptions {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly manifest: () => ManifestIndex | undefined;
  /** The API schema now serving, for placeholder variable values. */
  readonly schema: () => GraphQLSchema | undefined;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
}

/**
 * Prepares every manifest operation before its first request: each body goes once through Apollo
 * Server's pipeline as a warm-up run, so its parsed and validated document lands in Apollo's
 * document store (keyed by the body's hash, as a request by id looks it up) and its query plan in
 * the plan cache (keyed as the executor looks it up, with and without its operation name). A
 * warm-up run is neither admitted nor sent to a subgraph (see `GatewayContext.warmup`).
 *
 * Plans are for callers who may see every field; a caller whose document authorization filters is
 * planned on first use, under the filtered document's own hash. Call `warm()` after start, after a
 * manifest reload and after a supergraph reload (which empties both stores); runs never overlap,
 * and a call during a run schedules one more.
 */
export function createPlanWarmer(options: PlanWarmerOptions): { warm(): Promise<void> } {
  const { apollo, log, metrics } = options;
  let running: Promise<void> | undefined;
  let again = false;

  const runOnce = async () => {
    const manifest = options.manifest();
    const schema = options.schema();
    if (!manifest || !schema) return;
    const started = performance.now();
    let warmed = 0;
    const failed: string[] = [];
    for (const operation of manifest.byId.values()) {
      const names = [undefined, operation.name];
      let ok = true;
      for (const operationName of names) {
        const response = await apollo.executeOperation(
          {
            query: operation.body,
            variables: placeholderVariables(schema, operation.body),
            ...(operationName ? { operationName } : {}),
          },
          { contextValue: warmupContext(log, operation.id) },
        );
        const errors =
          response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        // why: a warm-up's fetches all answer null, so errors at a path are expected; one without
        // a path (parse, validation, variables) means the operation was not planned.
        const refused = errors?.find((e) => !e.path);
        if (refused) {
          ok = false;
          failed.push(`${operation.name}: ${refused.message}`);
          break;
        }
      }
      if (ok) warmed += 1;
    }
    metrics.persistedWarmed.set(warmed);
    const took = Math.round(performance.now() - started);
    if (failed.length)
      log.warn(
        { warmed, failed },
        'persisted operations that no longer validate against the supergraph',
      );
    log.info({ warmed, ms: took }, 'persisted operations parsed, validated and planned');
  };

  const warm = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await runOnce();
        } catch (error) {
          log.warn({ err: (error as Error).message }, 'warming persisted operations failed');
        }
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  return { warm };
}

/**
 * Values for the operation's required variables without a default: the executor checks variables
 * before it plans, and a warm-up's fetches never leave the gateway, so any valid value will do.
 */
function placeholderVariables(schema: GraphQLSchema, body: string): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const definition of parse(body, { noLocation: true }).definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const variable of definition.variableDefinitions ?? []) {
      if (variable.defaultValue || variable.type.kind !== Kind.NON_NULL_TYPE) continue;
      const type = typeFromAST(schema, variable.type) as GraphQLInputType | undefined;
      if (type) variables[variable.variable.name.value] = placeholder(type, 0);
    }
  }
  return variables;
}

function placeholder(type: GraphQLInputType, depth: number): unknown {
  if (isNonNullType(type)) return placeholder(type.ofType, depth);
  if (isListType(type)) return [];
  const named = getNamedType(type);
  if (isEnumType(named)) return named.getValues()[0]?.value;
  if (isInputObjectType(named)) {
    if (depth > 8) return {};
    const value: Record<string, unknown> = {};
    for (const field of Object.values(named.getFields()))
      if (isNonNullType(field.type) && field.defaultValue === undefined)
        value[field.name] = placeholder(field.type, depth + 1);
    return value;
  }
  switch (named.name) {
    case 'Int':
    case 'Float':
      return 0;
    case 'Boolean':
      return false;
    default:
      return '0'; // ID, String, and custom scalars that take a string
  }
}

function warmupContext(log: Logger, id: string): GatewayContext {
  return {
    requestId: `warmup:${id.slice(0, 12)}`,
    log,
    principal: null,
    clientIp: '',
    headers: {},
    exposeQueryPlan: false,
    warmup: true,
    state: createRequestState(),
  };
}
