import {
  Kind,
  visit,
  type DirectiveNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableNode,
} from 'graphql';

/** The `@skip` / `@include` among `directives`. */
export function skipInclude(
  directives: readonly DirectiveNode[] | undefined,
): readonly DirectiveNode[] {
  return directives?.filter((d) => d.name.value === 'skip' || d.name.value === 'include') ?? [];
}

/** Drops variable definitions only removed selections used, so the document stays valid. */
export function withUsedVariables(
  operation: OperationDefinitionNode,
  used: ReadonlySet<string>,
  body: (fragment: string) => SelectionSetNode | undefined,
): OperationDefinitionNode {
  if (!operation.variableDefinitions?.length) return operation;
  const names = new Set<string>();
  const collect = { Variable: (node: VariableNode) => void names.add(node.name.value) };
  visit(operation.selectionSet, collect);
  for (const directive of operation.directives ?? []) visit(directive, collect);
  for (const name of used) {
    const selections = body(name);
    if (selections) visit(selections, collect);
  }
  const variableDefinitions = operation.variableDefinitions.filter((d) =>
    names.has(d.variable.name.value),
  );
  return variableDefinitions.length === operation.variableDefinitions.length
    ? operation
    : { ...operation, variableDefinitions };
}

/** Fragment names reachable from the operation, through the (filtered) fragment bodies. */
export function usedFragments(
  operation: OperationDefinitionNode,
  body: (name: string) => SelectionSetNode | undefined,
): Set<string> {
  const used = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        if (used.has(name)) continue;
        used.add(name);
        walk(body(name));
      } else if (selection.selectionSet) walk(selection.selectionSet);
    }
  };
  walk(operation.selectionSet);
  return used;
}

/** Response keys of a selection set in execution order: first occurrence, fragments flattened. */
export function responseKeys(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): string[] {
  const keys = new Set<string>();
  const seen = new Set<string>();
  const walk = (selections: SelectionSetNode) => {
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) keys.add(selection.alias?.value ?? selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const definition = fragments.get(selection.name.value);
        if (definition) walk(definition.selectionSet);
      }
    }
  };
  walk(set);
  return [...keys];
}
