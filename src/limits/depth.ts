import depthLimit from 'graphql-depth-limit';
import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type SelectionSetNode,
} from 'graphql';

/**
 * Above this many selections with fragments flattened, `graphql-depth-limit`'s walk (which
 * re-walks a fragment at every spread) is replaced by `flattenedShape`'s answer, which is the same
 * but memoized: a 900-token document of fragments each spreading the next twice flattens to
 * 4 million selections, passes Apollo's 10-million recursive-selection guard, and would hold the
 * event loop for about a second in the library.
 */
const LIBRARY_WALK_LIMIT = 20_000;

/**
 * Whether an operation of the document nests fields deeper than `maxDepth`, counted as
 * `graphql-depth-limit` counts (fragments flattened): `{ a { b } }` has depth 1. Unlike the
 * library, introspection fields count (as Apollo Router counts them): `{ __schema { types { name } } }`
 * has depth 2. Runs only on documents that passed validation: the library recurses forever on
 * fragment cycles and throws on unknown fragments.
 */
export function exceedsDepth(document: DocumentNode, maxDepth: number): boolean {
  // Introspection fields count too, as Apollo Router counts them: the library skips every `__`
  // field, which would let `__schema { types { fields { type { … } } } }` nest freely.
  if (flattenedShape(document, true).depth > maxDepth) return true;
  const shape = flattenedShape(document);
  if (shape.selections > LIBRARY_WALK_LIMIT || hasPrototypeName(document))
    return shape.depth > maxDepth;
  const errors: GraphQLError[] = [];
  // The rule reads nothing of a validation context but the document and an error sink, so it runs
  // without a second `validate` pass over the document.
  const rule = depthLimit(maxDepth) as (context: unknown) => unknown;
  rule({
    getDocument: () => document,
    reportError: (error: GraphQLError) => {
      errors.push(error);
    },
  });
  return errors.length > 0;
}

/**
 * Whether an operation or fragment is named like an `Object.prototype` member (`__proto__`,
 * `constructor`…): the library keys definitions by name in plain objects and throws on them.
 */
function hasPrototypeName(document: DocumentNode): boolean {
  return document.definitions.some(
    (d) =>
      (d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) &&
      d.name !== undefined &&
      d.name.value in Object.prototype,
  );
}

/**
 * The deepest operation's depth (`graphql-depth-limit`'s convention: `__` fields ignored unless
 * `countIntrospection`) and the number of selections with every fragment spread expanded, in time
 * linear in the document: each fragment is measured once. A cycle or an unknown fragment counts as
 * nothing.
 */
export function flattenedShape(
  document: DocumentNode,
  countIntrospection = false,
): { depth: number; selections: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, { depth: number; selections: number }>();
  const visiting = new Set<string>();

  const measure = (set: SelectionSetNode): { depth: number; selections: number } => {
    let depth = 0;
    let selections = 0;
    for (const selection of set.selections) {
      selections += 1;
      let inner = { depth: 0, selections: 0 };
      if (selection.kind === Kind.FIELD) {
        if (
          selection.selectionSet &&
          (countIntrospection || !selection.name.value.startsWith('__'))
        ) {
          inner = measure(selection.selectionSet);
          inner = { depth: inner.depth + 1, selections: inner.selections };
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = measure(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        const known = memo.get(name);
        if (known) inner = known;
        else if (fragment && !visiting.has(name)) {
          visiting.add(name);
          inner = measure(fragment.selectionSet);
          visiting.delete(name);
          memo.set(name, inner);
        }
      }
      depth = Math.max(depth, inner.depth);
      selections += inner.selections;
    }
    return { depth, selections };
  };

  let depth = 0;
  let selections = 0;
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const shape = measure(d.selectionSet);
    depth = Math.max(depth, shape.depth);
    selections += shape.selections;
  }
  return { depth, selections };
}
