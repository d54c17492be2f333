import {
  Kind,
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { argumentAlias } from '../execution/reservedAlias.js';
import { argumentsKey, type RequiredFields, type RequiresIndex } from './requiresIndex.js';

/** The document to plan, and the aliases given (alias → the client's response name). */
export interface AliasedDocument {
  readonly document: DocumentNode;
  readonly aliasMap: ReadonlyMap<string, string>;
}

/**
 * Gives every client field that shares its response name with a `@requires` selection of other
 * arguments (`comments(limit: 1)` beside a required `comments(limit: 3)`) a reserved alias, so the
 * planner cannot merge the two into one selection (it would answer the client with the required
 * arguments, or compute the requiring field from the client's). Nested required selections
 * (`category { averagePrice(currency: "USD") }`) are followed under fields the client did not
 * alias; inside named fragments only the requirements of the fragment's own type apply. Pure;
 * returns the very document when nothing needs an alias. The shaper writes the client's name back
 * (`execution/reservedAlias.ts`).
 */
export function aliasRequiredArguments(
  document: DocumentNode,
  schema: GraphQLSchema,
  index: RequiresIndex,
): AliasedDocument {
  const aliasMap = new Map<string, string>();

  const requiredOn = (type: GraphQLNamedType): RequiredFields[] => {
    const names = [type.name];
    if (isObjectType(type)) names.push(...type.getInterfaces().map((i) => i.name));
    if (isAbstractType(type)) names.push(...schema.getPossibleTypes(type).map((t) => t.name));
    return names.flatMap((name) => index.get(name) ?? []);
  };

  const field = (
    node: FieldNode,
    parent: GraphQLNamedType,
    context: readonly RequiredFields[],
  ): FieldNode => {
    const name = node.name.value;
    if (name.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent))) return node;
    const definition = parent.getFields()[name];
    if (!definition) return node;
    const required = [...context, ...requiredOn(parent)].flatMap((r) => r.get(name) ?? []);
    const key = argumentsKey(node.arguments);
    const conflict =
      !node.alias && required.some((byArgs) => [...byArgs.keys()].some((k) => k !== key));
    // why only unaliased: a field under its own name merges with the required one, and so do
    // the selections below it
    const below = node.alias || conflict ? [] : required.flatMap((byArgs) => byArgs.get(key) ?? []);
    const selectionSet =
      node.selectionSet && set(node.selectionSet, getNamedType(definition.type), below);
    if (!conflict && selectionSet === node.selectionSet) return node;
    let alias = node.alias;
    if (conflict) {
      const value = argumentAlias(name);
      aliasMap.set(value, name);
      alias = { kind: Kind.NAME, value };
    }
    return { ...node, alias, selectionSet };
  };

  const set = (
    node: SelectionSetNode,
    parent: GraphQLNamedType,
    context: readonly RequiredFields[],
  ): SelectionSetNode => {
    let changed = false;
    const selections = node.selections.map((selection): SelectionNode => {
      let next: SelectionNode = selection;
      if (selection.kind === Kind.FIELD) next = field(selection, parent, context);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parent;
        const selectionSet = type ? set(selection.selectionSet, type, context) : undefined;
        if (selectionSet && selectionSet !== selection.selectionSet)
          next = { ...selection, selectionSet };
      }
      changed ||= next !== selection;
      return next;
    });
    return changed ? { ...node, selections } : node;
  };

  let changed = false;
  const definitions = document.definitions.map((definition) => {
    const type =
      definition.kind === Kind.OPERATION_DEFINITION
        ? schema.getRootType(definition.operation)
        : definition.kind === Kind.FRAGMENT_DEFINITION
          ? schema.getType(definition.typeCondition.name.value)
          : undefined;
    if (!type || !('selectionSet' in definition)) return definition;
    const selectionSet = set(definition.selectionSet, type, []);
    if (selectionSet === definition.selectionSet) return definition;
    changed = true;
    return { ...definition, selectionSet };
  });
  return { document: changed ? { ...document, definitions } : document, aliasMap };
}
