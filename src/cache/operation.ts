import {
  BREAK,
  Kind,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** Small helpers over operation documents, pure. */

/**
 * The document's only operation with every fragment spread replaced by an inline fragment, so each
 * field can be printed, keyed and re-sent on its own. Undefined when the document has several
 * operations or a spread names a missing (or cyclic) fragment.
 */
export function inlineFragments(document: DocumentNode): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operations[0];
  if (operations.length !== 1 || !operation) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  if (!fragments.size) return operation;
  const selectionSet = inlineSet(operation.selectionSet, fragments, new Set());
  return selectionSet ? { ...operation, selectionSet } : undefined;
}

function inlineSet(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  active: ReadonlySet<string>,
): SelectionSetNode | undefined {
  const selections: SelectionSetNode['selections'][number][] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || active.has(name)) return undefined;
      const inner = inlineSet(fragment.selectionSet, fragments, new Set([...active, name]));
      if (!inner) return undefined;
      selections.push({
        kind: Kind.INLINE_FRAGMENT,
        typeCondition: fragment.typeCondition,
        directives: selection.directives,
        selectionSet: inner,
      });
    } else if (selection.selectionSet) {
      const inner = inlineSet(selection.selectionSet, fragments, active);
      if (!inner) return undefined;
      selections.push({ ...selection, selectionSet: inner });
    } else {
      selections.push(selection);
    }
  }
  return { ...selectionSet, selections };
}

/** Whether any directive is applied in the operation (its variable definitions included). */
export function usesDirectives(operation: OperationDefinitionNode): boolean {
  let found = false;
  visit(operation, {
    Directive() {
      found = true;
      return BREAK;
    },
  });
  return found;
}
