import { Kind, OperationTypeNode } from 'graphql';
import type { AdmissionStep } from '../admission.js';
import type { GatewayContext } from '../context.js';
import { sha256 } from './keys.js';
import type { CacheModel } from './model.js';
import { selectEntityKeys, stripAddedKeys } from './mutationEntities.js';

/**
 * Admission step (last in the list): in a mutation, selects `__typename` and the key fields of
 * every entity the client selected, under reserved aliases and whatever the client's own
 * selections and directives, so the caching data source can bump the versions of the entities
 * the mutation returns; `complete` removes them from the response again. Queries are left
 * untouched. A client document using the reserved prefix (`ADDED_ALIAS_PREFIX`) never gets here:
 * `limits/reservedAliasStep.ts` refuses it first.
 */
export function createCacheStep(model: () => CacheModel | undefined): AdmissionStep {
  const changed = new WeakSet<GatewayContext>();
  return {
    name: 'cache',
    admit(request) {
      const document = request.document;
      const current = model();
      const rootType = request.schema.getMutationType()?.name;
      if (request.operation.operation !== OperationTypeNode.MUTATION || !current || !rootType)
        return;
      const name = request.operation.name?.value;
      const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
      const target =
        operations.find((d) => d.name?.value === name) ??
        (operations.length === 1 ? operations[0] : undefined);
      if (!target) return;
      let widened = false;
      // why fragments too: an entity field inside a named fragment is only reached through it.
      const definitions = document.definitions.map((d) => {
        const parentType =
          d === target
            ? rootType
            : d.kind === Kind.FRAGMENT_DEFINITION
              ? d.typeCondition.name.value
              : undefined;
        if (!parentType || !('selectionSet' in d)) return d;
        const selectionSet = selectEntityKeys(
          request.schema,
          current.keyFields,
          parentType,
          d.selectionSet,
        );
        if (!selectionSet) return d;
        widened = true;
        return { ...d, selectionSet };
      });
      if (!widened) return;
      request.document = { ...document, definitions };
      // why: plans are cached by this hash; the widened document must never share the client's.
      request.documentHash = sha256(`${request.documentHash}\ncache-keys`);
      changed.add(request.context);
    },
    complete(request, result) {
      if (changed.has(request.context)) stripAddedKeys(result.data);
    },
  };
}
