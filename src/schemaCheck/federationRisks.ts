import {
  Supergraph,
  isInterfaceType,
  isObjectType,
  type FieldDefinition,
  type ObjectType,
  type InterfaceType,
} from '@apollo/federation-internals';
import { prepareSupergraph } from '../supergraph/prepare.js';
import { argumentsKey } from '../supergraph/requiresIndex.js';
import { Kind, parse, type SelectionSetNode } from 'graphql';
import type { Finding } from './findings.js';

/**
 * Schema shapes `@apollo/query-planner` cannot plan correctly, which the gateway answers with an
 * error at the path (never wrong data), so a backend team learns of them before clients do:
 * - `requires-unresolvable`: a `@requires` field of a type its subgraph cannot resolve by any key
 *   (every key `resolvable: false`): the field is never answered (error).
 * - `requires-argument-conflict`: two `@requires` of one type select the same field with other
 *   arguments; one fetch can carry one value per name, so a query selecting both on one object
 *   gets the first, and `REQUIRES_ARGUMENT_CONFLICT` at the path of the other
 *   (`supergraph/requiresConflicts.ts`) (error).
 * - `unreachable-interface-object`: an `@interfaceObject` type its subgraph cannot resolve by any
 *   key: its fields only that subgraph defines are answered where that subgraph returns the object
 *   itself, an error everywhere else (warning).
 * A `@requires` selecting a field the client also selects with other arguments is no risk: the
 * gateway gives the client's field a reserved alias before planning.
 */
export function findFederationRisks(supergraphSdl: string): Finding[] {
  const findings: Finding[] = [];
  // why the prepared SDL: the security `@link`s are what the gateway loads too (`prepare.ts`)
  const gatewaySdl = prepareSupergraph(supergraphSdl).gatewaySdl;
  for (const subgraph of Supergraph.build(gatewaySdl).subgraphs().values()) {
    const metadata = subgraph.metadata();
    const keyDirective = metadata.keyDirective();
    const requiresDirective = metadata.requiresDirective();
    const types: (ObjectType | InterfaceType)[] = [
      ...subgraph.schema.types().filter((t): t is ObjectType => isObjectType(t)),
      ...subgraph.schema.types().filter((t): t is InterfaceType => isInterfaceType(t)),
    ];
    for (const type of types) {
      const keys = type.appliedDirectivesOf(keyDirective);
      const resolvable = keys.some((k) => k.arguments().resolvable !== false);
      const requiring = type
        .fields()
        .filter((f) => f.appliedDirectivesOf(requiresDirective).length > 0);
      const at = (field: FieldDefinition<ObjectType | InterfaceType>) =>
        `${type.name}.${field.name}`;
      if (keys.length > 0 && !resolvable) {
        for (const field of requiring)
          findings.push({
            kind: 'federation-risk',
            severity: 'error',
            code: 'requires-unresolvable',
            message: `${at(field)} @requires fields from other subgraphs, but subgraph "${subgraph.name}" cannot resolve ${type.name} by any key (all are resolvable: false): no query plan can answer it. Make one of its keys resolvable.`,
            subgraphs: [subgraph.name],
            coordinate: at(field),
          });
        if (metadata.isInterfaceObjectType(type)) {
          const keyFields = new Set(keys.flatMap((k) => fieldNames(String(k.arguments().fields))));
          for (const field of type.fields())
            if (!keyFields.has(field.name) && !field.isSchemaIntrospectionField())
              findings.push({
                kind: 'federation-risk',
                severity: 'warning',
                code: 'unreachable-interface-object',
                message: `${at(field)} is defined by @interfaceObject ${type.name} in subgraph "${subgraph.name}", which cannot resolve ${type.name} by its key: wherever another subgraph returns a ${type.name}, the gateway answers it with a FIELD_UNREACHABLE error.`,
                subgraphs: [subgraph.name],
                coordinate: at(field),
              });
        }
      }
      findings.push(...argumentConflicts(type.name, subgraph.name, requiring, requiresDirective));
    }
  }
  return findings;
}

type Requiring = FieldDefinition<ObjectType | InterfaceType>;

/** Fields of one type whose `@requires` select the same field (at the same place) with other arguments. */
function argumentConflicts(
  typeName: string,
  subgraph: string,
  requiring: readonly Requiring[],
  requiresDirective: Parameters<Requiring['appliedDirectivesOf']>[0],
): Finding[] {
  // path of a required field ("price", "category.averagePrice") → arguments → requiring fields
  const seen = new Map<string, Map<string, string[]>>();
  for (const field of requiring)
    for (const applied of field.appliedDirectivesOf(requiresDirective)) {
      const { fields } = applied.arguments() as { fields: string };
      walk(parseFieldSet(fields), '', (path, args) => {
        let byArgs = seen.get(path);
        if (!byArgs) seen.set(path, (byArgs = new Map<string, string[]>()));
        const list = byArgs.get(args) ?? [];
        if (!list.includes(field.name)) list.push(field.name);
        byArgs.set(args, list);
      });
    }
  const findings: Finding[] = [];
  for (const [path, byArgs] of seen) {
    if (byArgs.size < 2) continue;
    const fields = [...byArgs.values()].flat();
    findings.push({
      kind: 'federation-risk',
      severity: 'error',
      code: 'requires-argument-conflict',
      message: `${fields.map((f) => `${typeName}.${f}`).join(', ')} @requires ${typeName}.${path} with different arguments (${[...byArgs.keys()].map((a) => `(${a})`).join(' vs ')}): a query selecting both on one object gets the first answered and a REQUIRES_ARGUMENT_CONFLICT error at the path of the other. Require the field once, or expose each variant as its own field.`,
      subgraphs: [subgraph],
      coordinate: `${typeName}.${fields[0]!}`,
    });
  }
  return findings;
}

function parseFieldSet(fields: string): SelectionSetNode | undefined {
  try {
    const operation = parse(`{${fields}}`, { noLocation: true }).definitions[0];
    return operation?.kind === Kind.OPERATION_DEFINITION ? operation.selectionSet : undefined;
  } catch {
    return undefined;
  }
}

function walk(
  set: SelectionSetNode | undefined,
  prefix: string,
  visit: (path: string, args: string) => void,
): void {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, prefix, visit);
    if (selection.kind !== Kind.FIELD) continue;
    const path = `${prefix}${selection.name.value}`;
    visit(path, argumentsKey(selection.arguments));
    walk(selection.selectionSet, `${path}.`, visit);
  }
}

function fieldNames(fields: string): string[] {
  const set = parseFieldSet(fields);
  return (set?.selections ?? []).flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
}
