import { BREAK, visit, type DocumentNode } from 'graphql';
import type { AdmissionStep } from '../admission.js';
import { ErrorCode, GatewayError } from '../errors.js';

/**
 * Admission step (before the steps that rewrite the document): a client document using an alias
 * prefix the gateway reserves for its own rewrites is refused (400 `GRAPHQL_VALIDATION_FAILED`),
 * since the gateway strips or renames fields under those aliases in the response. One step for
 * every reserved prefix (the cache's mutation keys, the `@requires` argument aliases).
 */
export function reservedAliasStep(prefixes: readonly string[]): AdmissionStep {
  // Apollo hands every request with the same query text the same parsed document.
  const checked = new WeakMap<DocumentNode, string | null>();
  return {
    name: 'reserved-aliases',
    admit(request) {
      let prefix = checked.get(request.document);
      if (prefix === undefined)
        checked.set(request.document, (prefix = reservedPrefixIn(request.document, prefixes)));
      if (prefix !== null)
        throw new GatewayError(
          ErrorCode.GRAPHQL_VALIDATION_FAILED,
          `Aliases starting with "${prefix}" are reserved by the gateway.`,
          { status: 400 },
        );
    },
  };
}

/** The first reserved prefix an alias of `document` starts with, or null. */
export function reservedPrefixIn(
  document: DocumentNode,
  prefixes: readonly string[],
): string | null {
  let found: string | null = null;
  visit(document, {
    Field(node) {
      const alias = node.alias?.value;
      found = (alias && prefixes.find((p) => alias.startsWith(p))) || null;
      return found === null ? undefined : BREAK;
    },
  });
  return found;
}
