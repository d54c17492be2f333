import { Kind, visit, type ConstDirectiveNode, type DocumentNode } from 'graphql';
import { readLinks } from './links.js';

const JOIN_SPEC = 'https://specs.apollo.dev/join/';

const TYPE_DEFINITIONS = new Set<string>([
  Kind.OBJECT_TYPE_DEFINITION,
  Kind.INTERFACE_TYPE_DEFINITION,
  Kind.OBJECT_TYPE_EXTENSION,
  Kind.INTERFACE_TYPE_EXTENSION,
]);

/**
 * Puts every type's resolvable keys before its `resolvable: false` ones (`@join__type` order is the
 * key order of each subgraph the planner extracts). why: to come back to a subgraph after fetching
 * what a `@requires` field needs, `@apollo/query-planner` takes the first key of the type in that
 * subgraph, resolvable or not; a non-resolvable one makes the subgraph answer `null` for the
 * entity. With resolvable keys first, it takes one the subgraph can resolve, where one exists.
 * Nothing else reads the order. Returns the very document when no type needs it.
 */
export function resolvableKeysFirst(document: DocumentNode): DocumentNode {
  const joinType =
    readLinks(document)
      .find((l) => l.url.startsWith(JOIN_SPEC))
      ?.directiveName('type') ?? 'join__type';
  const notResolvable = (d: ConstDirectiveNode) =>
    d.name.value === joinType &&
    d.arguments?.some(
      (a) => a.name.value === 'resolvable' && a.value.kind === Kind.BOOLEAN && !a.value.value,
    ) === true;
  return visit(document, {
    enter(node) {
      if (!TYPE_DEFINITIONS.has(node.kind) || !('directives' in node) || !node.directives)
        return undefined;
      const directives = node.directives as readonly ConstDirectiveNode[];
      const joins = directives.filter((d) => d.name.value === joinType);
      const ordered = [...joins.filter((d) => !notResolvable(d)), ...joins.filter(notResolvable)];
      if (ordered.every((d, i) => d === joins[i])) return undefined;
      let next = 0;
      return {
        ...node,
        directives: directives.map((d) => (d.name.value === joinType ? ordered[next++]! : d)),
      };
    },
  });
}
