import { createHash } from 'node:crypto';
import { getVariableValues, print, type GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { AdmissionRequest, AdmissionStep } from '../admission.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { AccessRequirement } from '../supergraph/directiveIndex.js';
import { applyRemovals, buildRemovalTree, mayApply, type RemovalNode } from './applyRemovals.js';
import { filterOperation, type FilteredOperation } from './filterDocument.js';
import type { PolicyRegistry } from './policies.js';
import { AccessRules } from './requirements.js';

export interface AuthorizeStepOptions {
  readonly policies: PolicyRegistry;
  /** Refuse the whole request (401 anonymous, 403 otherwise) instead of filtering. */
  readonly rejectUnauthorized: boolean;
  /** Filtering results kept per supergraph (document × operation × grants). @default 2000 */
  readonly cacheSize?: number;
}

interface Plan {
  readonly filtered: FilteredOperation;
  readonly documentHash: string;
  readonly tree: RemovalNode;
}

/**
 * Admission step 4, before cost and rate limit: removes what the caller may not see from the
 * operation (so cost is estimated, and the plan made and cached, on the filtered document), then,
 * after execution, puts `null` and an `UNAUTHORIZED_FIELD_OR_TYPE` error at each removed path.
 */
export function createAuthorizeStep(
  options: AuthorizeStepOptions,
): AdmissionStep<Plan | undefined> {
  const rulesBySchema = new WeakMap<GraphQLSchema, AccessRules>();
  const accessOf = new WeakMap<AccessRules, ReadonlyMap<string, AccessRequirement>>();
  const caches = new WeakMap<AccessRules, LRUCache<string, Plan>>();

  const rulesFor = (request: AdmissionRequest): AccessRules => {
    const access = request.supergraph.index.access;
    let rules = rulesBySchema.get(request.schema);
    if (!rules || accessOf.get(rules) !== access) {
      rules = new AccessRules(request.schema, access);
      rulesBySchema.set(request.schema, rules);
      accessOf.set(rules, access);
      caches.set(rules, new LRUCache({ max: options.cacheSize ?? 2000 }));
    }
    return rules;
  };

  return {
    name: 'authorize',
    admit(request) {
      // why first: filtering may drop a variable's only use (`@include(if: $s)` on a removed
      // field); execution then never coerces it. Variables answer to the client's document.
      rejectInvalidVariables(request);
      const rules = rulesFor(request);
      if (rules.empty) return undefined;
      const grants = rules.grantsFor(request.context.principal, options.policies);
      const cache = caches.get(rules)!;
      // why this key: the same document and operation, seen with the same relevant grants, filters
      // the same way; callers who see different fields get different entries (and plans).
      const key = `${request.documentHash}\n${request.operationName ?? ''}\n${grants.key}`;
      let plan = cache.get(key);
      if (!plan) {
        const filtered = filterOperation(request.document, request.operation, rules, grants);
        plan = {
          filtered,
          documentHash: filtered.changed
            ? createHash('sha256').update(print(filtered.document)).digest('hex')
            : request.documentHash,
          tree: buildRemovalTree(filtered),
        };
        cache.set(key, plan);
      }
      if (!plan.filtered.changed) return undefined;
      if (options.rejectUnauthorized) refuse(request, plan.filtered);
      request.document = plan.filtered.document;
      request.documentHash = plan.documentHash;
      // Kept for `complete`, which puts the removed fields back as nulls and errors.
      return plan;
    },
    complete(request, result, plan) {
      if (!plan || !result.data) return;
      const { data, removed } = applyRemovals(
        plan.tree,
        result.data,
        request.operation,
        request.variables,
      );
      result.data = data;
      for (const { path, coordinate } of removed) {
        request.errors.push(
          new GatewayError(
            ErrorCode.UNAUTHORIZED_FIELD_OR_TYPE,
            `Unauthorized field or type: ${coordinate}.`,
            { path },
          ),
        );
      }
    },
  };
}

/**
 * Coerces the request's variables against the client's operation, as execution would: a value
 * that does not fit its declared type is the client's 400 `BAD_USER_INPUT`, whatever filtering
 * later removes.
 */
function rejectInvalidVariables(request: AdmissionRequest): void {
  const definitions = request.operation.variableDefinitions;
  if (!definitions?.length) return;
  const coerced = getVariableValues(request.schema, definitions, request.variables, {
    maxErrors: 1,
  });
  if (!coerced.errors) return;
  const error = coerced.errors[0]!;
  throw new GatewayError(ErrorCode.BAD_USER_INPUT, error.message, { status: 400 });
}

/** Reject mode: refuses the request if any removed selection would have run. */
function refuse(request: AdmissionRequest, filtered: FilteredOperation): void {
  const active = filtered.removals.filter((r) => mayApply(r, request.operation, request.variables));
  if (!active.length) return;
  const anonymous = request.context.principal === null;
  throw new GatewayError(
    anonymous ? ErrorCode.UNAUTHENTICATED : ErrorCode.FORBIDDEN,
    anonymous
      ? 'The operation selects fields that need an authenticated caller.'
      : 'The operation selects fields the caller may not see.',
    {
      status: anonymous ? 401 : 403,
      extensions: {
        unauthorizedPaths: active.map((r) =>
          r.responseKey ? [...r.object.path, r.responseKey] : r.object.path,
        ),
      },
    },
  );
}
