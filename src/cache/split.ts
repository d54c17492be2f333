import type { GraphQLFormattedError } from 'graphql';
import type { Unit } from './plan.js';
import type { ParsedEntries, ParsedEntry } from './parsedEntries.js';
import { setOwn } from './selection.js';

/**
 * Splitting a fetch into cached and missing parts and merging the answer back, pure. An `_entities`
 * fetch has one *target* per distinct representation; a root fetch has one target.
 */

// Representations are the subgraph client's: it sends each distinct one once, as the cache does.
export {
  dedupeRepresentations,
  remapEntityErrors,
  type Deduplicated,
} from '../subgraphClient/representations.js';

/** An entry's stored text: version tag, write time (ms), value as JSON. */
export function encodeEntry(tag: string, writtenAt: number, value: unknown): string {
  return `${tag}\n${writtenAt}\n${JSON.stringify(value)}`;
}

/**
 * Decodes an entry if its tag is `tag`; garbage or another tag reads as a miss (undefined). With
 * `parsed`, a text read before is copied from its parse instead of parsed again.
 */
export function decodeEntry(
  raw: string | undefined,
  tag: string,
  parsed?: ParsedEntries,
): ParsedEntry | undefined {
  // why: compared in place (no slice): this runs for every field of every cached entity.
  if (raw === undefined || !raw.startsWith(tag) || raw.charCodeAt(tag.length) !== 10)
    return undefined;
  const first = tag.length;
  const second = raw.indexOf('\n', first + 1);
  if (second < 0) return undefined;
  const writtenAt = Number(raw.slice(first + 1, second));
  if (!Number.isFinite(writtenAt)) return undefined;
  if (parsed) return parsed.read(raw, writtenAt, second + 1);
  try {
    return { writtenAt, value: JSON.parse(raw.slice(second + 1)) as unknown };
  } catch {
    return undefined;
  }
}

/**
 * One merged target: `__typename` under each of its response keys, then each unit's value from
 * the cache (`hits`) or the subgraph's answer (`fetched`). A target the subgraph answered `null`
 * for (entity not found) stays null.
 */
export function assemble(
  typeName: string,
  typenameKeys: readonly string[],
  units: readonly Unit[],
  hits: ReadonlyMap<number, unknown>,
  fetched: Readonly<Record<string, unknown>> | null | undefined,
): Record<string, unknown> | null {
  if (fetched === null) return null;
  const out: Record<string, unknown> = {};
  for (const key of typenameKeys) setOwn(out, key, typeName);
  for (const unit of units) {
    const value = hits.has(unit.index)
      ? hits.get(unit.index)
      : fetched && Object.hasOwn(fetched, unit.responseKey)
        ? fetched[unit.responseKey]
        : undefined;
    if (value !== undefined) setOwn(out, unit.responseKey, value);
  }
  return out;
}

/**
 * Which fetched values must not be cached because the answer has an error at (or under) them. For
 * `_entities` paths start with `_entities, sentIndex`; for root fetches with the field's response
 * key. An error without a path (or with an unexpected one) blocks everything.
 */
export function blockedByErrors(
  errors: readonly GraphQLFormattedError[] | undefined,
  entities: boolean,
): (sentIndex: number, responseKey: string) => boolean {
  if (!errors?.length) return () => false;
  const blocked = new Set<string>();
  for (const error of errors) {
    const path = error.path ?? [];
    if (!entities && typeof path[0] === 'string') blocked.add(`0:${path[0]}`);
    else if (entities && path[0] === '_entities' && typeof path[1] === 'number')
      blocked.add(path.length > 2 ? `${path[1]}:${String(path[2])}` : `${path[1]}:*`);
    else return () => true;
  }
  return (sentIndex, responseKey) =>
    blocked.has(`${sentIndex}:*`) || blocked.has(`${sentIndex}:${responseKey}`);
}
