import path from 'node:path';
import { Kind, parse, type ASTNode, type DocumentNode } from 'graphql';
import type { SubgraphSpec } from './compose.js';
import type { Finding } from './findings.js';
import { ownersOf, type SupergraphView } from './supergraphView.js';

export type Location = Pick<Finding, 'subgraphs' | 'file' | 'line'>;

/** Names the subgraph(s), file and line of a schema coordinate, for a finding. */
export type Locator = (coordinate: string) => Location;

/**
 * Builds a locator over the current subgraph schemas and the given supergraph views (new first,
 * then base). The file (and line, when the coordinate still exists) is given when exactly one
 * subgraph defines the coordinate; a shared field names all its subgraphs and no file.
 */
export function createLocator(
  root: string,
  subgraphs: readonly SubgraphSpec[],
  views: readonly (SupergraphView | undefined)[],
): Locator {
  const lines = new Map(subgraphs.map((s) => [s.name, indexLines(s.sdl)]));
  const files = new Map(
    subgraphs.map((s) => [s.name, path.relative(root, s.schemaPath).split(path.sep).join('/')]),
  );
  return (coordinate) => {
    const owners = ownersOf(coordinate, views);
    if (owners.length === 0) return {};
    const only = owners.length === 1 ? owners[0] : undefined;
    const file = only && files.get(only);
    if (!only || !file) return { subgraphs: owners };
    const line = lines.get(only)?.get(coordinate);
    return line ? { subgraphs: owners, file, line } : { subgraphs: owners, file };
  };
}

/** Coordinate → 1-based line of its definition in one subgraph's SDL. */
function indexLines(sdl: string): Map<string, number> {
  const result = new Map<string, number>();
  let document: DocumentNode;
  try {
    document = parse(sdl);
  } catch {
    return result;
  }
  const lineOf = (node: ASTNode) =>
    node.loc ? sdl.slice(0, node.loc.start).split('\n').length : undefined;
  const add = (coordinate: string, node: ASTNode) => {
    const line = lineOf(node);
    if (line && !result.has(coordinate)) result.set(coordinate, line);
  };
  for (const def of document.definitions) {
    if (!('name' in def) || !def.name || def.kind === Kind.OPERATION_DEFINITION) continue;
    const type = def.name.value;
    add(type, def);
    if ('fields' in def) {
      for (const field of def.fields ?? []) {
        add(`${type}.${field.name.value}`, field);
        if (field.kind === Kind.FIELD_DEFINITION) {
          for (const arg of field.arguments ?? [])
            add(`${type}.${field.name.value}(${arg.name.value}:)`, arg);
        }
      }
    }
    if ('values' in def)
      for (const value of def.values ?? []) add(`${type}.${value.name.value}`, value);
  }
  return result;
}
