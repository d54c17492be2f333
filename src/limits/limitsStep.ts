import type { DocumentNode } from 'graphql';
import type { AdmissionStep } from '../admission.js';
import { GatewayError } from '../errors.js';
import { checkLimits, type LimitsResult, type ShapeLimits } from './checkLimits.js';

/**
 * Admission step 3: the operation's shape limits (depth, aliases, root fields, directives, height),
 * 400 `MAX_*_LIMIT` before anything else runs (before planning).
 *
 * why an admission step and not an Apollo `validationRules` entry: Apollo Server 5 wraps every
 * validation error as `GRAPHQL_VALIDATION_FAILED`, overwriting a rule's own code. Admission runs in
 * `didResolveOperation`, i.e. only on documents that passed validation, which is also what keeps
 * `graphql-depth-limit` away from fragment cycles and unknown fragments. It must be the first step,
 * so it judges the client's document, not the one authorization filtered.
 */
export function limitsStep(limits: ShapeLimits): AdmissionStep {
  // Apollo hands every request with the same query text the same parsed document.
  const checked = new WeakMap<DocumentNode, Map<string, LimitsResult>>();
  return {
    name: 'limits',
    admit(request) {
      const key = request.operationName ?? '';
      let byOperation = checked.get(request.document);
      if (!byOperation)
        checked.set(request.document, (byOperation = new Map<string, LimitsResult>()));
      let result = byOperation.get(key);
      if (!result) {
        result = checkLimits(request.document, request.operation, limits);
        byOperation.set(key, result);
      }
      if (!result.ok) {
        throw new GatewayError(result.code, result.message, {
          status: 400,
          extensions: {
            limit: result.limit,
            ...(result.found !== undefined ? { found: result.found } : {}),
          },
        });
      }
    },
  };
}
