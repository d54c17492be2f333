import {
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLSchema,
} from 'graphql';
import { unitPolicy, type CachePolicy } from '../cache/policy.js';
import type { CacheHint } from '../supergraph/directiveIndex.js';
import type { Finding } from './findings.js';
import type { Locator } from './locator.js';

/** What the cache-policy comparison needs from one supergraph. */
export interface CacheView {
  readonly api: GraphQLSchema;
  readonly index: { readonly cacheControl: ReadonlyMap<string, CacheHint> };
}

/**
 * Every output field's effective cache policy, computed by the gateway's own `unitPolicy` (Apollo's
 * rules: a field hint wins over its return type's, composite and root fields default to 0, a
 * field without maxAge inherits its parent type's, PRIVATE anywhere makes it private), for the
 * field selected by itself. The check and the runtime share this code, so they cannot disagree.
 */
export function effectivePolicies(view: CacheView): Map<string, CachePolicy> {
  const roots = new Set(
    [view.api.getQueryType(), view.api.getMutationType(), view.api.getSubscriptionType()]
      .filter((t) => t !== null && t !== undefined)
      .map((t) => t.name),
  );
  const result = new Map<string, CachePolicy>();
  for (const type of Object.values(view.api.getTypeMap())) {
    if (isIntrospectionType(type) || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const name of Object.keys(type.getFields())) {
      const node: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: name } };
      const policy = unitPolicy(
        view.api,
        view.index.cacheControl,
        type.name,
        node,
        roots.has(type.name),
      );
      result.set(`${type.name}.${name}`, policy);
    }
  }
  return result;
}

/** How a field's policy changed, worst first; undefined when it is not more cacheable. */
export function classifyPolicyChange(
  before: CachePolicy,
  after: CachePolicy,
): 'CACHE_SCOPE_WIDENED' | 'CACHE_NEWLY_CACHEABLE' | 'CACHE_TTL_RAISED' | undefined {
  if (after.maxAge <= 0) return undefined;
  if (before.scope === 'PRIVATE' && after.scope === 'PUBLIC') return 'CACHE_SCOPE_WIDENED';
  if (before.maxAge <= 0) return 'CACHE_NEWLY_CACHEABLE';
  if (after.maxAge > before.maxAge) return 'CACHE_TTL_RAISED';
  return undefined;
}

/**
 * Fields in both supergraphs whose effective cache policy became more shareable or longer-lived.
 * PRIVATE → PUBLIC (one caller's answer could be served to another from the shared cache) is an
 * error, or an allowed warning with `allowCacheChange`; a field that was never cached and now is,
 * or a longer maxAge, is a warning. Each names the field with its old and new policy.
 */
export function findCachePolicyChanges(
  base: CacheView,
  next: CacheView,
  locate: Locator,
  allowCacheChange: boolean,
): Finding[] {
  const before = effectivePolicies(base);
  const findings: Finding[] = [];
  for (const [coordinate, after] of effectivePolicies(next)) {
    const old = before.get(coordinate);
    if (!old) continue; // a new field: nothing to regress from
    const code = classifyPolicyChange(old, after);
    if (!code) continue;
    const widened = code === 'CACHE_SCOPE_WIDENED';
    const change = `cache policy ${describePolicy(old)} → ${describePolicy(after)}`;
    const message = widened
      ? `${coordinate}: ${change}: its answers are now shared between callers, so one caller's data can be served to another`
      : code === 'CACHE_NEWLY_CACHEABLE'
        ? `${coordinate}: ${change}: it was never cached and now is`
        : `${coordinate}: ${change}: cached ${ratio(old.maxAge, after.maxAge)} longer`;
    findings.push({
      kind: 'cache-policy',
      severity: widened && !allowCacheChange ? 'error' : 'warning',
      code,
      message,
      coordinate,
      ...locate(coordinate),
      ...(widened && allowCacheChange ? { allowed: true } : {}),
    });
  }
  return findings;
}

/** `PRIVATE maxAge 30s`, or `not cached` for maxAge 0. */
export function describePolicy(policy: CachePolicy): string {
  return policy.maxAge <= 0
    ? `not cached (${policy.scope})`
    : `${policy.scope} maxAge ${policy.maxAge}s`;
}

function ratio(before: number, after: number): string {
  const times = after / before;
  return Number.isInteger(times) ? `${times}×` : `${times.toFixed(1)}×`;
}
