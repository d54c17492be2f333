import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { DirectiveIndex } from '../supergraph/directiveIndex.js';
import { estimateCost, type CostEstimate, type EstimateCostInput } from './estimate.js';

/** Distinct variable sets remembered per document (the oldest is forgotten first). */
const ENTRIES_PER_DOCUMENT = 32;
/** Variables longer than this (as JSON) are not worth a cache key: the walk is cheaper. */
const MAX_KEY_LENGTH = 2048;

type PerDocument = Map<string, CostEstimate>;

/**
 * `estimateCost` with a memo per (schema, index, document, operation, variables). Apollo Server
 * hands every request with the same query text the same parsed document, and a new supergraph
 * brings a new schema and index, so entries die with them (weak maps), never go stale.
 */
export function createCostEstimator(): (input: EstimateCostInput) => CostEstimate {
  const bySchema = new WeakMap<
    GraphQLSchema,
    WeakMap<DirectiveIndex, WeakMap<DocumentNode, PerDocument>>
  >();
  return (input) => {
    const key = cacheKey(input);
    if (key === undefined) return estimateCost(input);
    let byIndex = bySchema.get(input.schema);
    if (!byIndex) bySchema.set(input.schema, (byIndex = new WeakMap()));
    let byDocument = byIndex.get(input.index);
    if (!byDocument) byIndex.set(input.index, (byDocument = new WeakMap()));
    let entries = byDocument.get(input.document);
    if (!entries) byDocument.set(input.document, (entries = new Map<string, CostEstimate>()));
    const cached = entries.get(key);
    if (cached) return cached;
    const result = estimateCost(input);
    if (entries.size >= ENTRIES_PER_DOCUMENT) entries.delete(entries.keys().next().value!);
    entries.set(key, result);
    return result;
  };
}

function cacheKey(input: EstimateCostInput): string | undefined {
  try {
    const key = JSON.stringify([
      input.defaultListSize,
      input.operationName ?? null,
      input.variables ?? {},
    ]);
    return key.length > MAX_KEY_LENGTH ? undefined : key;
  } catch {
    return undefined; // e.g. nesting too deep to serialize: not worth remembering
  }
}
