import {
  Kind,
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { refusedAlias } from '../execution/reservedAlias.js';
import {
  requirementsConflict,
  type RequiredFields,
  type RequiresByField,
} from './requiresIndex.js';

interface Selected {
  readonly node: FieldNode;
  readonly required: RequiredFields;
}

/**
 * Two `@requires` fields of one object that select the same field with different arguments
 * (`a @requires(fields: "price(currency: \"USD\")")`, `b @requires(fields: "price(currency:
 * \"EUR\")")`): the planner fetches one `price` for the entity and computes both from it, so one
 * of them is wrong. No single plan carries both values, so of the requiring fields one object
 * of the query selects (across fragments and repeated selections), the first in document order is
 * planned and every later one whose requirement conflicts with a planned one is replaced by a
 * `__typename` under a reserved alias (`refusedAlias`), which the shaper answers with a
 * `REQUIRES_ARGUMENT_CONFLICT` error at the field's path, never with a value computed from the
 * other's data. A field inside a named fragment is replaced in the fragment, so in each of its
 * spreads. Pure; returns the very document when nothing conflicts.
 */
export function refuseConflictingRequires(
  document: DocumentNode,
  schema: GraphQLSchema,
  byField: RequiresByField,
): DocumentNode {
  if (byField.size === 0) return document;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);

  // response path (operation index, response names) → object type → requiring fields selected
  const scopes = new Map<string, Map<string, Selected[]>>();
  const objectTypes = (type: GraphQLNamedType): string[] =>
    isObjectType(type)
      ? [type.name]
      : isAbstractType(type)
        ? schema.getPossibleTypes(type).map((t) => t.name)
        : [];

  const walk = (
    set: SelectionSetNode,
    type: GraphQLNamedType,
    possible: readonly string[],
    path: string,
    visiting: ReadonlySet<string>,
  ): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
        const definition = type.getFields()[name];
        if (!definition) continue;
        for (const typeName of possible) {
          const required = byField.get(typeName)?.get(name);
          if (!required) continue;
          let scope = scopes.get(path);
          if (!scope) scopes.set(path, (scope = new Map<string, Selected[]>()));
          let selected = scope.get(typeName);
          if (!selected) scope.set(typeName, (selected = []));
          selected.push({ node: selection, required });
        }
        if (selection.selectionSet) {
          const below = getNamedType(definition.type);
          const responseName = selection.alias?.value ?? name;
          walk(
            selection.selectionSet,
            below,
            objectTypes(below),
            `${path}.${responseName}`,
            visiting,
          );
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : type;
        if (!condition) continue;
        const narrowed = new Set(objectTypes(condition));
        walk(
          selection.selectionSet,
          condition,
          possible.filter((t) => narrowed.has(t)),
          path,
          visiting,
        );
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) continue;
        const condition = schema.getType(fragment.typeCondition.name.value);
        if (!condition) continue;
        const narrowed = new Set(objectTypes(condition));
        walk(
          fragment.selectionSet,
          condition,
          possible.filter((t) => narrowed.has(t)),
          path,
          new Set([...visiting, name]),
        );
      }
    }
  };

  document.definitions.forEach((definition, index) => {
    if (definition.kind !== Kind.OPERATION_DEFINITION) return;
    const root = schema.getRootType(definition.operation);
    if (root) walk(definition.selectionSet, root, [root.name], `${index}`, new Set());
  });

  const refused = new Set<FieldNode>();
  for (const scope of scopes.values())
    for (const selected of scope.values()) {
      const planned: Selected[] = [];
      for (const candidate of selected) {
        if (refused.has(candidate.node)) continue;
        if (planned.some((p) => requirementsConflict(p.required, candidate.required)))
          refused.add(candidate.node);
        else planned.push(candidate);
      }
    }
  if (refused.size === 0) return document;

  return visit(document, {
    Field(node) {
      if (!refused.has(node)) return undefined;
      const fieldName = node.name.value;
      return {
        kind: Kind.FIELD,
        alias: {
          kind: Kind.NAME,
          value: refusedAlias(node.alias?.value ?? fieldName, fieldName),
        },
        name: { kind: Kind.NAME, value: '__typename' },
        arguments: [],
        directives: node.directives ?? [],
      } satisfies FieldNode;
    },
  });
}
