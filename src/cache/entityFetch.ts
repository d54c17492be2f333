import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors.js';
import type { SubgraphRequest } from '../subgraphClient/subgraphClient.js';
import { cacheable, countLookups, pickVariables, send, type FetchContext } from './fetchContext.js';
import { entityId, versionKey } from './keys.js';
import { LookupBatch } from './lookup.js';
import type { EntitiesPlan } from './plan.js';
import { fromStored, toStored } from './selection.js';
import {
  assemble,
  blockedByErrors,
  decodeEntry,
  dedupeRepresentations,
  encodeEntry,
  remapEntityErrors,
} from './split.js';
import { guardsOf, keyMaker, type Unit } from './unit.js';

/** One distinct representation of the fetch, with the units asked of it. */
interface Target {
  readonly typeName: string;
  readonly identity: string;
  readonly entityId: string | undefined;
  readonly units: readonly Unit[];
  readonly typenameKeys: readonly string[];
  /** unit index → value served from the cache */
  readonly hits: Map<number, unknown>;
  /** unit index → entry index in the lookup batch */
  readonly lookups: Map<number, number>;
}

/**
 * Serves an `_entities` fetch field by field: deduplicates the representations, looks every
 * (entity, field) pair up in one round trip, asks the subgraph only for the missing fields of the
 * entities that miss any, merges in the original order and stores what it fetched.
 */
export async function fetchEntities(
  fetch: FetchContext,
  plan: EntitiesPlan,
  request: SubgraphRequest,
): Promise<GatewayGraphQLResponse> {
  const { runtime, client, context } = fetch;
  const given = request.variables ?? {};
  const list = given.representations;
  if (!Array.isArray(list)) return send(fetch, request);
  const variables = { ...plan.defaults, ...given };
  const deduped = dedupeRepresentations(list as Record<string, unknown>[]);
  const targets: Target[] = [];
  for (const [i, representation] of deduped.unique.entries()) {
    const typeName = representation.__typename;
    const units = typeof typeName === 'string' ? plan.byType.get(typeName) : undefined;
    if (typeof typeName !== 'string' || !units) {
      runtime.policy.uncacheable(context);
      return send(fetch, request);
    }
    const keys = runtime.model()?.keyFields.get(typeName) ?? [];
    const typenameKeys = plan.typenameKeys.get(typeName) ?? [];
    const id = entityId(representation, keys);
    targets.push({
      typeName,
      identity: deduped.identities[i]!,
      entityId: id,
      units,
      typenameKeys,
      hits: new Map(),
      lookups: new Map(),
    });
  }

  // 1. One round trip: every cacheable (entity, field) entry and the versions guarding them.
  const batch = new LookupBatch();
  const keyOf = keyMaker(client.name, variables, fetch.scope, fetch.variation);
  // why: the guards in `guardsOf`'s order, each version key named once per fetch, not per pair.
  const unitGuards = new Map<Unit, number[]>();
  const guardsFor = (unit: Unit) => {
    let guards = unitGuards.get(unit);
    if (!guards) {
      guards = guardsOf(client.name, unit, undefined).map((g) => batch.version(g));
      unitGuards.set(unit, guards);
    }
    return guards;
  };
  for (const target of targets) {
    if (target.entityId === undefined) continue;
    const own = [
      batch.version(versionKey.type(target.typeName)),
      batch.version(versionKey.entity(target.typeName, target.entityId)),
    ];
    for (const unit of target.units) {
      if (!cacheable(fetch, unit)) continue;
      const shared = guardsFor(unit);
      const guards = [shared[0]!, own[0]!, own[1]!];
      for (let g = 1; g < shared.length; g++) guards.push(shared[g]!);
      target.lookups.set(unit.index, batch.add(keyOf(unit, target.identity), guards));
    }
  }
  await batch.run(runtime.store);

  // 2. Hits are served; everything else is missing.
  const now = runtime.now();
  let hitCount = 0;
  let lowest = Infinity;
  let privateHit = false;
  for (const target of targets) {
    for (const [unitIndex, entry] of target.lookups) {
      const unit = plan.units[unitIndex]!;
      const found = decodeEntry(batch.raw(entry), batch.tag(entry), runtime.parsed);
      const remaining = found ? unit.policy.maxAge - (now - found.writtenAt) / 1000 : 0;
      if (!found || remaining <= 0) continue;
      target.hits.set(unitIndex, fromStored(found.value, unit.shape));
      lowest = Math.min(lowest, remaining);
      privateHit ||= unit.policy.scope === 'PRIVATE';
      hitCount += 1;
    }
  }
  if (hitCount) runtime.policy.served(context, lowest, privateHit ? 'PRIVATE' : 'PUBLIC');
  countLookups(fetch, hitCount, batch.entryCount - hitCount);
  const sent = targets.flatMap((t, i) => (t.units.some((u) => !t.hits.has(u.index)) ? [i] : []));
  const missingIndexes = new Set(
    sent.flatMap((i) =>
      targets[i]!.units.filter((u) => !targets[i]!.hits.has(u.index)).map((u) => u.index),
    ),
  );
  const missing = plan.units.filter((u) => missingIndexes.has(u.index));
  for (const unit of missing) runtime.policy.served(context, unit.policy.maxAge, unit.policy.scope);

  // 3. One subgraph request: the missing fields of the entities that miss any.
  const fetched: (Record<string, unknown> | null | undefined)[] = targets.map(() => undefined);
  let errors: GraphQLFormattedError[] | undefined;
  if (sent.length) {
    const whole = missing.length === plan.units.length;
    const used = whole ? undefined : new Set(missing.flatMap((u) => [...u.variables]));
    const response = await send(
      fetch,
      {
        query: whole ? request.query : plan.rewrite(missing),
        variables: {
          ...pickVariables(given, used),
          representations: sent.map((i) => deduped.unique[i]),
        },
        operationName: request.operationName,
      },
      batch.fingerprint(),
    );
    const answers = (response.data as Record<string, unknown> | null | undefined)?._entities;
    errors = response.errors && [...response.errors];
    const originals = sent.map((i) =>
      deduped.indexOf.flatMap((u, position) => (u === i ? [position] : [])),
    );
    if (Array.isArray(answers) && answers.length === sent.length) {
      for (const [j, i] of sent.entries()) fetched[i] = objectOrNull(answers[j]);
      if (errors) errors = remapEntityErrors(errors, originals);
      if (batch.ok)
        await store(
          fetch,
          targets,
          sent,
          fetched,
          batch,
          blockedByErrors(response.errors, true),
          plan,
        );
    } else if (!errors?.length) {
      errors = [
        {
          message: `The ${client.name} subgraph returned an invalid response.`,
          extensions: { code: ErrorCode.DOWNSTREAM_SERVICE_ERROR, serviceName: client.name },
        },
      ];
    } else {
      // A failed fetch (the subgraph client's answer when the subgraph is down) names each sent
      // representation: each becomes the paths of its entities, so the client sees one error per
      // path it was to fill. Any other path points into a list we cannot match.
      const sentPath = (path: GraphQLFormattedError['path']) =>
        path?.[0] === '_entities' && typeof path[1] === 'number' && path[1] < sent.length;
      errors = remapEntityErrors(
        errors.map(({ path, ...rest }) => (sentPath(path) ? { ...rest, path } : rest)),
        originals,
      );
    }
  }

  // 4. Merge in the original order; a duplicate gets its own copy (the gateway merges in place).
  const merged = targets.map((t, i) =>
    assemble(t.typeName, t.typenameKeys, t.units, t.hits, fetched[i]),
  );
  const seen = new Set<number>();
  const entities = deduped.indexOf.map((u) =>
    seen.has(u) ? structuredClone(merged[u]) : (seen.add(u), merged[u]),
  );
  return errors ? { data: { _entities: entities }, errors } : { data: { _entities: entities } };
}

/**
 * Stores each fetched field under its own TTL, unless an error touches it.
 * why: awaited before answering (one pipelined round trip), so the caller's next request, on any
 * gateway instance, finds what this one fetched; a failing store costs at most its command timeout.
 */
async function store(
  fetch: FetchContext,
  targets: readonly Target[],
  sent: readonly number[],
  fetched: readonly (Record<string, unknown> | null | undefined)[],
  batch: LookupBatch,
  blocked: (sentIndex: number, responseKey: string) => boolean,
  plan: EntitiesPlan,
): Promise<void> {
  const now = fetch.runtime.now();
  const writes = sent.flatMap((i, j) => {
    const target = targets[i]!;
    const answer = fetched[i];
    if (!answer) return [];
    return [...target.lookups].flatMap(([unitIndex, entry]) => {
      const unit = plan.units[unitIndex]!;
      if (
        target.hits.has(unitIndex) ||
        blocked(j, unit.responseKey) ||
        !Object.hasOwn(answer, unit.responseKey)
      )
        return [];
      const value = encodeEntry(
        batch.tag(entry),
        now,
        toStored(answer[unit.responseKey], unit.shape),
      );
      return [{ key: batch.keyOf(entry), value, ttlSeconds: unit.policy.maxAge }];
    });
  });
  if (writes.length) await fetch.runtime.store.mset(writes);
}

function objectOrNull(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}
