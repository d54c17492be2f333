import { Kind, parse, print, visit, type DocumentNode } from 'graphql';
import { buildDirectiveIndex, type DirectiveIndex } from './directiveIndex.js';
import { SPEC } from './links.js';
import { resolvableKeysFirst } from './resolvableKeysFirst.js';

export interface PreparedSupergraph {
  /** The SDL as published (hash it to identify the supergraph). */
  readonly sourceSdl: string;
  /** The SDL `ApolloGateway` accepts: security `@link`s without their `for: SECURITY` purpose. */
  readonly gatewaySdl: string;
  readonly document: DocumentNode;
  readonly index: DirectiveIndex;
}

const SECURITY_SPECS = [SPEC.authenticated, SPEC.requiresScopes, SPEC.policy];

/**
 * Indexes the directives, then removes `for: SECURITY` from the auth specs' `@link`s: `@apollo/gateway`
 * refuses to load a supergraph with a SECURITY feature it does not enforce, and this gateway enforces
 * them itself from the index. Resolvable keys go first (`resolvableKeysFirst.ts`), so a `@requires`
 * is planned through a key its subgraph can resolve. Throws on SDL that does not parse.
 */
export function prepareSupergraph(sourceSdl: string): PreparedSupergraph {
  const document = parse(sourceSdl, { noLocation: true });
  const index = buildDirectiveIndex(document);
  const stripped = visit(resolvableKeysFirst(document), {
    Directive(node) {
      if (node.name.value !== 'link') return undefined;
      const url = node.arguments?.find((a) => a.name.value === 'url')?.value;
      if (url?.kind !== Kind.STRING || !SECURITY_SPECS.some((spec) => url.value.startsWith(spec)))
        return undefined;
      return { ...node, arguments: node.arguments?.filter((a) => a.name.value !== 'for') };
    },
  });
  return { sourceSdl, gatewaySdl: print(stripped), document, index };
}
