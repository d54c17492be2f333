import { getVariableValues } from 'graphql';
import type { AdmissionStep } from '../admission.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { createCostEstimator } from './cachedEstimator.js';
import type { FetchLedger } from './fetchLedger.js';

export interface CostStepOptions {
  /** Highest estimated cost admitted (`MAX_COST`). */
  readonly maxCost: number;
  /** List size where nothing declares one (`DEFAULT_LIST_SIZE`). */
  readonly defaultListSize: number;
  readonly metrics: GatewayMetrics;
  /** Where the data sources record each fetch's actual cost. */
  readonly fetches: FetchLedger;
}

/** What the cost step keeps of an admitted request. */
interface Admitted {
  /** The introspection part of the estimate: answered in full, never refunded. */
  readonly introspection: number;
}

/**
 * Admission step 5. `admit` (after authorization, so removed fields cost nothing) estimates the
 * operation and refuses it above the maximum with 400 `COST_ESTIMATED_TOO_EXPENSIVE`, before any
 * subgraph is called; a negative slicing argument is refused with 400 `BAD_USER_INPUT`. `complete`
 * (after execution) sums the actual cost of the fetches that ran (what the subgraphs were asked for
 * and returned, before null propagation) and the introspection the gateway answered; the rate limit
 * step refunds at most the estimate minus that.
 */
export function costStep(options: CostStepOptions): AdmissionStep<Admitted | undefined> {
  const estimate = createCostEstimator();
  return {
    name: 'cost',
    admit(request) {
      const coerced = getVariableValues(
        request.schema,
        request.operation.variableDefinitions ?? [],
        request.variables,
        { maxErrors: 1 },
      );
      // why: variables that do not coerce are refused by execution (400 BAD_USER_INPUT) before any
      // subgraph is called; a cost over them would mean nothing, so none is charged.
      if (coerced.errors) return;
      const result = estimate({
        document: request.document,
        operationName: request.operationName,
        variables: coerced.coerced,
        schema: request.schema,
        index: request.supergraph.index,
        defaultListSize: options.defaultListSize,
      });
      if (!result.ok && result.code === 'NEGATIVE_SLICING_ARGUMENT') {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, result.message, {
          status: 400,
          extensions: { reason: result.code, ...(result.path ? { fieldPath: result.path } : {}) },
        });
      }
      if (!result.ok) {
        // Apollo has resolved the operation already, so this is a missing slicing argument: a
        // document the schema's `@listSize(requireOneSlicingArgument)` does not allow.
        throw new GatewayError(ErrorCode.GRAPHQL_VALIDATION_FAILED, result.message, {
          status: 400,
          extensions: { reason: result.code, ...(result.path ? { fieldPath: result.path } : {}) },
        });
      }
      const limit = options.maxCost;
      request.cost = { estimated: result.cost, actual: undefined, limit };
      options.metrics.operationCost.observe({ kind: 'estimated' }, result.cost);
      if (result.cost > limit) {
        throw new GatewayError(
          ErrorCode.COST_ESTIMATED_TOO_EXPENSIVE,
          `The operation's estimated cost ${result.cost} is above the maximum of ${limit}.`,
          { status: 400, extensions: { cost: { estimated: result.cost, limit } } },
        );
      }
      options.fetches.open(request.context, {
        schema: request.schema,
        index: request.supergraph.index,
        defaultListSize: options.defaultListSize,
      });
      return { introspection: result.introspection };
    },
    complete(request, _result, admitted) {
      if (!request.cost) return;
      const fetched = options.fetches.total(request.context)?.cost ?? 0;
      const introspection = admitted?.introspection ?? 0;
      const actual = Math.min(fetched + introspection, Number.MAX_SAFE_INTEGER);
      request.cost.actual = actual;
      options.metrics.operationCost.observe({ kind: 'actual' }, actual);
    },
  };
}
