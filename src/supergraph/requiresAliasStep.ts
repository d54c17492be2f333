import { createHash } from 'node:crypto';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { AdmissionStep } from '../admission.js';
import { aliasRequiredArguments } from './requiresAliases.js';
import { refuseConflictingRequires } from './requiresConflicts.js';
import {
  buildRequiresByField,
  buildRequiresIndex,
  type RequiresByField,
  type RequiresIndex,
} from './requiresIndex.js';

/** The document to plan and its plan-cache hash, once per parsed document and schema. */
interface Planned {
  readonly document: DocumentNode;
  readonly hash: string;
}

/**
 * Admission step (after authorization, last): in the document to plan, requiring fields whose
 * `@requires` conflict with another's are refused (`refuseConflictingRequires`), then client fields
 * get the reserved aliases of `aliasRequiredArguments`; the result has its own plan-cache hash. A client document using the reserved
 * prefix never gets here: `limits/reservedAliasStep.ts` refuses it first.
 */
export function requiresAliasStep(): AdmissionStep {
  const indexes = new WeakMap<
    DocumentNode,
    { readonly index: RequiresIndex; readonly byField: RequiresByField }
  >();
  // null: the document needs no alias.
  const results = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Planned | null>>();
  return {
    name: 'requires-aliases',
    admit(request) {
      const supergraph = request.supergraph.document;
      let indexed = indexes.get(supergraph);
      if (!indexed)
        indexes.set(
          supergraph,
          (indexed = {
            index: buildRequiresIndex(supergraph),
            byField: buildRequiresByField(supergraph),
          }),
        );
      const { index, byField } = indexed;
      if (index.size === 0) return;
      let bySchema = results.get(request.schema);
      if (!bySchema) results.set(request.schema, (bySchema = new WeakMap()));
      let planned = bySchema.get(request.document);
      if (planned === undefined) {
        const refused = refuseConflictingRequires(request.document, request.schema, byField);
        const { document } = aliasRequiredArguments(refused, request.schema, index);
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
