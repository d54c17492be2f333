import {
  Kind,
  OperationTypeNode,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** What the subgraph client needs to know about a fetch's GraphQL text. */
export interface FetchShape {
  /** A mutation is never retried. */
  readonly mutation: boolean;
  /** Response names of the root fields, so a failed root fetch gets one error per path. */
  readonly rootFields: readonly string[];
}

/** Bounded memo: a gateway sends a small set of distinct fetch texts (one per plan node). */
const MAX_REMEMBERED = 1000;

/**
 * Reads fetch texts, memoized per text (query plans send the same text for every request that
 * shares a plan). Text that does not parse is treated as a mutation: a wrong "no retry" costs far
 * less than a repeated side effect.
 */
export function createFetchShapes(): (query: string) => FetchShape {
  const known = new Map<string, FetchShape>();
  return (query) => {
    let shape = known.get(query);
    if (!shape) {
      shape = shapeOf(query);
      if (known.size >= MAX_REMEMBERED) known.clear();
      known.set(query, shape);
    }
    return shape;
  };
}

function shapeOf(query: string): FetchShape {
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return { mutation: true, rootFields: [] };
  }
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return { mutation: true, rootFields: [] };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const names = new Set<string>();
  collect(operation.selectionSet, fragments, names, 0);
  return { mutation: operation.operation === OperationTypeNode.MUTATION, rootFields: [...names] };
}

function collect(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  names: Set<string>,
  depth: number,
): void {
  if (depth > 10) return; // why: fragment cycles are invalid GraphQL; never loop on them
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) names.add(selection.alias?.value ?? selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT)
      collect(selection.selectionSet, fragments, names, depth + 1);
    else {
      const fragment = fragments.get(selection.name.value);
      if (fragment) collect(fragment.selectionSet, fragments, names, depth + 1);
    }
  }
}
