import { createHash } from 'node:crypto';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { AdmissionStep } from '../admission.js';
import { aliasRequiredArguments } from './requiresAliases.js';
import { buildRequiresIndex, type RequiresIndex } from './requiresIndex.js';

/** The document to plan and its plan-cache hash, once per parsed document and schema. */
interface Planned {
  readonly document: DocumentNode;
  readonly hash: string;
}

/**
 * Admission step (after authorization, last): the document to plan gets the reserved aliases of
 * `aliasRequiredArguments`, under its own plan-cache hash. A client document using the reserved
 * prefix never gets here: `limits/reservedAliasStep.ts` refuses it first.
 */
export function requiresAliasStep(): AdmissionStep {
  const indexes = new WeakMap<DocumentNode, RequiresIndex>();
  // null: the document needs no alias.
  const results = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Planned | null>>();
  return {
    name: 'requires-aliases',
    admit(request) {
      const supergraph = request.supergraph.document;
      let index = indexes.get(supergraph);
      if (!index) indexes.set(supergraph, (index = buildRequiresIndex(supergraph)));
      if (index.size === 0) return;
      let bySchema = results.get(request.schema);
      if (!bySchema) results.set(request.schema, (bySchema = new WeakMap()));
      let planned = bySchema.get(request.document);
      if (planned === undefined) {
        const { document } = aliasRequiredArguments(request.document, request.schema, index);
        planned =
          document === request.document
            ? null
            : {
                document,
                // why: plans are cached by this hash; the aliased document must never share the client's.
                hash: createHash('sha256')
                  .update(`${request.documentHash}\nrequires-aliases`)
                  .digest('hex'),
              };
        bySchema.set(request.document, planned);
      }
      if (planned === null) return;
      request.document = planned.document;
      request.documentHash = planned.hash;
    },
  };
}
