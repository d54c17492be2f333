import { Kind, type DirectiveNode, type DocumentNode } from 'graphql';
import type { DirectiveIndex } from '../supergraph/directiveIndex.js';
import { findDirectiveName, readLinks } from '../supergraph/links.js';

const JOIN_SPEC = 'https://specs.apollo.dev/join/';

/**
 * The scopes each subgraph may see in its internal token, from the supergraph: every scope of the
 * `@requiresScopes` on its own types and fields (where `@join__type`/`@join__field` place them),
 * plus `extra[name]` and `extra['*']` (what its own code checks, such as the staff scope
 * `read:users:all`). A requirement whose subgraph cannot be told goes to every subgraph. Pure;
 * run on every supergraph (re)load.
 */
export function subgraphScopes(
  document: DocumentNode,
  index: DirectiveIndex,
  extra: ReadonlyMap<string, readonly string[]>,
): ReadonlyMap<string, ReadonlySet<string>> {
  const links = readLinks(document);
  const join = {
    graph: findDirectiveName(links, JOIN_SPEC, 'graph') ?? 'join__graph',
    type: findDirectiveName(links, JOIN_SPEC, 'type') ?? 'join__type',
    field: findDirectiveName(links, JOIN_SPEC, 'field') ?? 'join__field',
  };
  // join__Graph enum value (`PAYMENT`) → subgraph name (`payment`).
  const graphNames = new Map<string, string>();
  // Schema coordinate (`Type`, `Type.field`) → the subgraphs that define it.
  const owners = new Map<string, Set<string>>();
  const graphsOf = (directives: readonly DirectiveNode[] | undefined, name: string) => {
    const graphs = new Set<string>();
    for (const d of directives ?? []) {
      if (d.name.value !== name) continue;
      const graph = d.arguments?.find((a) => a.name.value === 'graph')?.value;
      if (graph?.kind === Kind.ENUM) graphs.add(graph.value);
    }
    return graphs;
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION) {
      for (const value of definition.values ?? []) {
        const directive = value.directives?.find((d) => d.name.value === join.graph);
        const name = directive?.arguments?.find((a) => a.name.value === 'name')?.value;
        if (name?.kind === Kind.STRING) graphNames.set(value.name.value, name.value);
      }
    }
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const typeName = definition.name.value;
    const typeGraphs = graphsOf(definition.directives, join.type);
    owners.set(typeName, typeGraphs);
    if (!('fields' in definition)) continue;
    for (const field of definition.fields ?? []) {
      const fieldGraphs = graphsOf(field.directives, join.field);
      owners.set(`${typeName}.${field.name.value}`, fieldGraphs.size ? fieldGraphs : typeGraphs);
    }
  }

  const every = [...graphNames.values()];
  const scopes = new Map<string, Set<string>>(every.map((name) => [name, new Set<string>()]));
  const add = (subgraph: string, scope: string) => {
    let set = scopes.get(subgraph);
    if (!set) scopes.set(subgraph, (set = new Set()));
    set.add(scope);
  };
  for (const [coordinate, requirement] of index.access) {
    const graphs = owners.get(coordinate);
    const targets = graphs?.size
      ? [...graphs].map((g) => graphNames.get(g) ?? g.toLowerCase())
      : every;
    for (const alternative of requirement.scopes ?? [])
      for (const scope of alternative) for (const target of targets) add(target, scope);
  }
  for (const [name, list] of extra)
    for (const target of name === '*' ? every : [name])
      for (const scope of list) add(target, scope);
  return scopes;
}
