import { cacheable, type FetchContext } from './fetchContext.js';
import { canonicalJson, entityId, versionKey } from './keys.js';
import type { LookupBatch } from './lookup.js';
import type { EntitiesPlan } from './plan.js';
import type { FoundEntity } from './refs.js';
import type { RootSplit } from './rootSplit.js';
import { toStored } from './selection.js';
import { encodeEntry } from './split.js';
import { guardsOf, keyMaker } from './unit.js';

/**
 * Storing the entity fields a split root field fetched whole. Every entry must be tagged with
 * versions read *before* the data was fetched (a newer version would make old data look current),
 * but which entities come back is only known after. So: the type's `nver` (bumped with every
 * mutation of an entity of the type) and every static guard are read before the fetch, the
 * entities' own versions after it, and nothing is written if `nver` moved in between. If it did
 * not, no mutation of such an entity completed meanwhile, so an entity version read after the
 * fetch is one the fetched data is at least as new as.
 */

/** The version keys to read before the fetch, for `storeSplitEntities`. */
export function splitGuards(subgraph: string, split: RootSplit, entities: EntitiesPlan): string[] {
  const keys = new Set([versionKey.nested(split.entityType)]);
  for (const unit of entities.byType.get(split.entityType) ?? [])
    for (const guard of guardsOf(subgraph, unit, ''))
      if (guard !== versionKey.entity(split.entityType, '')) keys.add(guard);
  return [...keys];
}

/** Writes the fields of `found` under their own TTLs. */
export async function storeSplitEntities(
  fetch: FetchContext,
  split: RootSplit,
  entities: EntitiesPlan,
  found: readonly FoundEntity[],
  before: LookupBatch,
  variables: Readonly<Record<string, unknown>>,
): Promise<void> {
  const { runtime, client } = fetch;
  const units = (entities.byType.get(split.entityType) ?? []).filter((u) => cacheable(fetch, u));
  const distinct = new Map<string, { id: string; object: Record<string, unknown> }>();
  for (const { ref, object } of found) {
    const id = entityId(ref, split.keyFields);
    if (id !== undefined) distinct.set(canonicalJson(ref), { id, object });
  }
  if (!units.length || !distinct.size) return;
  const nested = versionKey.nested(split.entityType);
  const entries = [...distinct];
  const after = await runtime.store.mget(
    [],
    [nested, ...entries.map(([, e]) => versionKey.entity(split.entityType, e.id))],
  );
  if (!after.ok || after.versions[0] !== before.versionValue(nested)) return;
  const now = runtime.now();
  const keyOf = keyMaker(client.name, variables, fetch.scope, fetch.variation);
  const writes = entries.flatMap(([identity, { id, object }], i) =>
    units.flatMap((unit) => {
      if (!Object.hasOwn(object, unit.responseKey)) return [];
      const own = versionKey.entity(split.entityType, id);
      const tag = guardsOf(client.name, unit, id)
        .map((guard) => (guard === own ? after.versions[i + 1] : before.versionValue(guard)))
        .join(',');
      const value = encodeEntry(tag, now, toStored(object[unit.responseKey], unit.shape));
      return [
        {
          key: keyOf(unit, identity),
          value,
          ttlSeconds: unit.policy.maxAge,
        },
      ];
    }),
  );
  if (writes.length) await runtime.store.mset(writes);
}
