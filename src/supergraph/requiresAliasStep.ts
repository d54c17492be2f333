import { createHash } from 'node:crypto';
import { BREAK, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { AdmissionStep } from '../admission.js';
import { ErrorCode, GatewayError } from '../errors.js';
import { ARGUMENT_ALIAS_PREFIX } from '../execution/reservedAlias.js';
import { aliasRequiredArguments } from './requiresAliases.js';
import { buildRequiresIndex, type RequiresIndex } from './requiresIndex.js';

/**
 * Admission step (after authorization, last): the document to plan gets the reserved aliases of
 * `aliasRequiredArguments`, under its own plan-cache hash. A client document using the reserved
 * prefix is refused (400 `GRAPHQL_VALIDATION_FAILED`): the shaper would rename its fields.
 */
export function requiresAliasStep(): AdmissionStep {
  const indexes = new WeakMap<DocumentNode, RequiresIndex>();
  const results = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, DocumentNode>>();
  const reserved = new WeakMap<DocumentNode, boolean>();
  return {
    name: 'requires-aliases',
    admit(request) {
      let usesReserved = reserved.get(request.document);
      if (usesReserved === undefined)
        reserved.set(request.document, (usesReserved = usesReservedAlias(request.document)));
      if (usesReserved)
        throw new GatewayError(
          ErrorCode.GRAPHQL_VALIDATION_FAILED,
          `Aliases starting with "${ARGUMENT_ALIAS_PREFIX}" are reserved by the gateway.`,
          { status: 400 },
        );
      const supergraph = request.supergraph.document;
      let index = indexes.get(supergraph);
      if (!index) indexes.set(supergraph, (index = buildRequiresIndex(supergraph)));
      if (index.size === 0) return;
      let bySchema = results.get(request.schema);
      if (!bySchema) results.set(request.schema, (bySchema = new WeakMap()));
      let planned = bySchema.get(request.document);
      if (!planned) {
        planned = aliasRequiredArguments(request.document, request.schema, index).document;
        bySchema.set(request.document, planned);
      }
      if (planned === request.document) return;
      request.document = planned;
      // why: plans are cached by this hash; the aliased document must never share the client's.
      request.documentHash = createHash('sha256')
        .update(`${request.documentHash}\nrequires-aliases`)
        .digest('hex');
    },
  };
}

function usesReservedAlias(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (!node.alias?.value.startsWith(ARGUMENT_ALIAS_PREFIX)) return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}
