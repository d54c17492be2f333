import {
  getNamedType,
  isObjectType,
  Kind,
  OperationTypeNode,
  print,
  stripIgnoredCharacters,
  type FieldNode,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { sha256 } from './keys.js';
import type { CacheModel } from './model.js';
import { ADDED_ALIAS_PREFIX, reservedAlias } from './mutationEntities.js';
import { ownPolicy } from './policy.js';
import type { Unit } from './unit.js';

/**
 * A root field returning entities (`products(first: 10) { name price }`) is cached in two layers,
 * so that each entity field keeps its own TTL there too: the *references* the field returns
 * (`[{__typename, id}, …]`, under the root field's own TTL) and each entity's fields, exactly as
 * an `_entities` fetch caches them (and shares them with it). When the references are cached, the
 * missing fields are asked with an `_entities` fetch; otherwise the root field is fetched whole,
 * with its entities' key fields added under reserved aliases. Pure.
 */
export interface RootSplit {
  readonly entityType: string;
  readonly keyFields: readonly string[];
  /** The reference entry: the root field's own policy, keyed without the sub-selection. */
  readonly refs: Unit;
  /** The field as sent when its references are missing: key fields under reserved aliases. */
  readonly widened: FieldNode;
  /** The `_entities` operation asking the sub-selection of the field for given references. */
  readonly entitiesQuery: string;
}

/** How root unit `unit` of a fetch to `subgraph` splits, or undefined when it does not. */
export function compileRootSplit(
  unit: Unit,
  operation: OperationDefinitionNode,
  model: CacheModel,
  subgraph: string,
): RootSplit | undefined {
  const { schema } = model;
  const root = schema.getType(unit.typeName);
  const definition = isObjectType(root) ? root.getFields()[unit.node.name.value] : undefined;
  const entityType = definition && getNamedType(definition.type);
  const selectionSet = unit.node.selectionSet;
  if (!entityType || !isObjectType(entityType) || !selectionSet) return undefined;
  const keyFields = model.keyFields.get(entityType.name);
  const resolvedBy = model.resolvableKeys.get(entityType.name)?.get(subgraph);
  if (!keyFields || resolvedBy?.join(' ') !== keyFields.join(' ')) return undefined;
  if (model.keyUnresolvable.has(`${subgraph}:${unit.typeName}.${unit.node.name.value}`))
    return undefined;
  for (const selection of selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.directives?.length) return undefined;
    if (selection.alias?.value.startsWith(ADDED_ALIAS_PREFIX)) return undefined;
    if (model.keyUnresolvable.has(`${subgraph}:${entityType.name}.${selection.name.value}`))
      return undefined;
  }
  const policy = ownPolicy(schema, model.hints, unit.typeName, unit.node.name.value, true);
  if (policy.maxAge <= 0) return undefined;

  const refs: Unit = {
    ...unit,
    fieldId: sha256(
      JSON.stringify([model.schemaHash, 'refs', unit.typeName, unit.node.name.value]),
    ),
    selectionVariables: [],
    shape: undefined,
    policy,
    dependsOn: [],
    typeGuards: [entityType.name],
  };
  const widened: FieldNode = {
    ...unit.node,
    selectionSet: {
      ...selectionSet,
      selections: [...selectionSet.selections, ...['__typename', ...keyFields].map(reservedAlias)],
    },
  };
  const variables = operation.variableDefinitions?.filter((d) =>
    unit.selectionVariables.includes(d.variable.name.value),
  );
  return {
    entityType: entityType.name,
    keyFields,
    refs,
    widened,
    entitiesQuery: entitiesQuery(entityType.name, unit.node, variables ?? []),
  };
}

const name = (value: string) => ({ kind: Kind.NAME, value }) as const;

function entitiesQuery(
  typeName: string,
  field: FieldNode,
  variables: readonly VariableDefinitionNode[],
): string {
  const representations: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: name('representations') },
    type: {
      kind: Kind.NON_NULL_TYPE,
      type: {
        kind: Kind.LIST_TYPE,
        type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: name('_Any') } },
      },
    },
  };
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    variableDefinitions: [representations, ...variables],
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [
        {
          kind: Kind.FIELD,
          name: name('_entities'),
          arguments: [
            {
              kind: Kind.ARGUMENT,
              name: name('representations'),
              value: { kind: Kind.VARIABLE, name: name('representations') },
            },
          ],
          selectionSet: {
            kind: Kind.SELECTION_SET,
            selections: [
              {
                kind: Kind.INLINE_FRAGMENT,
                typeCondition: { kind: Kind.NAMED_TYPE, name: name(typeName) },
                selectionSet: field.selectionSet!,
              },
            ],
          },
        },
      ],
    },
  };
  return stripIgnoredCharacters(print({ kind: Kind.DOCUMENT, definitions: [operation] }));
}
