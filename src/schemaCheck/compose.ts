import fs from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, Source, type ASTNode, type GraphQLError } from 'graphql';
import YAML from 'yaml';

export interface SubgraphSpec {
  readonly name: string;
  readonly routingUrl: string;
  /** Absolute path of the subgraph's SDL. */
  readonly schemaPath: string;
  readonly sdl: string;
}

export type CompositionResult =
  | {
      readonly ok: true;
      readonly supergraphSdl: string;
      /** Hints as `@apollo/composition` prints them. */
      readonly hints: readonly string[];
      /** The same hints with their code, subgraphs and coordinate. */
      readonly hintProblems: readonly CompositionProblem[];
    }
  | { readonly ok: false; readonly errors: readonly CompositionProblem[] };

export interface CompositionProblem {
  readonly code: string;
  readonly message: string;
  /** Subgraphs involved: those whose SDL the problem points into or names. */
  readonly subgraphs: readonly string[];
  /** Schema coordinate the problem is about, when it names one. */
  readonly coordinate?: string;
  /** Absolute path and 1-based line of the first SDL location the problem points at. */
  readonly location?: { readonly file: string; readonly line: number };
}

/** Reads a rover-format `supergraph.yaml` (name → routing_url, schema.file), sorted by name. */
export function readSubgraphConfig(
  configPath: string,
  readFile = (p: string) => fs.readFileSync(p, 'utf8'),
): SubgraphSpec[] {
  const config = YAML.parse(readFile(configPath)) as {
    subgraphs?: Record<string, { routing_url?: string; schema?: { file?: string } }>;
  };
  const base = path.dirname(configPath);
  return Object.entries(config.subgraphs ?? {})
    .map(([name, entry]) => {
      if (!entry.routing_url || !entry.schema?.file)
        throw new Error(`${configPath}: subgraph "${name}" needs routing_url and schema.file`);
      const schemaPath = path.resolve(base, entry.schema.file);
      return { name, routingUrl: entry.routing_url, schemaPath, sdl: readFile(schemaPath) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Composes subgraphs into a supergraph with `@apollo/composition`; deterministic for equal input. */
export function compose(subgraphs: readonly SubgraphSpec[]): CompositionResult {
  const problems: CompositionProblem[] = [];
  const services = [];
  for (const subgraph of subgraphs) {
    try {
      services.push({
        name: subgraph.name,
        url: subgraph.routingUrl,
        // why: the source name lets an error's AST nodes say which file (and line) they came from.
        typeDefs: parse(new Source(subgraph.sdl, subgraph.schemaPath)),
      });
    } catch (error) {
      const line = (error as GraphQLError).locations?.[0]?.line;
      problems.push({
        code: 'INVALID_GRAPHQL',
        message: `${subgraph.schemaPath}: ${(error as Error).message}`,
        subgraphs: [subgraph.name],
        ...(line ? { location: { file: subgraph.schemaPath, line } } : {}),
      });
    }
  }
  if (problems.length > 0) return { ok: false, errors: problems };
  const result = composeServices(services);
  if (result.errors) {
    return {
      ok: false,
      errors: result.errors.map((error) =>
        describeProblem(
          subgraphs,
          typeof error.extensions?.code === 'string' ? error.extensions.code : 'COMPOSITION_ERROR',
          error.message,
          error.nodes,
        ),
      ),
    };
  }
  return {
    ok: true,
    supergraphSdl: `${result.supergraphSdl.trim()}\n`,
    hints: result.hints.map((h) => h.toString()),
    hintProblems: result.hints.map((h) =>
      describeProblem(subgraphs, h.definition.code, h.message, h.nodes, h.coordinate),
    ),
  };
}

/**
 * Names the subgraphs of a composition problem: those its AST nodes come from (by source name)
 * and those its message names (`"product"` or `[product]`).
 */
function describeProblem(
  subgraphs: readonly SubgraphSpec[],
  code: string,
  message: string,
  nodes: readonly ASTNode[] | undefined,
  coordinate = /"([A-Za-z_]\w*\.\w+(?:\(\w+:\))?)"/.exec(message)?.[1],
): CompositionProblem {
  const locations = (nodes ?? []).flatMap((node) =>
    node.loc ? [{ file: node.loc.source.name, line: node.loc.startToken.line }] : [],
  );
  const involved = subgraphs
    .filter(
      (s) =>
        locations.some((l) => l.file === s.schemaPath) ||
        message.includes(`"${s.name}"`) ||
        message.includes(`[${s.name}]`),
    )
    .map((s) => s.name);
  return {
    code,
    message,
    subgraphs: involved,
    ...(coordinate ? { coordinate } : {}),
    ...(locations[0] ? { location: locations[0] } : {}),
  };
}
