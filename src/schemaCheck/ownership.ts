import {
  Kind,
  type ConstDirectiveNode,
  type DefinitionNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  type TypeDefinitionNode,
} from 'graphql';

/**
 * Which subgraphs define each schema coordinate of a supergraph, read from the join spec:
 * `@join__type(graph:)` on types, `@join__field(graph:)` on fields (a field without one belongs to
 * every subgraph of its type), `@join__enumValue(graph:)` on enum values. Arguments belong to their
 * field. Names are subgraph names (`product`), not join enum values (`PRODUCT`).
 */
export function readOwnership(document: DocumentNode): ReadonlyMap<string, readonly string[]> {
  const graphNames = readGraphNames(document);
  const owners = new Map<string, readonly string[]>();
  const graphsOf = (directives: readonly ConstDirectiveNode[] | undefined, name: string) => {
    const found = new Set<string>();
    for (const d of directives ?? []) {
      if (d.name.value !== name) continue;
      if (argument(d, 'external') === 'true') continue;
      const graph = argument(d, 'graph');
      if (graph) found.add(graphNames.get(graph) ?? graph.toLowerCase());
    }
    return [...found].sort();
  };

  for (const definition of document.definitions) {
    if (!isTypeDefinition(definition)) continue;
    const typeName = definition.name.value;
    const typeOwners = graphsOf(definition.directives, 'join__type');
    if (typeOwners.length === 0) continue; // not part of any subgraph: link/join machinery
    owners.set(typeName, typeOwners);
    if ('fields' in definition) {
      const fields: readonly (FieldDefinitionNode | InputValueDefinitionNode)[] =
        definition.fields ?? [];
      for (const field of fields) {
        const own = graphsOf(field.directives, 'join__field');
        const coordinate = `${typeName}.${field.name.value}`;
        const fieldOwners = own.length ? own : typeOwners;
        owners.set(coordinate, fieldOwners);
        if (field.kind === Kind.FIELD_DEFINITION) {
          for (const arg of field.arguments ?? [])
            owners.set(`${coordinate}(${arg.name.value}:)`, fieldOwners);
        }
      }
    }
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION) {
      for (const value of definition.values ?? []) {
        const own = graphsOf(value.directives, 'join__enumValue');
        owners.set(`${typeName}.${value.name.value}`, own.length ? own : typeOwners);
      }
    }
  }
  return owners;
}

/** `join__Graph` enum value → subgraph name, from `@join__graph(name:)`. */
function readGraphNames(document: DocumentNode): Map<string, string> {
  const names = new Map<string, string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph')
      continue;
    for (const value of definition.values ?? []) {
      const graph = value.directives?.find((d) => d.name.value === 'join__graph');
      const name = graph && argument(graph, 'name');
      if (name) names.set(value.name.value, name);
    }
  }
  return names;
}

function isTypeDefinition(definition: DefinitionNode): definition is TypeDefinitionNode {
  switch (definition.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
    case Kind.ENUM_TYPE_DEFINITION:
    case Kind.UNION_TYPE_DEFINITION:
    case Kind.SCALAR_TYPE_DEFINITION:
      return true;
    default:
      return false;
  }
}

/** An argument's value as a string (enum, string or boolean literal). */
function argument(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  if (value?.kind === Kind.ENUM || value?.kind === Kind.STRING) return value.value;
  if (value?.kind === Kind.BOOLEAN) return String(value.value);
  return undefined;
}
