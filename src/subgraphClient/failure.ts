import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { ErrorCode } from '../errors.js';
import type { FetchShape } from './fetchShape.js';
import type { AttemptOutcome } from './retryPolicy.js';

/** A failed fetch as the client will see it: a gateway code and a message naming no host or body. */
export interface Failure {
  readonly code: ErrorCode;
  readonly message: string;
}

/** The client-facing code and message of a fetch that failed for good. */
export function describeFailure(
  outcome: AttemptOutcome | { readonly kind: 'circuit-open' },
  subgraph: string,
  timeoutMs: number,
): Failure {
  switch (outcome.kind) {
    case 'timed-out':
      return {
        code: ErrorCode.SUBGRAPH_TIMEOUT,
        message: `The ${subgraph} subgraph did not answer within ${timeoutMs} ms.`,
      };
    case 'connection-failed':
      return {
        code: ErrorCode.SUBGRAPH_UNAVAILABLE,
        message: `The ${subgraph} subgraph is unavailable.`,
      };
    case 'circuit-open':
      return {
        code: ErrorCode.SUBGRAPH_UNAVAILABLE,
        message: `The ${subgraph} subgraph is unavailable (circuit open).`,
      };
    case 'invalid-response':
      return {
        code: ErrorCode.DOWNSTREAM_SERVICE_ERROR,
        message: `The ${subgraph} subgraph returned an invalid response.`,
      };
    case 'answered':
      return {
        code:
          outcome.status === 429
            ? ErrorCode.SUBGRAPH_UNAVAILABLE
            : ErrorCode.DOWNSTREAM_SERVICE_ERROR,
        message: `The ${subgraph} subgraph answered HTTP ${outcome.status}.`,
      };
  }
}

/** A failed `_entities` fetch reports at most this many entity paths (a list can be long). */
const MAX_PATH_ERRORS = 100;

/**
 * The subgraph "response" for a failed fetch: one error per path the fetch was to fill, so that
 * `@apollo/gateway` maps each to the client's response (`_entities.i` → the i-th entity's path; a
 * root field → its response name) and nulls exactly those paths.
 */
export function failureResponse(
  subgraph: string,
  failure: Failure,
  shape: FetchShape,
  representations: number | undefined,
): GatewayGraphQLResponse {
  const error = (path?: (string | number)[]) => ({
    message: failure.message,
    ...(path ? { path } : {}),
    extensions: { code: failure.code, serviceName: subgraph },
  });
  if (representations !== undefined) {
    const count = Math.max(1, Math.min(representations, MAX_PATH_ERRORS));
    return { errors: Array.from({ length: count }, (_, i) => error(['_entities', i])) };
  }
  if (shape.rootFields.length === 0) return { errors: [error()] };
  return { errors: shape.rootFields.map((name) => error([name])) };
}
