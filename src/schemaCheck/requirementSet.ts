import type { AccessRequirement } from '../supergraph/directiveIndex.js';
import type { Principal } from './authCoverage.js';

/**
 * Access requirements as a monotone formula in disjunctive normal form: a caller passes when it
 * holds every grant of at least one alternative. Grants are `auth`, `scope:<name>` and
 * `policy:<name>`; as in the gateway (`auth/requirements.ts`), a scope or policy also needs a
 * signed-in caller, so every non-empty alternative holds `auth`. Each alternative remembers one
 * path (schema coordinates from a root) that needs exactly it. Pure.
 */
export interface Alternative {
  readonly grants: readonly string[];
  readonly path: readonly string[];
}

/** One alternative that anyone passes: no requirement. */
export const OPEN: readonly Alternative[] = [{ grants: [], path: [] }];

/** A coordinate's own requirement (`undefined`: none) as alternatives without a path. */
export function fromAccess(requirement: AccessRequirement | undefined): Alternative[] {
  if (!requirement) return [...OPEN];
  const result: Alternative[] = [];
  for (const scopes of requirement.scopes ?? [[]]) {
    for (const policies of requirement.policies ?? [[]]) {
      const grants = [
        ...(requirement.authenticated ? ['auth'] : []),
        ...scopes.map((s) => `scope:${s}`),
        ...policies.map((p) => `policy:${p}`),
      ];
      result.push({ grants: normalize(grants), path: [] });
    }
  }
  return result;
}

/** Both requirements (the path of `a` is kept). */
export function and(a: readonly Alternative[], b: readonly Alternative[]): Alternative[] {
  const result: Alternative[] = [];
  for (const x of a)
    for (const y of b) add(result, { grants: normalize([...x.grants, ...y.grants]), path: x.path });
  return result;
}

/**
 * Adds an alternative unless one already present needs no more than it; drops those it makes
 * redundant. Returns whether the set changed (the fixed point of reachability stops on false).
 */
export function add(set: Alternative[], alternative: Alternative): boolean {
  if (set.some((x) => subset(x.grants, alternative.grants))) return false;
  for (let i = set.length - 1; i >= 0; i--)
    if (subset(alternative.grants, set[i]!.grants)) set.splice(i, 1);
  set.push(alternative);
  return true;
}

/** The least-privileged caller that passes one alternative. */
export function principalOf(alternative: Alternative): Principal {
  const pick = (prefix: string) =>
    alternative.grants.filter((g) => g.startsWith(prefix)).map((g) => g.slice(prefix.length));
  return {
    authenticated: alternative.grants.includes('auth'),
    scopes: pick('scope:'),
    policies: pick('policy:'),
  };
}

/** Whether a caller passes a requirement (an empty set: nobody, the data was unreachable). */
export function admits(set: readonly Alternative[], principal: Principal): boolean {
  const held = new Set(
    normalize([
      ...(principal.authenticated ? ['auth'] : []),
      ...principal.scopes.map((s) => `scope:${s}`),
      ...principal.policies.map((p) => `policy:${p}`),
    ]),
  );
  return set.some((x) => x.grants.every((g) => held.has(g)));
}

/**
 * An alternative of `after` whose least-privileged caller `before` refused: the new, weaker way
 * in. Undefined when `after` is at least as strict. Complete because both are monotone.
 */
export function weakerAlternative(
  before: readonly Alternative[],
  after: readonly Alternative[],
): Alternative | undefined {
  return [...after]
    .sort((x, y) => x.grants.length - y.grants.length || x.path.length - y.path.length)
    .find((x) => !admits(before, principalOf(x)));
}

/** `anyone`, or `@authenticated and scopes [a b]` per alternative, OR-ed. */
export function describeRequirement(set: readonly Alternative[]): string {
  if (set.length === 0) return 'nobody (it was not reachable from any root field)';
  return set
    .map((x) => {
      const { scopes, policies } = principalOf(x);
      if (x.grants.length === 0) return 'anyone';
      const parts = ['@authenticated'];
      if (scopes.length) parts.push(`scopes [${scopes.join(' ')}]`);
      if (policies.length) parts.push(`policies [${policies.join(' ')}]`);
      return parts.join(' and ');
    })
    .join(' or ');
}

function normalize(grants: readonly string[]): string[] {
  const set = new Set(grants);
  if (set.size > 0) set.add('auth');
  return [...set].sort();
}

function subset(a: readonly string[], b: readonly string[]): boolean {
  return a.every((g) => b.includes(g));
}
