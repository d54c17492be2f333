import {
  buildASTSchema,
  Kind,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import type { CacheHint } from '../supergraph/directiveIndex.js';
import type { PreparedSupergraph } from '../supergraph/prepare.js';
import { sha256 } from './keys.js';

/** What the cache needs to know about the supergraph now serving; rebuilt on every reload. */
export interface CacheModel {
  /** The supergraph as a schema: types and fields for policies and entity detection. */
  readonly schema: GraphQLSchema;
  readonly hints: ReadonlyMap<string, CacheHint>;
  /** Entity types (a `@key` in some subgraph) → the fields of their first simple key. */
  readonly keyFields: ReadonlyMap<string, readonly string[]>;
  /** Entity type → subgraph → the flat key it resolves `_entities` by in that subgraph. */
  readonly resolvableKeys: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
  /**
   * `subgraph:Type.field` of fields that subgraph cannot resolve from a bare key (`@external`,
   * `@requires`, `@provides`, `@fromContext` arguments): never fetched through `_entities` by the cache.
   */
  readonly keyUnresolvable: ReadonlySet<string>;
  /** Subgraph names, as `dataSource(name)` receives them. */
  readonly subgraphs: ReadonlySet<string>;
  /**
   * Part of every key: a reload that changes any type's shape never serves old-shape entries
   * (docs/security.md case 88). Any change to the supergraph starts a fresh cache.
   */
  readonly schemaHash: string;
}

const models = new WeakMap<PreparedSupergraph, CacheModel>();

/** The model of a prepared supergraph, built once per supergraph object. */
export function cacheModelOf(supergraph: PreparedSupergraph): CacheModel {
  let model = models.get(supergraph);
  if (!model) {
    model = buildCacheModel(
      supergraph.document,
      supergraph.index.cacheControl,
      supergraph.sourceSdl,
    );
    models.set(supergraph, model);
  }
  return model;
}

/** Builds the model from a parsed supergraph; pure. */
export function buildCacheModel(
  document: DocumentNode,
  hints: ReadonlyMap<string, CacheHint>,
  sdl: string,
): CacheModel {
  const graphs = new Map<string, string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph')
      continue;
    for (const value of definition.values ?? []) {
      const name = arg(
        value.directives?.find((d) => d.name.value === 'join__graph'),
        'name',
      );
      if (typeof name === 'string') graphs.set(value.name.value, name);
    }
  }
  const graphOf = (directive: ConstDirectiveNode) => {
    const node = directive.arguments?.find((a) => a.name.value === 'graph')?.value;
    return node?.kind === Kind.ENUM ? (graphs.get(node.value) ?? node.value) : undefined;
  };

  const keyFields = new Map<string, readonly string[]>();
  const resolvableKeys = new Map<string, Map<string, readonly string[]>>();
  const keyUnresolvable = new Set<string>();
  for (const definition of document.definitions) {
    if (
      definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      definition.kind !== Kind.INTERFACE_TYPE_DEFINITION
    )
      continue;
    const typeName = definition.name.value;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'join__type') continue;
      const key = arg(directive, 'key');
      // why: only flat keys (`id`, `sku region`); a nested key (`owner { id }`) is not a simple id.
      if (typeof key !== 'string' || /[{}()]/.test(key)) continue;
      const fields = key.split(/[\s,]+/).filter(Boolean);
      if (!fields.length) continue;
      if (!keyFields.has(typeName)) keyFields.set(typeName, fields);
      const graph = graphOf(directive);
      if (graph && arg(directive, 'resolvable') !== false) {
        const byGraph = resolvableKeys.get(typeName) ?? new Map<string, readonly string[]>();
        if (!byGraph.has(graph)) byGraph.set(graph, fields);
        resolvableKeys.set(typeName, byGraph);
      }
    }
    for (const field of definition.fields ?? []) {
      for (const directive of field.directives ?? []) {
        if (directive.name.value !== 'join__field') continue;
        const graph = graphOf(directive);
        const special = ['external', 'requires', 'provides', 'contextArguments'].some(
          (name) => arg(directive, name) !== undefined && arg(directive, name) !== false,
        );
        if (graph && special) keyUnresolvable.add(`${graph}:${typeName}.${field.name.value}`);
      }
    }
  }
  return {
    schema: buildASTSchema(document, { assumeValidSDL: true }),
    hints,
    keyFields,
    resolvableKeys,
    keyUnresolvable,
    subgraphs: new Set(graphs.values()),
    schemaHash: sha256(sdl).slice(0, 16),
  };
}

function arg(directive: ConstDirectiveNode | undefined, name: string): unknown {
  const node = directive?.arguments?.find((a) => a.name.value === name)?.value;
  return node ? valueFromASTUntyped(node) : undefined;
}
