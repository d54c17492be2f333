import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors.js';
import type { SubgraphRequest } from '../subgraphClient/subgraphClient.js';
import { fetchEntities } from './entityFetch.js';
import { cacheable, countLookups, pickVariables, send, type FetchContext } from './fetchContext.js';
import { LookupBatch } from './lookup.js';
import type { EntitiesPlan, RootPlan } from './plan.js';
import { extractRefs, flattenRefs, rebuildRefs, type Path } from './refs.js';
import type { RootSplit } from './rootSplit.js';
import { setOwn, fromStored, toStored } from './selection.js';
import { blockedByErrors, decodeEntry, encodeEntry } from './split.js';
import { storeSplitEntities, splitGuards } from './splitStore.js';
import { guardsOf, unitKey } from './unit.js';

/** A split root field whose references were cached: its entities are fetched as `_entities`. */
interface Member {
  readonly index: number;
  readonly structure: unknown;
  readonly offset: number;
  readonly paths: readonly Path[];
}

interface Group {
  readonly plan: EntitiesPlan;
  readonly query: string;
  readonly variables: Set<string>;
  readonly members: Member[];
  readonly representations: Record<string, unknown>[];
}

/**
 * Serves a root fetch field by field: each root field (with its arguments and sub-selection) is
 * one entry, except root fields returning entities, which are cached as references plus per-entity
 * fields (see `rootSplit.ts`). Missing root fields go to the subgraph in one request; the missing
 * fields behind cached references in one `_entities` request per sub-selection, in parallel.
 */
export async function fetchRoot(
  fetch: FetchContext,
  plan: RootPlan,
  request: SubgraphRequest,
): Promise<GatewayGraphQLResponse> {
  const { runtime, client, context } = fetch;
  const model = runtime.model();
  const given = request.variables ?? {};
  const variables = { ...plan.defaults, ...given };
  const splits = new Map<number, { split: RootSplit; entities: EntitiesPlan }>();
  for (const [index, split] of plan.splits) {
    const entities = model && runtime.plan(model, client.name, split.entitiesQuery);
    if (entities?.kind === 'entities') splits.set(index, { split, entities });
  }

  // 1. One round trip: root entries (or references) and the versions guarding them.
  const batch = new LookupBatch();
  const lookups = new Map<number, number>();
  for (const unit of plan.units) {
    const split = splits.get(unit.index);
    const entry = split?.split.refs ?? unit;
    if (!cacheable(fetch, entry)) continue;
    lookups.set(
      unit.index,
      batch.add(
        unitKey(client.name, entry, '', variables, fetch.scope, fetch.variation),
        guardsOf(client.name, entry, undefined),
      ),
    );
    // why: versions read before the fetch tag the entity fields it returns (see splitStore.ts).
    if (split)
      for (const key of splitGuards(client.name, split.split, split.entities)) batch.version(key);
  }
  await batch.run(runtime.store);

  // 2. Hits are served; cached references become `_entities` requests for their fields.
  const now = runtime.now();
  const hits = new Map<number, unknown>();
  const groups = new Map<string, Group>();
  const memberOf = new Map<number, Group>();
  let hitCount = 0;
  for (const [index, entry] of lookups) {
    const unit = plan.units[index]!;
    const split = splits.get(index);
    const policy = split?.split.refs.policy ?? unit.policy;
    const found = decodeEntry(batch.raw(entry), batch.tag(entry), runtime.parsed);
    const remaining = found ? policy.maxAge - (now - found.writtenAt) / 1000 : 0;
    const flat = found && split && flattenRefs(found.value, split.split.entityType);
    if (!found || remaining <= 0 || (split && !flat)) continue;
    hitCount += 1;
    runtime.policy.served(context, remaining, policy.scope);
    if (!split || !flat) {
      hits.set(index, fromStored(found.value, unit.shape));
      continue;
    }
    let group = groups.get(split.split.entitiesQuery);
    if (!group) {
      group = {
        plan: split.entities,
        query: split.split.entitiesQuery,
        variables: new Set(),
        members: [],
        representations: [],
      };
      groups.set(group.query, group);
    }
    for (const name of unit.selectionVariables) group.variables.add(name);
    group.members.push({
      index,
      structure: found.value,
      offset: group.representations.length,
      paths: flat.paths,
    });
    group.representations.push(...flat.refs);
    memberOf.set(index, group);
  }
  countLookups(fetch, hitCount, batch.entryCount - hitCount);
  const missing = plan.units.filter((u) => !hits.has(u.index) && !memberOf.has(u.index));
  for (const unit of missing) runtime.policy.served(context, unit.policy.maxAge, unit.policy.scope);

  // 3. The missing root fields in one request, the entity fields in one per group, in parallel.
  const whole = missing.length === plan.units.length && !missing.some((u) => splits.has(u.index));
  const used = whole ? undefined : new Set(missing.flatMap((u) => [...u.variables]));
  const [root, ...answers] = await Promise.all([
    missing.length
      ? send(
          fetch,
          {
            query: whole ? request.query : plan.rewrite(missing),
            variables: pickVariables(given, used),
            operationName: request.operationName,
          },
          batch.fingerprint(),
        )
      : undefined,
    ...[...groups.values()].map((group) =>
      group.representations.length
        ? fetchEntities(fetch, group.plan, {
            query: group.query,
            variables: {
              ...pickVariables(given, group.variables),
              representations: group.representations,
            },
            operationName: undefined,
          })
        : Promise.resolve<GatewayGraphQLResponse>({ data: { _entities: [] } }),
    ),
  ]);
  const entityAnswers = new Map([...groups.values()].map((g, i) => [g, answers[i]!]));

  // 4. Merge: cached fields, rebuilt references, fetched fields (reserved keys removed).
  const data: Record<string, unknown> = {};
  for (const key of plan.typenameKeys) setOwn(data, key, plan.rootType);
  const rootData =
    root?.data && typeof root.data === 'object'
      ? (root.data as Record<string, unknown>)
      : undefined;
  const blocked = blockedByErrors(root?.errors, false);
  const writes: { key: string; value: string; ttlSeconds: number }[] = [];
  const pending: Promise<void>[] = [];
  for (const unit of plan.units) {
    const { index, responseKey } = unit;
    const group = memberOf.get(index);
    if (hits.has(index)) {
      setOwn(data, responseKey, hits.get(index));
    } else if (group) {
      const member = group.members.find((m) => m.index === index)!;
      const entities = (
        (entityAnswers.get(group)?.data as { _entities?: unknown[] } | undefined)?._entities ?? []
      ).slice(member.offset, member.offset + member.paths.length);
      setOwn(data, responseKey, rebuildRefs(member.structure, entities));
    } else if (rootData && Object.hasOwn(rootData, responseKey)) {
      const value = rootData[responseKey];
      const split = splits.get(index);
      const widened = plan.splits.get(index);
      // why: removes the reserved key aliases the widened field was sent with, in place.
      const extracted = widened && extractRefs(value, widened.entityType, widened.keyFields);
      setOwn(data, responseKey, value);
      const entry = lookups.get(index);
      if (entry === undefined || !batch.ok || blocked(0, responseKey)) continue;
      if (!split) {
        writes.push({
          key: batch.keyOf(entry),
          value: encodeEntry(batch.tag(entry), now, toStored(value, unit.shape)),
          ttlSeconds: unit.policy.maxAge,
        });
      } else if (extracted) {
        writes.push({
          key: batch.keyOf(entry),
          value: encodeEntry(batch.tag(entry), now, extracted.structure),
          ttlSeconds: split.split.refs.policy.maxAge,
        });
        pending.push(
          storeSplitEntities(fetch, split.split, split.entities, extracted.entities, batch, {
            ...split.entities.defaults,
            ...given,
          }),
        );
      }
    }
  }
  // why: awaited, like entity writes (see entityFetch.ts), so the next request finds them.
  if (writes.length) pending.push(runtime.store.mset(writes));
  await Promise.all(pending);

  let errors: GraphQLFormattedError[] = [...(root?.errors ?? [])];
  if (root && !rootData && !errors.length)
    errors.push({
      message: `The ${client.name} subgraph returned an invalid response.`,
      extensions: { code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: client.name },
    });
  for (const [group, answer] of entityAnswers)
    errors = errors.concat(
      (answer.errors ?? []).map((error) => toRootPath(error, group, plan.units)),
    );
  return errors.length ? { data, errors } : { data };
}

/** An error of a group's `_entities` answer, at the root field path of the reference it concerns. */
function toRootPath(
  error: GraphQLFormattedError,
  group: Group,
  units: RootPlan['units'],
): GraphQLFormattedError {
  const [head, position, ...rest] = error.path ?? [];
  if (head !== '_entities' || typeof position !== 'number') return error;
  const member = group.members.find(
    (m) => position >= m.offset && position < m.offset + m.paths.length,
  );
  if (!member) return error;
  const responseKey = units[member.index]!.responseKey;
  return { ...error, path: [responseKey, ...member.paths[position - member.offset]!, ...rest] };
}
