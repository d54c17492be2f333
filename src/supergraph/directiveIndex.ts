import {
  Kind,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
} from 'graphql';
import { findDirectiveName, readLinks, SPEC } from './links.js';

/** What a caller needs to see a field or type. Alternatives are OR-ed, inner lists AND-ed. */
export interface AccessRequirement {
  readonly authenticated: boolean;
  readonly scopes: ReadonlyArray<readonly string[]> | undefined;
  readonly policies: ReadonlyArray<readonly string[]> | undefined;
}

export interface ListSizeHint {
  readonly assumedSize: number | undefined;
  readonly slicingArguments: readonly string[];
  readonly sizedFields: readonly string[];
  readonly requireOneSlicingArgument: boolean;
}

export interface CacheHint {
  readonly maxAge: number | undefined;
  readonly scope: 'PUBLIC' | 'PRIVATE' | undefined;
  readonly inheritMaxAge: boolean;
}

/**
 * Every auth, cost and cache-control application of a supergraph, by schema coordinate
 * (`Type`, `Type.field`, `Type.field(arg:)`). It is the only source of these directives: the API
 * schema `@apollo/gateway` exposes has lost them.
 */
export interface DirectiveIndex {
  readonly access: ReadonlyMap<string, AccessRequirement>;
  readonly cost: ReadonlyMap<string, number>;
  readonly listSize: ReadonlyMap<string, ListSizeHint>;
  readonly cacheControl: ReadonlyMap<string, CacheHint>;
}

/** Builds the index from a parsed supergraph; pure, run on every (re)load. */
export function buildDirectiveIndex(document: DocumentNode): DirectiveIndex {
  const links = readLinks(document);
  const names = {
    authenticated: findDirectiveName(links, SPEC.authenticated, 'authenticated'),
    requiresScopes: findDirectiveName(links, SPEC.requiresScopes, 'requiresScopes'),
    policy: findDirectiveName(links, SPEC.policy, 'policy'),
    cost: findDirectiveName(links, SPEC.cost, 'cost'),
    listSize: findDirectiveName(links, SPEC.cost, 'listSize'),
    cacheControl: findDirectiveName(links, SPEC.cacheControl, 'cacheControl'),
  };
  const access = new Map<string, AccessRequirement>();
  const cost = new Map<string, number>();
  const listSize = new Map<string, ListSizeHint>();
  const cacheControl = new Map<string, CacheHint>();

  const visit = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined) => {
    if (!directives?.length) return;
    const byName = (name: string | undefined) =>
      name ? directives.filter((d) => d.name.value === name) : [];
    const authenticated = byName(names.authenticated).length > 0;
    const scopes = byName(names.requiresScopes).map((d) => nestedStrings(arg(d, 'scopes')));
    const policies = byName(names.policy).map((d) => nestedStrings(arg(d, 'policies')));
    if (authenticated || scopes.length || policies.length) {
      access.set(coordinate, {
        authenticated,
        scopes: scopes.length ? combineAnd(scopes) : undefined,
        policies: policies.length ? combineAnd(policies) : undefined,
      });
    }
    for (const d of byName(names.cost)) {
      const weight = arg(d, 'weight');
      if (typeof weight === 'number') cost.set(coordinate, weight);
    }
    for (const d of byName(names.listSize)) {
      const assumed = arg(d, 'assumedSize');
      const requireOne = arg(d, 'requireOneSlicingArgument');
      listSize.set(coordinate, {
        assumedSize: typeof assumed === 'number' ? assumed : undefined,
        slicingArguments: strings(arg(d, 'slicingArguments')),
        sizedFields: strings(arg(d, 'sizedFields')),
        requireOneSlicingArgument: requireOne !== false,
      });
    }
    for (const d of byName(names.cacheControl)) {
      const maxAge = arg(d, 'maxAge');
      const scope = arg(d, 'scope');
      cacheControl.set(coordinate, {
        maxAge: typeof maxAge === 'number' ? maxAge : undefined,
        scope: scope === 'PRIVATE' || scope === 'PUBLIC' ? scope : undefined,
        inheritMaxAge: arg(d, 'inheritMaxAge') === true,
      });
    }
  };

  const visitFields = (
    typeName: string,
    fields: readonly (FieldDefinitionNode | InputValueDefinitionNode)[] | undefined,
  ) => {
    for (const field of fields ?? []) {
      const coordinate = `${typeName}.${field.name.value}`;
      visit(coordinate, field.directives);
      if (field.kind === Kind.FIELD_DEFINITION) {
        for (const argument of field.arguments ?? [])
          visit(`${coordinate}(${argument.name.value}:)`, argument.directives);
      }
    }
  };

  for (const definition of document.definitions) {
    switch (definition.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_EXTENSION:
        visit(definition.name.value, definition.directives);
        visitFields(definition.name.value, definition.fields);
        break;
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.UNION_TYPE_EXTENSION:
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_EXTENSION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_EXTENSION:
        visit(definition.name.value, definition.directives);
        break;
      default:
        break;
    }
  }
  return { access, cost, listSize, cacheControl };
}

function arg(directive: ConstDirectiveNode, name: string): unknown {
  const node = directive.arguments?.find((a) => a.name.value === name)?.value;
  return node ? valueFromASTUntyped(node) : undefined;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function nestedStrings(value: unknown): string[][] {
  return Array.isArray(value) ? value.map((inner) => strings(inner)) : [];
}

/** Two applications of one directive must both hold: (a OR b) AND (c) = a·c OR b·c. */
function combineAnd(groups: readonly string[][][]): string[][] {
  return groups.reduce<string[][]>(
    (acc, alternatives) =>
      acc.flatMap((left) => alternatives.map((right) => [...new Set([...left, ...right])])),
    [[]],
  );
}
