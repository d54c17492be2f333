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
