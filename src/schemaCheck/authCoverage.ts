import type { AccessRequirement, DirectiveIndex } from '../supergraph/directiveIndex.js';
import type { Finding } from './findings.js';
import type { Locator } from './locator.js';

/** A caller as the auth directives see it. Anonymous callers have no scopes. */
export interface Principal {
  readonly authenticated: boolean;
  readonly scopes: readonly string[];
  readonly policies: readonly string[];
}

const NONE: AccessRequirement = { authenticated: false, scopes: undefined, policies: undefined };

/** Whether a principal meets a requirement (alternatives OR-ed, each alternative's items AND-ed). */
export function satisfies(principal: Principal, requirement: AccessRequirement): boolean {
  const anyOf = (alternatives: AccessRequirement['scopes'], held: readonly string[]) =>
    alternatives === undefined || alternatives.some((all) => all.every((x) => held.includes(x)));
  return (
    (!requirement.authenticated || principal.authenticated) &&
    anyOf(requirement.scopes, principal.scopes) &&
    anyOf(requirement.policies, principal.policies)
  );
}

/**
 * A principal the new requirement admits and the old one refused, or undefined when the new
 * requirement is at least as strict. Both requirements are monotone (more scopes or policies never
 * lose access), so checking the least-privileged principals of the new requirement (one per
 * scope alternative × policy alternative) is complete. Holding a scope implies being authenticated.
 */
export function weakeningWitness(
  before: AccessRequirement,
  after: AccessRequirement | undefined,
): Principal | undefined {
  const now = after ?? NONE;
  for (const scopes of now.scopes ?? [[]]) {
    for (const policies of now.policies ?? [[]]) {
      const principal = { authenticated: now.authenticated || scopes.length > 0, scopes, policies };
      if (!satisfies(principal, before)) return principal;
    }
  }
  return undefined;
}

/**
 * Coordinates that exist in both API schemas and whose access requirement got weaker: anything
 * now visible to a caller it was hidden from before (`@authenticated` dropped, a scope alternative
 * needing fewer scopes, a policy removed). Removed coordinates are breaking changes instead.
 */
export function findLostAuthCoverage(
  base: DirectiveIndex,
  next: DirectiveIndex,
  stillExists: (coordinate: string) => boolean,
  locate: Locator,
  allowAuthChange: boolean,
): Finding[] {
  const findings: Finding[] = [];
  for (const [coordinate, before] of base.access) {
    if (!stillExists(coordinate)) continue;
    const after = next.access.get(coordinate);
    const witness = weakeningWitness(before, after);
    if (!witness) continue;
    findings.push({
      kind: 'lost-auth-coverage',
      severity: allowAuthChange ? 'warning' : 'error',
      message:
        `${coordinate} required ${describe(before)}, now ${after ? describe(after) : 'no requirement'}: ` +
        `${describeCaller(witness)} can now see it.`,
      coordinate,
      ...locate(coordinate),
      ...(allowAuthChange ? { allowed: true } : {}),
    });
  }
  return findings;
}

/** `@authenticated and scopes [a b] or [c]`: the directives as a reader writes them. */
function describe(requirement: AccessRequirement): string {
  const parts: string[] = [];
  if (requirement.authenticated) parts.push('@authenticated');
  const alternatives = (label: string, list: AccessRequirement['scopes']) =>
    list && parts.push(`${label} ${list.map((all) => `[${all.join(' ')}]`).join(' or ')}`);
  alternatives('scopes', requirement.scopes);
  alternatives('policies', requirement.policies);
  return parts.length ? parts.join(' and ') : 'no requirement';
}

/** `an anonymous caller`, `a signed-in caller with scopes [a]`: who gains access. */
export function describeCaller(principal: Principal): string {
  if (!principal.authenticated && principal.policies.length === 0) return 'an anonymous caller';
  const held = [
    principal.scopes.length ? `scopes [${principal.scopes.join(' ')}]` : 'no scopes',
    principal.policies.length ? `policies [${principal.policies.join(' ')}]` : '',
  ].filter(Boolean);
  return `${principal.authenticated ? 'a signed-in' : 'an anonymous'} caller with ${held.join(' and ')}`;
}
