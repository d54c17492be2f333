import {
  Kind,
  parse,
  print,
  type ArgumentNode,
  type DocumentNode,
  type SelectionSetNode,
} from 'graphql';
import { readLinks } from './links.js';

/**
 * What `@requires` selects on a type: per field name, each distinct argument list (as
 * `argumentsKey` prints it) with the sub-selection required under it.
 */
export type RequiredFields = ReadonlyMap<string, ReadonlyMap<string, RequiredFields>>;

type MutableRequired = Map<string, Map<string, MutableRequired>>;
const newRequired = (): MutableRequired => new Map<string, Map<string, MutableRequired>>();

/** Type name → the union of the `@requires` field sets of its fields, across subgraphs. */
export type RequiresIndex = ReadonlyMap<string, RequiredFields>;

const JOIN_SPEC = 'https://specs.apollo.dev/join/';

/**
 * Reads every `@join__field(requires: "...")` of the supergraph SDL (the join directive found
 * through its `@link`, so a renamed import works). Field sets that do not parse are skipped:
 * composition has validated them.
 */
export function buildRequiresIndex(supergraph: DocumentNode): RequiresIndex {
  const index = new Map<string, MutableRequired>();
  forEachRequires(supergraph, (typeName, _, set) => {
    let required = index.get(typeName);
    if (!required) index.set(typeName, (required = newRequired()));
    addSelections(required, set);
  });
  return index;
}

/** Type name → requiring field name → what its `@requires` selects (across subgraphs). */
export type RequiresByField = ReadonlyMap<string, ReadonlyMap<string, RequiredFields>>;

/** Like `buildRequiresIndex`, per requiring field. */
export function buildRequiresByField(supergraph: DocumentNode): RequiresByField {
  const index = new Map<string, Map<string, MutableRequired>>();
  forEachRequires(supergraph, (typeName, fieldName, set) => {
    let byField = index.get(typeName);
    if (!byField) index.set(typeName, (byField = new Map<string, MutableRequired>()));
    let required = byField.get(fieldName);
    if (!required) byField.set(fieldName, (required = newRequired()));
    addSelections(required, set);
  });
  return index;
}

/**
 * Whether two requirements select one field (at the same place) with different arguments: one
 * fetch carries one value per response name, so no plan answers both from the right data.
 */
export function requirementsConflict(a: RequiredFields, b: RequiredFields): boolean {
  for (const [name, byArgsA] of a) {
    const byArgsB = b.get(name);
    if (!byArgsB) continue;
    for (const [key, childrenA] of byArgsA) {
      for (const [otherKey, childrenB] of byArgsB) {
        if (key !== otherKey) return true;
        if (requirementsConflict(childrenA, childrenB)) return true;
      }
    }
  }
  return false;
}

function forEachRequires(
  supergraph: DocumentNode,
  each: (typeName: string, fieldName: string, set: SelectionSetNode) => void,
): void {
  const joinField =
    readLinks(supergraph)
      .find((l) => l.url.startsWith(JOIN_SPEC))
      ?.directiveName('field') ?? 'join__field';
  for (const definition of supergraph.definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION
    )
      continue;
    for (const field of definition.fields ?? []) {
      for (const directive of field.directives ?? []) {
        if (directive.name.value !== joinField) continue;
        const requires = directive.arguments?.find((a) => a.name.value === 'requires')?.value;
        if (requires?.kind !== Kind.STRING) continue;
        let set: SelectionSetNode;
        try {
          set = parseFieldSet(requires.value);
        } catch {
          continue;
        }
        each(definition.name.value, field.name.value, set);
      }
    }
  }
}

function parseFieldSet(fieldSet: string): SelectionSetNode {
  const document = parse(`{${fieldSet}}`, { noLocation: true });
  const operation = document.definitions[0];
  if (operation?.kind !== Kind.OPERATION_DEFINITION) throw new Error('not a field set');
  return operation.selectionSet;
}

/** A field's arguments as a key: sorted by name, values printed; `''` without arguments. */
export function argumentsKey(args: readonly ArgumentNode[] | undefined): string {
  if (!args?.length) return '';
  return [...args]
    .sort((a, b) => (a.name.value < b.name.value ? -1 : a.name.value > b.name.value ? 1 : 0))
    .map((a) => `${a.name.value}:${print(a.value)}`)
    .join(',');
}

function addSelections(into: MutableRequired, set: SelectionSetNode): void {
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      // why ignore the type condition: a field of the same name under any condition merges alike
      addSelections(into, selection.selectionSet);
      continue;
    }
    if (selection.kind !== Kind.FIELD) continue;
    const name = selection.name.value;
    let byArguments = into.get(name);
    if (!byArguments) into.set(name, (byArguments = new Map<string, MutableRequired>()));
    const key = argumentsKey(selection.arguments);
    let children = byArguments.get(key);
    if (!children) byArguments.set(key, (children = newRequired()));
    if (selection.selectionSet) addSelections(children, selection.selectionSet);
  }
}
