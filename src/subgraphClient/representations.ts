import type { GraphQLFormattedError } from 'graphql';

/**
 * Entity representations (the `representations` of an `_entities` fetch), pure: their identity,
 * their duplicates, and the errors of an answer to a deduplicated list. The subgraph client sends
 * each distinct representation once; the cache keys entries on the same identity.
 */

/**
 * JSON with object keys sorted at every level: equal values give equal text, whatever the key
 * order (as `JSON.stringify` of a key-sorted copy, built without the copy).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  if (isFlatAndSorted(record)) return JSON.stringify(record); // representations, mostly
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item !== undefined && typeof item !== 'function')
      parts.push(`${JSON.stringify(key)}:${canonicalJson(item)}`);
  }
  return `{${parts.join(',')}}`;
}

function isFlatAndSorted(record: Record<string, unknown>): boolean {
  let previous = '';
  for (const key in record) {
    const item = record[key];
    if (key < previous || (item !== null && typeof item === 'object') || item === undefined)
      return false;
    if (typeof item === 'function' || !Object.hasOwn(record, key)) return false;
    previous = key;
  }
  return true;
}

/** Representations with duplicates removed (`@apollo/gateway` sends one per occurrence). */
export interface Deduplicated {
  readonly unique: readonly Record<string, unknown>[];
  /** Canonical JSON of each unique representation: its identity in keys. */
  readonly identities: readonly string[];
  /** For each original position, the index of its unique representation. */
  readonly indexOf: readonly number[];
}

export function dedupeRepresentations(
  representations: readonly Record<string, unknown>[],
): Deduplicated {
  const positions = new Map<string, number>();
  const unique: Record<string, unknown>[] = [];
  const identities: string[] = [];
  const indexOf = representations.map((representation) => {
    const identity = canonicalJson(representation);
    let index = positions.get(identity);
    if (index === undefined) {
      index = unique.length;
      positions.set(identity, index);
      unique.push(representation);
      identities.push(identity);
    }
    return index;
  });
  return { unique, identities, indexOf };
}

/**
 * Error paths of a deduplicated `_entities` answer point at the representations that were sent;
 * each becomes one error per original position (what the subgraph would have said without
 * deduplication).
 */
export function remapEntityErrors(
  errors: readonly GraphQLFormattedError[],
  sentOriginals: readonly (readonly number[])[],
): GraphQLFormattedError[] {
  return errors.flatMap((error) => {
    const [head, index, ...rest] = error.path ?? [];
    if (head !== '_entities' || typeof index !== 'number') return [error];
    const originals = sentOriginals[index] ?? [];
    return originals.map((original) => ({ ...error, path: ['_entities', original, ...rest] }));
  });
}
