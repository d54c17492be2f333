import fs from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import YAML from 'yaml';

export interface SubgraphSpec {
  readonly name: string;
  readonly routingUrl: string;
  /** Absolute path of the subgraph's SDL. */
  readonly schemaPath: string;
  readonly sdl: string;
}

export type CompositionResult =
  | { readonly ok: true; readonly supergraphSdl: string; readonly hints: readonly string[] }
  | { readonly ok: false; readonly errors: readonly CompositionProblem[] };

export interface CompositionProblem {
  readonly code: string;
  readonly message: string;
  /** Subgraphs named in the problem. */
  readonly subgraphs: readonly string[];
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
        typeDefs: parse(subgraph.sdl),
      });
    } catch (error) {
      problems.push({
        code: 'INVALID_GRAPHQL',
        message: `${subgraph.schemaPath}: ${(error as Error).message}`,
        subgraphs: [subgraph.name],
      });
    }
  }
  if (problems.length > 0) return { ok: false, errors: problems };
  const names = subgraphs.map((s) => s.name);
  const result = composeServices(services);
  if (result.errors) {
    return {
      ok: false,
      errors: result.errors.map((error) => ({
        code:
          typeof error.extensions?.code === 'string' ? error.extensions.code : 'COMPOSITION_ERROR',
        message: error.message,
        subgraphs: names.filter((name) => error.message.includes(`"${name}"`)),
      })),
    };
  }
  return {
    ok: true,
    supergraphSdl: `${result.supergraphSdl.trim()}\n`,
    hints: result.hints.map((h) => h.toString()),
  };
}
