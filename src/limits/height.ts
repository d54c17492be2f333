import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The merged selection tree of a selection set: response key → the merged sub-selections of every
 * field with that key (`null` for a leaf).
 */
type Tree = Map<string, Tree | null>;

/** Past the cap: the counting stopped, the operation is over the limit. */
class OverCap extends Error {}

/**
 * The height of an operation: the number of unique field selections in it, counted as Apollo
 * Router's `max_height` counts them, with fragments expanded and fields merged as execution merges
 * them: fields with the same response key (alias, else name) under the same parent count once,
 * their sub-selections merged; each alias counts on its own; `__typename` and introspection fields
 * count like any field. So `{ __typename __typename }` has height 1, `{ a { b } a { c } }` height 3
 * (a, b, c) and `{ x: a y: a }` height 2.
 *
 * Pure; safe on any parsed document (a cycle or an unknown fragment counts as nothing), in time
 * bounded by the document's size times `cap`: each fragment is merged once and reused at every
 * spread, and counting stops as soon as the height passes `cap`. Returns the height, or `cap + 1`
 * for any height above `cap`.
 */
export function operationHeight(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  cap: number,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, Tree>();
  const visiting = new Set<string>();

  // The tree being built and its size (nodes), kept in step as fields are merged in.
  let size = 0;
  const add = (): void => {
    size += 1;
    if (size > cap) throw new OverCap();
  };

  const mergeTree = (into: Tree, from: Tree): void => {
    for (const [key, sub] of from) {
      let target = into.get(key);
      if (target === undefined) {
        add();
        target = sub ? new Map<string, Tree | null>() : null;
        into.set(key, target);
      } else if (target === null && sub) {
        target = new Map<string, Tree | null>();
        into.set(key, target);
      }
      if (sub && target) mergeTree(target, sub);
    }
  };

  const fragmentTree = (name: string): Tree | undefined => {
    const known = memo.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment || visiting.has(name)) return undefined;
    visiting.add(name);
    // A fragment's own tree is measured with its own size, then merged at each spread.
    const outer = size;
    size = 0;
    const tree: Tree = new Map();
    try {
      collect(fragment.selectionSet, tree);
    } finally {
      size = outer;
      visiting.delete(name);
    }
    memo.set(name, tree);
    return tree;
  };

  const collect = (set: SelectionSetNode, into: Tree): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        let target = into.get(key);
        if (target === undefined) {
          add();
          target = selection.selectionSet ? new Map<string, Tree | null>() : null;
          into.set(key, target);
        } else if (target === null && selection.selectionSet) {
          target = new Map<string, Tree | null>();
          into.set(key, target);
        }
        if (selection.selectionSet && target) collect(selection.selectionSet, target);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet, into);
      } else {
        const tree = fragmentTree(selection.name.value);
        if (tree) mergeTree(into, tree);
      }
    }
  };

  try {
    collect(operation.selectionSet, new Map());
  } catch (error) {
    if (error instanceof OverCap) return cap + 1;
    throw error;
  }
  return size;
}
