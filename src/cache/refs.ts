import { ADDED_ALIAS_PREFIX } from './mutationEntities.js';

/**
 * References of a root field returning entities, pure (see `rootSplit.ts`). The stored form keeps
 * the value's shape (lists, nulls) with each entity replaced by its representation
 * (`{__typename, <key fields>}`).
 */

export type Path = readonly (string | number)[];

/** An entity of a fetched root value: its reference and the object (reserved keys removed). */
export interface FoundEntity {
  readonly ref: Record<string, unknown>;
  readonly object: Record<string, unknown>;
}

/**
 * Takes the references out of a value fetched with the widened field (key fields under reserved
 * aliases) and removes those aliases from it, in place. Undefined when some entity lacks a key:
 * the value is still cleaned and served, but not cached as references.
 */
export function extractRefs(
  value: unknown,
  entityType: string,
  keyFields: readonly string[],
): { structure: unknown; entities: FoundEntity[] } | undefined {
  const entities: FoundEntity[] = [];
  let complete = true;
  const walk = (item: unknown): unknown => {
    if (item === null || typeof item !== 'object') return item === undefined ? null : item;
    if (Array.isArray(item)) return item.map(walk);
    const object = item as Record<string, unknown>;
    const ref: Record<string, unknown> = { __typename: object[`${ADDED_ALIAS_PREFIX}__typename`] };
    for (const key of keyFields) ref[key] = object[`${ADDED_ALIAS_PREFIX}${key}`];
    for (const key of Object.keys(object))
      if (key.startsWith(ADDED_ALIAS_PREFIX)) delete object[key];
    if (
      ref.__typename !== entityType ||
      keyFields.some((k) => ref[k] === undefined || ref[k] === null)
    )
      complete = false;
    entities.push({ ref, object });
    return ref;
  };
  const structure = walk(value);
  return complete ? { structure, entities } : undefined;
}

/** The references of a stored structure in order, with their paths; undefined if malformed. */
export function flattenRefs(
  structure: unknown,
  entityType: string,
): { refs: Record<string, unknown>[]; paths: Path[] } | undefined {
  const refs: Record<string, unknown>[] = [];
  const paths: Path[] = [];
  const walk = (item: unknown, path: Path): boolean => {
    if (item === null) return true;
    if (Array.isArray(item)) return item.every((inner, i) => walk(inner, [...path, i]));
    if (typeof item !== 'object' || (item as Record<string, unknown>).__typename !== entityType)
      return false;
    refs.push(item as Record<string, unknown>);
    paths.push(path);
    return true;
  };
  return walk(structure, []) ? { refs, paths } : undefined;
}

/** The structure with each reference replaced, in order, by the matching entity. */
export function rebuildRefs(structure: unknown, entities: readonly unknown[]): unknown {
  let next = 0;
  const walk = (item: unknown): unknown => {
    if (item === null) return null;
    if (Array.isArray(item)) return item.map(walk);
    return entities[next++] ?? null;
  };
  return walk(structure);
}
