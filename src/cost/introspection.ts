import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  valueFromASTUntyped,
  type FieldNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { collectFields, subSelections, type OperationScope } from './operation.js';
import { returnsList } from './weights.js';

/**
 * The cost of `__schema` and `__type` selections by the size of what they return (Apollo Router
 * counts introspection too): the estimate's formula with the introspection types' default weights
 * (an object 1, a leaf 0) and list sizes taken from the schema itself, never from the client. Each
 * `__Schema.types` entry is costed by its kind's average (objects by their average number of fields,
 * enums by their values, …), `__type(name:)` by the named type's own counts, any other `__Type`
 * (a field's type, `ofType`) by the largest of the kinds' averages. Pure; the list sizes are
 * worked out once per schema.
 */
export function introspectionFieldCost(
  scope: OperationScope,
  field: '__schema' | '__type',
  nodes: readonly FieldNode[],
): number {
  const sizes = sizesOf(scope.schema);
  const sets = subSelections(nodes);
  if (field === '__schema') return 1 + selectionCost(scope, sizes, '__Schema', sets, undefined);
  const argument = nodes[0]!.arguments?.find((a) => a.name.value === 'name');
  const name: unknown = argument && valueFromASTUntyped(argument.value, scope.variables);
  let profile = sizes.unknown;
  if (typeof name === 'string') {
    const type = scope.schema.getType(name);
    if (!type) return 1; // answered null: asked, nothing listed
    profile = profileOf(scope.schema, type);
  }
  return 1 + selectionCost(scope, sizes, '__Type', sets, profile);
}

/** List sizes of one `__Type`. */
interface TypeProfile {
  readonly fields: number;
  readonly interfaces: number;
  readonly possibleTypes: number;
  readonly enumValues: number;
  readonly inputFields: number;
}

interface IntrospectionSizes {
  /** One entry per kind of type: how many the schema has, and their average list sizes. */
  readonly kinds: readonly { readonly count: number; readonly profile: TypeProfile }[];
  /** A `__Type` that could be any: the largest average of each list. */
  readonly unknown: TypeProfile;
  readonly fieldArgs: number;
  readonly directives: number;
  readonly directiveArgs: number;
  readonly directiveLocations: number;
}

const cache = new WeakMap<GraphQLSchema, IntrospectionSizes>();

function sizesOf(schema: GraphQLSchema): IntrospectionSizes {
  let sizes = cache.get(schema);
  if (!sizes) cache.set(schema, (sizes = measure(schema)));
  return sizes;
}

function profileOf(schema: GraphQLSchema, type: GraphQLNamedType): TypeProfile {
  const hasFields = isObjectType(type) || isInterfaceType(type);
  return {
    fields: hasFields ? Object.keys(type.getFields()).length : 0,
    interfaces: hasFields ? type.getInterfaces().length : 0,
    possibleTypes:
      isInterfaceType(type) || isUnionType(type) ? schema.getPossibleTypes(type).length : 0,
    enumValues: isEnumType(type) ? type.getValues().length : 0,
    inputFields: isInputObjectType(type) ? Object.keys(type.getFields()).length : 0,
  };
}

function kindOf(type: GraphQLNamedType): string {
  if (isObjectType(type)) return 'object';
  if (isInterfaceType(type)) return 'interface';
  if (isUnionType(type)) return 'union';
  if (isEnumType(type)) return 'enum';
  if (isInputObjectType(type)) return 'input';
  return 'scalar';
}

const KEYS = ['fields', 'interfaces', 'possibleTypes', 'enumValues', 'inputFields'] as const;

function measure(schema: GraphQLSchema): IntrospectionSizes {
  const byKind = new Map<string, TypeProfile[]>();
  let fields = 0;
  let args = 0;
  for (const type of Object.values(schema.getTypeMap())) {
    const kind = kindOf(type);
    const list = byKind.get(kind) ?? [];
    list.push(profileOf(schema, type));
    byKind.set(kind, list);
    if (isObjectType(type) || isInterfaceType(type))
      for (const field of Object.values(type.getFields())) {
        fields += 1;
        args += field.args.length;
      }
  }
  const average = (profiles: readonly TypeProfile[], key: (typeof KEYS)[number]) =>
    profiles.reduce((sum, p) => sum + p[key], 0) / profiles.length;
  const kinds = [...byKind.values()].map((profiles) => ({
    count: profiles.length,
    profile: Object.fromEntries(
      KEYS.map((k) => [k, average(profiles, k)]),
    ) as unknown as TypeProfile,
  }));
  const unknown = Object.fromEntries(
    KEYS.map((k) => [k, Math.max(0, ...kinds.map((kind) => kind.profile[k]))]),
  ) as unknown as TypeProfile;
  const directives = schema.getDirectives();
  const perDirective = (n: (d: (typeof directives)[number]) => number) =>
    directives.length ? directives.reduce((sum, d) => sum + n(d), 0) / directives.length : 0;
  return {
    kinds,
    unknown,
    fieldArgs: fields ? args / fields : 0,
    directives: directives.length,
    directiveArgs: perDirective((d) => d.args.length),
    directiveLocations: perDirective((d) => d.locations.length),
  };
}

/** A selection on an introspection type; `profile` gives a `__Type`'s list sizes. */
function selectionCost(
  scope: OperationScope,
  sizes: IntrospectionSizes,
  typeName: string,
  sets: readonly SelectionSetNode[],
  profile: TypeProfile | undefined,
): number {
  const type = scope.schema.getType(typeName);
  if (!isObjectType(type)) return 0;
  let cost = 0;
  for (const [, nodes] of collectFields(scope, type, sets)) {
    const definition = type.getFields()[nodes[0]!.name.value];
    if (!definition) continue; // __typename: a leaf
    const named = getNamedType(definition.type);
    if (!isObjectType(named)) continue; // leaves (names, kinds, locations) weigh 0
    const subs = subSelections(nodes);
    const child = named.name === '__Type' ? sizes.unknown : undefined;
    if (!returnsList(definition)) {
      cost += 1 + selectionCost(scope, sizes, named.name, subs, child);
    } else if (typeName === '__Schema' && definition.name === 'types') {
      for (const kind of sizes.kinds)
        cost += kind.count * (1 + selectionCost(scope, sizes, '__Type', subs, kind.profile));
    } else {
      const size = listSize(sizes, typeName, definition.name, profile);
      // an empty (or null) list was still asked for: its weight, as for any list
      cost += size === 0 ? 1 : size * (1 + selectionCost(scope, sizes, named.name, subs, child));
    }
  }
  return cost;
}

function listSize(
  sizes: IntrospectionSizes,
  typeName: string,
  field: string,
  profile: TypeProfile | undefined,
): number {
  if (typeName === '__Type') {
    const key = KEYS.find((k) => k === field);
    return key ? (profile ?? sizes.unknown)[key] : 0;
  }
  if (typeName === '__Schema' && field === 'directives') return sizes.directives;
  if (typeName === '__Field' && field === 'args') return sizes.fieldArgs;
  if (typeName === '__Directive' && field === 'args') return sizes.directiveArgs;
  if (typeName === '__Directive' && field === 'locations') return sizes.directiveLocations;
  return 0;
}
