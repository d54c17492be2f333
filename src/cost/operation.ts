import {
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  isAbstractType,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** One operation of a document, ready to walk: its fragments and its variables with defaults. */
export interface OperationScope {
  readonly schema: GraphQLSchema;
  readonly operation: OperationDefinitionNode;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** Provided variables, then the operation's defaults; a null-prototype object. */
  readonly variables: Readonly<Record<string, unknown>>;
}

/** Finds the operation to run, as GraphQL execution does; undefined when there is none or it is ambiguous. */
export function operationScope(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Readonly<Record<string, unknown>> | undefined,
): OperationScope | undefined {
  const operations: OperationDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
    else if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  const operation = operationName
    ? operations.find((o) => o.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  if (!operation) return undefined;
  // why a null prototype: variable names come from the client (`$__proto__` must stay a plain key).
  const values = Object.create(null) as Record<string, unknown>;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (variables && Object.hasOwn(variables, name)) values[name] = variables[name];
    else if (definition.defaultValue) values[name] = valueFromASTUntyped(definition.defaultValue);
  }
  return { schema, operation, fragments, variables: values };
}

/** The root type of the scope's operation (undefined if the schema has none). */
export function rootType(scope: OperationScope): GraphQLObjectType | undefined {
  return scope.schema.getRootType(scope.operation.operation) ?? undefined;
}

/** The object types a value of `type` can have at run time. */
export function possibleTypes(
  schema: GraphQLSchema,
  type: GraphQLCompositeType,
): readonly GraphQLObjectType[] {
  return isAbstractType(type) ? schema.getPossibleTypes(type) : [type];
}

/**
 * The fields executed for an object of `type`, grouped by response key, as the spec's
 * CollectFields does (https://spec.graphql.org/October2021/#CollectFields): `@skip`/`@include`
 * honoured, fragments that cannot apply to `type` left out, each fragment expanded once per
 * selection set (which also bounds fragment "bombs").
 */
export function collectFields(
  scope: OperationScope,
  type: GraphQLObjectType,
  selectionSets: readonly SelectionSetNode[],
): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (!included(selection.directives, scope.variables)) continue;
      switch (selection.kind) {
        case Kind.FIELD: {
          const key = selection.alias?.value ?? selection.name.value;
          const group = fields.get(key);
          if (group) group.push(selection);
          else fields.set(key, [selection]);
          break;
        }
        case Kind.INLINE_FRAGMENT:
          if (applies(scope.schema, selection.typeCondition?.name.value, type))
            visit(selection.selectionSet);
          break;
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = scope.fragments.get(name);
          if (visited.has(name) || !fragment) break;
          visited.add(name);
          if (applies(scope.schema, fragment.typeCondition.name.value, type))
            visit(fragment.selectionSet);
          break;
        }
      }
    }
  };
  for (const set of selectionSets) visit(set);
  return fields;
}

/** The sub-selections of fields merged under one response key. */
export function subSelections(nodes: readonly FieldNode[]): SelectionSetNode[] {
  return nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
}

/** A field's definition, including the introspection meta-fields. */
export function fieldDefinition(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (type === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return type.getFields()[name];
}

/**
 * `__schema` and `__type`: answered by the gateway from its own schema, never by a subgraph, so
 * they cost nothing (graphql-js's MaxIntrospectionDepthRule bounds them; production turns them off).
 * Matched by field definition, never by an operation's or fragment's name, which a client chooses.
 */
export function isIntrospection(field: GraphQLField<unknown, unknown>): boolean {
  return field === SchemaMetaFieldDef || field === TypeMetaFieldDef;
}

function applies(schema: GraphQLSchema, condition: string | undefined, type: GraphQLObjectType) {
  if (!condition || condition === type.name) return true;
  const conditionType = schema.getType(condition);
  return !!conditionType && isAbstractType(conditionType) && schema.isSubType(conditionType, type);
}

/** `@skip(if:)` / `@include(if:)`, with literals or variables; an unknown condition counts as included. */
function included(
  directives: readonly DirectiveNode[] | undefined,
  variables: Readonly<Record<string, unknown>>,
): boolean {
  for (const directive of directives ?? []) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const argument = directive.arguments?.find((a) => a.name.value === 'if');
    const value: unknown = argument ? valueFromASTUntyped(argument.value, variables) : undefined;
    if (typeof value !== 'boolean') continue;
    if (name === 'skip' ? value : !value) return false;
  }
  return true;
}
