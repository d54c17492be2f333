import fs from 'node:fs';
import path from 'node:path';
import {
  Kind,
  TypeInfo,
  parse,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import type { Finding } from './findings.js';

/** One `.graphql` file of `operations/`: one frontend screen's operation(s) and fragments. */
export interface OperationFile {
  /** Path relative to the project root, with `/`. */
  readonly file: string;
  readonly source: string;
}

/** A named operation that validates against the new API schema. */
export interface ValidOperation {
  readonly file: string;
  readonly name: string;
  readonly document: DocumentNode;
}

/** Every `.graphql` file under `dir` (recursive, sorted); none when the folder does not exist. */
export function readOperationFiles(root: string, dir = 'operations'): OperationFile[] {
  const absolute = path.resolve(root, dir);
  if (!fs.existsSync(absolute)) return [];
  return fs
    .readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => {
      const full = path.join(absolute, name);
      const file = path.relative(root, full).split(path.sep).join('/');
      return { file, source: fs.readFileSync(full, 'utf8') };
    });
}

/**
 * Parses and validates every operation against the API schema. Each finding names the operation,
 * its file and line, and the schema coordinate involved (`coordinateOwners` adds its subgraphs).
 * Operations must be named and their names unique: they are the persisted-operations manifest.
 */
export function validateOperations(
  files: readonly OperationFile[],
  schema: GraphQLSchema,
  coordinateOwners: (coordinate: string) => readonly string[],
): { findings: Finding[]; valid: ValidOperation[] } {
  const findings: Finding[] = [];
  const valid: ValidOperation[] = [];
  const seen = new Map<string, string>();
  const invalid = (file: string, message: string, extra: Partial<Finding> = {}): void => {
    findings.push({ kind: 'operation-invalid', severity: 'error', message, file, ...extra });
  };
  for (const { file, source } of files) {
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch (error) {
      const line = (error as GraphQLError).locations?.[0]?.line;
      invalid(file, `does not parse: ${(error as Error).message}`, line ? { line } : {});
      continue;
    }
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    for (const operation of operations) {
      const name = operation.name?.value;
      if (!name) invalid(file, 'every operation needs a name (it is its persisted-operation id)');
      else if (seen.has(name))
        invalid(file, `operation name ${name} is also used in ${seen.get(name)}`, {
          operation: name,
        });
      else seen.set(name, file);
    }
    const errors = validate(schema, document);
    const coordinates = coordinatesByPosition(schema, document);
    for (const error of errors) {
      const start = error.nodes?.map((n) => n.loc?.start).find((s) => s !== undefined);
      const coordinate = error.nodes
        ?.map((n) => (n.loc ? coordinates.get(n.loc.start) : undefined))
        .find(Boolean);
      const owner = operations.find(
        (o) => start !== undefined && o.loc && o.loc.start <= start && start < o.loc.end,
      );
      const subgraphs = coordinate ? coordinateOwners(coordinate) : [];
      const line = error.locations?.[0]?.line;
      invalid(file, error.message, {
        ...(owner?.name ? { operation: owner.name.value } : {}),
        ...(coordinate ? { coordinate } : {}),
        ...(subgraphs.length ? { subgraphs } : {}),
        ...(line ? { line } : {}),
      });
    }
    if (errors.length > 0) continue;
    for (const operation of operations) {
      if (operation.name) valid.push({ file, name: operation.name.value, document });
    }
  }
  return { findings, valid };
}

/** Start offset of each field, argument and argument value → its schema coordinate. */
function coordinatesByPosition(schema: GraphQLSchema, document: DocumentNode): Map<number, string> {
  const result = new Map<number, string>();
  const typeInfo = new TypeInfo(schema);
  const fields: string[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: {
        enter(node) {
          const parent = typeInfo.getParentType()?.name ?? '?';
          const coordinate = `${parent}.${node.name.value}`;
          fields.push(coordinate);
          if (node.loc) result.set(node.loc.start, coordinate);
        },
        leave() {
          fields.pop();
        },
      },
      Argument(node) {
        const field = fields.at(-1);
        if (!field || typeInfo.getDirective()) return; // `@include(if:)` is not a field argument
        const coordinate = `${field}(${node.name.value}:)`;
        for (const loc of [node.loc, node.value.loc]) if (loc) result.set(loc.start, coordinate);
      },
    }),
  );
  return result;
}
