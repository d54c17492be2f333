import { BREAK, Kind, OperationTypeNode, visit, type DocumentNode } from 'graphql';
import type { AdmissionStep } from '../admission.js';
import type { GatewayContext } from '../context.js';
import { sha256 } from './keys.js';
import type { CacheModel } from './model.js';
import { ADDED_ALIAS_PREFIX, selectEntityKeys, stripAddedKeys } from './mutationEntities.js';

/**
 * Admission step (last in the list): in a mutation, selects `__typename` and the key fields of
 * every entity the client selected without them, so the caching data source can bump the versions
 * of the entities the mutation returns; `complete` removes them from the response again. Queries
 * are left untouched.
 */
export function createCacheStep(model: () => CacheModel | undefined): AdmissionStep {
  const changed = new WeakSet<GatewayContext>();
  return {
    name: 'cache',
    admit(request) {
      const current = model();
      const rootType = request.schema.getMutationType()?.name;
      if (request.operation.operation !== OperationTypeNode.MUTATION || !current || !rootType)
        return;
      const document = request.document;
      // why: an alias of ours in the client's document would be stripped from its response.
      if (usesReservedAlias(document)) return;
      const name = request.operation.name?.value;
      const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
      const target =
        operations.find((d) => d.name?.value === name) ??
        (operations.length === 1 ? operations[0] : undefined);
      if (!target) return;
      const selectionSet = selectEntityKeys(
        request.schema,
        current.keyFields,
        rootType,
        target.selectionSet,
      );
      if (!selectionSet) return;
      request.document = {
        ...document,
        definitions: document.definitions.map((d) =>
          d === target ? { ...target, selectionSet } : d,
        ),
      };
      // why: plans are cached by this hash; the widened document must never share the client's.
      request.documentHash = sha256(`${request.documentHash}\ncache-keys`);
      changed.add(request.context);
    },
    complete(request, result) {
      if (changed.has(request.context)) stripAddedKeys(result.data);
    },
  };
}

function usesReservedAlias(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (!node.alias?.value.startsWith(ADDED_ALIAS_PREFIX)) return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}
