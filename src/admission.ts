import type { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from './context.js';
import type { PreparedSupergraph } from './supergraph/prepare.js';

/** The operation's estimated cost, once the cost step has run. */
export interface CostInfo {
  readonly estimated: number;
  /** Filled in after execution. */
  actual: number | undefined;
  readonly limit: number;
}

/**
 * What admission knows about one request, shared by its steps in order and read again after
 * execution. One per request, kept in the request's state.
 */
export interface AdmissionRequest {
  readonly context: GatewayContext;
  readonly schema: GraphQLSchema;
  /** The supergraph (with its directive index) this request is admitted against. */
  readonly supergraph: PreparedSupergraph;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>>;
  /** The document to plan: the client's, or a copy with unauthorized fields removed. */
  document: DocumentNode;
  /** Identity of `document` (the client's query hash, or the filtered document's hash). */
  documentHash: string;
  /** Errors added to the response (e.g. one per removed field). */
  readonly errors: GraphQLError[];
  cost: CostInfo | undefined;
}

export interface ExecutionOutcome {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<GraphQLError>;
  extensions?: Record<string, unknown>;
}

/**
 * One feature's part of admission. `admit` runs before any subgraph is called, in the order of the
 * step list, and refuses a request by throwing a `GatewayError`; what it returns is the step's own
 * record of the request, handed back to its `complete`. `complete` runs after execution, in the
 * same order, and may amend the result.
 */
export interface AdmissionStep<Admitted = unknown> {
  readonly name: string;
  admit?(request: AdmissionRequest): Promise<Admitted> | Admitted;
  complete?(
    request: AdmissionRequest,
    result: ExecutionOutcome,
    /** What this step's `admit` returned for the request (undefined without an `admit`). */
    admitted: Admitted | undefined,
  ): Promise<void> | void;
}

/** Admission's part of the request state (`RequestState.admission`). */
export interface AdmissionState {
  readonly request: AdmissionRequest;
  /** What each step's `admit` returned, by the step's position in the list. */
  readonly admitted: unknown[];
}

export interface Admission {
  readonly plugin: ApolloServerPlugin<GatewayContext>;
  /** The request's admission state; undefined for requests that never resolved an operation. */
  get(context: GatewayContext): AdmissionRequest | undefined;
  /** Runs every step's `complete`; called by the executor after execution. */
  complete(context: GatewayContext, result: ExecutionOutcome): Promise<void>;
}

/**
 * Runs the admission steps in order in one `didResolveOperation` hook. Apollo Server runs the hooks
 * of different plugins concurrently, so steps that depend on each other (authorize, then cost, then
 * rate limit) must live in one plugin that awaits them in turn.
 */
export function createAdmission(
  steps: readonly AdmissionStep[],
  supergraph: () => PreparedSupergraph | undefined,
): Admission {
  const plugin: ApolloServerPlugin<GatewayContext> = {
    requestDidStart() {
      return Promise.resolve({
        async didResolveOperation(
          requestContext: GraphQLRequestContextDidResolveOperation<GatewayContext>,
        ) {
          const current = supergraph();
          // A warm-up run is planned for callers with every grant: nothing is removed or charged.
          if (!current || !requestContext.operation || requestContext.contextValue.warmup) return;
          const request: AdmissionRequest = {
            context: requestContext.contextValue,
            schema: requestContext.schema,
            supergraph: current,
            operation: requestContext.operation,
            operationName: requestContext.operationName ?? undefined,
            variables: requestContext.request.variables ?? {},
            document: requestContext.document,
            documentHash: requestContext.queryHash,
            errors: [],
            cost: undefined,
          };
          const state: AdmissionState = { request, admitted: [] };
          requestContext.contextValue.state.admission = state;
          for (const step of steps) state.admitted.push(await step.admit?.(request));
        },
      });
    },
  };
  return {
    plugin,
    get: (context) => context.state.admission?.request,
    async complete(context, result) {
      const state = context.state.admission;
      if (!state) return;
      const { request, admitted } = state;
      for (const [index, step] of steps.entries())
        await step.complete?.(request, result, admitted[index]);
      if (request.errors.length) result.errors = [...request.errors, ...(result.errors ?? [])];
    },
  };
}
