import {
  getNamedType,
  isInterfaceType,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import type { Principal } from '../context.js';
import type { AccessRequirement } from '../supergraph/directiveIndex.js';
import type { PolicyRegistry } from './policies.js';

/** What a caller holds, reduced to what the supergraph's requirements can ask about. */
export interface Grants {
  readonly authenticated: boolean;
  hasScope(scope: string): boolean;
  passesPolicy(name: string): boolean;
  /** Equal keys = the same fields visible: the filtering result may be shared between them. */
  readonly key: string;
}

/**
 * `@authenticated`, `@requiresScopes(scopes: [[a, b], [c]])` = (a AND b) OR c, and `@policy` likewise;
 * every directive on a coordinate must hold. Scopes and policies also need a caller.
 * Spec: https://www.apollographql.com/docs/graphos/routing/security/authorization
 */
export function satisfies(requirement: AccessRequirement, grants: Grants): boolean {
  if (!grants.authenticated) return false;
  const { scopes, policies } = requirement;
  if (scopes && !scopes.some((all) => all.every((s) => grants.hasScope(s)))) return false;
  if (policies && !policies.some((all) => all.every((p) => grants.passesPolicy(p)))) return false;
  return true;
}

/**
 * The access rules of one supergraph over its API schema: which requirements guard a field or a
 * type, memoized by coordinate. Built once per loaded supergraph, used by every request.
 */
export class AccessRules {
  /** Every scope and policy name the supergraph mentions (the only grants that matter). */
  readonly scopes: readonly string[];
  readonly policies: readonly string[];
  private readonly fields = new Map<string, readonly AccessRequirement[]>();

  constructor(
    readonly schema: GraphQLSchema,
    private readonly access: ReadonlyMap<string, AccessRequirement>,
  ) {
    const scopes = new Set<string>();
    const policies = new Set<string>();
    for (const requirement of access.values()) {
      for (const all of requirement.scopes ?? []) for (const s of all) scopes.add(s);
      for (const all of requirement.policies ?? []) for (const p of all) policies.add(p);
    }
    this.scopes = [...scopes].sort();
    this.policies = [...policies].sort();
  }

  /** Whether the supergraph guards anything at all (if not, filtering is skipped). */
  get empty(): boolean {
    return this.access.size === 0;
  }

  /**
   * A field selected on `parent`: its own requirement, its parent's, its return type's, and, on an
   * interface, those of every implementation (the value may be any of them).
   */
  fieldAllowed(parent: GraphQLCompositeType, fieldName: string, grants: Grants): boolean {
    const coordinate = `${parent.name}.${fieldName}`;
    let requirements = this.fields.get(coordinate);
    if (!requirements) {
      const coordinates = [parent.name, coordinate];
      if (isInterfaceType(parent)) {
        for (const impl of this.schema.getPossibleTypes(parent))
          coordinates.push(impl.name, `${impl.name}.${fieldName}`);
      }
      const definition = 'getFields' in parent ? parent.getFields()[fieldName] : undefined;
      if (definition) coordinates.push(getNamedType(definition.type).name);
      requirements = coordinates.flatMap((c) => this.access.get(c) ?? []);
      this.fields.set(coordinate, requirements);
    }
    return requirements.every((r) => satisfies(r, grants));
  }

  /** A type condition (`... on T`, `fragment F on T`): the type's own requirement. */
  typeAllowed(type: GraphQLNamedType, grants: Grants): boolean {
    const requirement = this.access.get(type.name);
    return !requirement || satisfies(requirement, grants);
  }

  /** The caller's grants for this supergraph; runs once per request. Unknown policies are denied. */
  grantsFor(principal: Principal | null, registry: PolicyRegistry): Grants {
    if (!principal)
      return { authenticated: false, hasScope: () => false, passesPolicy: () => false, key: '-' };
    const passed = new Set(
      this.policies.filter((name) => registry.get(name)?.(principal) === true),
    );
    const held = this.scopes.filter((s) => principal.scopes.has(s));
    return {
      authenticated: true,
      hasScope: (s) => principal.scopes.has(s),
      passesPolicy: (name) => passed.has(name),
      key: `+${held.join(' ')}|${[...passed].join(' ')}`,
    };
  }
}
