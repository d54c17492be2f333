import { ErrorCode, GatewayError } from '../errors.js';

/**
 * The aliases the gateway gives a client's field before planning (`supergraph/requiresAliases.ts`),
 * so the planner never merges it with a `@requires` selection of the same name and other
 * arguments. The alias carries the client's response name, which the shaper writes back. Reserved:
 * a client document using the prefix is refused.
 */
export const ARGUMENT_ALIAS_PREFIX = 'gwArg_';

/** The alias the gateway gives a client field answered under `responseName`. */
export const argumentAlias = (responseName: string): string =>
  `${ARGUMENT_ALIAS_PREFIX}${responseName}`;

/** The client's response name of a field answered under `name` (itself when not the gateway's). */
export const clientResponseName = (name: string): string =>
  name.startsWith(ARGUMENT_ALIAS_PREFIX) ? name.slice(ARGUMENT_ALIAS_PREFIX.length) : name;

/**
 * The alias of a `__typename` selection that stands in for a client field the gateway refuses to
 * plan (`supergraph/requiresConflicts.ts`): its response name and field name, which the shaper
 * answers with an error at the path. Distinct from `argumentAlias`, which never names a
 * `__typename` selection.
 */
export const refusedAlias = (responseName: string, fieldName: string): string =>
  `${ARGUMENT_ALIAS_PREFIX}${fieldName.length}_${fieldName}${responseName}`;

/** The response name and field name `refusedAlias` encoded, or undefined for any other alias. */
export function refusedField(
  alias: string,
): { readonly responseName: string; readonly fieldName: string } | undefined {
  const match = /^(\d+)_/.exec(alias.slice(ARGUMENT_ALIAS_PREFIX.length));
  if (!alias.startsWith(ARGUMENT_ALIAS_PREFIX) || !match) return undefined;
  const start = ARGUMENT_ALIAS_PREFIX.length + match[0].length;
  const end = start + Number(match[1]);
  if (end >= alias.length) return undefined;
  return { fieldName: alias.slice(start, end), responseName: alias.slice(end) };
}

/** The error of a field refused for its conflicting `@requires`, at its path (both executors). */
export const requiresConflictError = (field: string, path: readonly (string | number)[]) =>
  new GatewayError(
    ErrorCode.REQUIRES_ARGUMENT_CONFLICT,
    `Cannot answer ${field} in this query: its @requires selects a field with other arguments than the @requires of another field selected on the same object. Request it separately.`,
    { path: [...path] },
  );
