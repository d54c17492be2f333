import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** What the shape limits count in one operation, with every fragment spread counted where used. */
export interface OperationCounts {
  /** Fields with an alias (`a: products`), inside fragments too. */
  readonly aliases: number;
  /** Directive applications (`@include`, `@skip`, unknown ones never validate). */
  readonly directives: number;
  /** Distinct response keys on the root type (each alias counts; a repeated field once). */
  readonly rootFields: number;
}

interface SetCounts {
  aliases: number;
  directives: number;
}

/**
 * Counts an operation's aliases, directives and root fields, expanding fragment spreads. Each
 * fragment is counted once and its counts reused at every spread, so a fragment "bomb" (each
 * fragment spreading the next twice) costs linear time; numbers may grow huge, never the work.
 * Pure; runs on documents that have passed validation (no cycles, no unknown fragments), and stays
 * safe on others (a cycle or an unknown fragment counts as nothing).
 */
export function countOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): OperationCounts {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  const memo = new Map<string, SetCounts>();
  const visiting = new Set<string>();

  const fragmentCounts = (name: string): SetCounts => {
    const known = memo.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment || visiting.has(name)) return { aliases: 0, directives: 0 };
    visiting.add(name);
    const counts = setCounts(fragment.selectionSet);
    counts.directives += fragment.directives?.length ?? 0;
    visiting.delete(name);
    memo.set(name, counts);
    return counts;
  };

  const setCounts = (set: SelectionSetNode): SetCounts => {
    const total: SetCounts = { aliases: 0, directives: 0 };
    for (const selection of set.selections) {
      total.directives += selection.directives?.length ?? 0;
      let inner: SetCounts | undefined;
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) total.aliases += 1;
        if (selection.selectionSet) inner = setCounts(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = setCounts(selection.selectionSet);
      } else {
        inner = fragmentCounts(selection.name.value);
      }
      if (inner) {
        total.aliases += inner.aliases;
        total.directives += inner.directives;
      }
    }
    return total;
  };

  // Root fields are counted by response key, as they execute: aliased copies count one each,
  // an unaliased field repeated (which merges into one) counts once.
  const rootKeys = new Set<string>();
  const seenAtRoot = new Set<string>();
  const collectRoot = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD)
        rootKeys.add(selection.alias?.value ?? selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collectRoot(selection.selectionSet);
      else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seenAtRoot.has(selection.name.value)) continue;
        seenAtRoot.add(selection.name.value);
        collectRoot(fragment.selectionSet);
      }
    }
  };

  const counts = setCounts(operation.selectionSet);
  collectRoot(operation.selectionSet);
  const variableDirectives = (operation.variableDefinitions ?? []).reduce(
    (sum, v) => sum + (v.directives?.length ?? 0),
    0,
  );
  return {
    aliases: counts.aliases,
    directives: counts.directives + (operation.directives?.length ?? 0) + variableDirectives,
    rootFields: rootKeys.size,
  };
}
