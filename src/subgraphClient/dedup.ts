import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { dedupeRepresentations, remapEntityErrors } from './representations.js';
import type { Principal } from '../context.js';
import type { Failure } from './failure.js';
import { onAbort } from './onAbort.js';

/**
 * Subgraph fetch deduplication (`SUBGRAPH_DEDUP`), pure apart from the abort signals:
 * - identical query fetches in flight at once share one HTTP fetch (`InflightFetches`);
 * - an `_entities` fetch sends each distinct representation once (`compactEntities`).
 * Nothing outlives a fetch: this is no cache.
 */

/** One fetch shared by every caller of one key while it is in flight. */
interface Flight<T> {
  readonly controller: AbortController;
  promise?: Promise<T>;
  waiters: number;
  settled: boolean;
}

/** How a caller of {@link InflightFetches.join} got its result. */
export type Joined<T> =
  | { readonly value: T; readonly leader: boolean }
  /** The caller's own signal aborted first; the fetch went on for the other callers. */
  | undefined;

/**
 * Fetches in flight by key. The first caller of a key (the leader) starts `run`; later callers
 * (followers) await the same promise.
 *
 * why its own signal: the shared fetch serves several requests, so no single request's deadline
 * may abort it. Each caller races its own signal instead and leaves alone when it fires; the fetch
 * is aborted (and forgotten, so a newcomer starts afresh) only once no caller waits any more.
 */
export class InflightFetches<T> {
  private readonly flights = new Map<string, Flight<T>>();

  async join(
    key: string,
    signal: AbortSignal | undefined,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<Joined<T>> {
    if (signal?.aborted) return undefined;
    let flight = this.flights.get(key);
    const leader = !flight;
    if (!flight) {
      const started: Flight<T> = { controller: new AbortController(), waiters: 0, settled: false };
      this.flights.set(key, started);
      started.promise = run(started.controller.signal).finally(() => {
        started.settled = true;
        this.forget(key, started);
      });
      flight = started;
    }
    flight.waiters += 1;
    try {
      const value = await raceAbort(flight.promise!, signal);
      return value === ABORTED ? undefined : { value, leader };
    } finally {
      flight.waiters -= 1;
      if (flight.waiters === 0 && !flight.settled) {
        this.forget(key, flight);
        flight.controller.abort();
      }
    }
  }

  /** Fetches in flight now. */
  get size(): number {
    return this.flights.size;
  }

  private forget(key: string, flight: Flight<T>): void {
    if (this.flights.get(key) === flight) this.flights.delete(key);
  }
}

const ABORTED = Symbol('aborted');

/** `promise`, or `ABORTED` as soon as `signal` aborts (the promise keeps running). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined) {
  if (!signal) return promise;
  return new Promise<T | typeof ABORTED>((resolve, reject) => {
    // why not addEventListener: every fetch of a request waits on its one deadline signal.
    const stop = onAbort(signal, () => resolve(ABORTED));
    void promise.finally(stop).then(resolve, reject);
  });
}

/** What one fetch (retries included) came to, before it is answered to each request awaiting it. */
export type FetchOutcome =
  | {
      readonly ok: true;
      readonly response: GatewayGraphQLResponse;
      /** A fresh copy of `response`, for each further request that shared the fetch. */
      readonly copy: () => GatewayGraphQLResponse;
    }
  | { readonly ok: false; readonly failure: Failure; /** for the log */ readonly detail?: string };

/**
 * A successful fetch, and how each further request sharing it gets its own copy.
 * why parse the text again: `@apollo/gateway` merges into subgraph results in place, so requests
 * never share one object; for a ~20 KB answer `JSON.parse` of the kept text took 75 µs against
 * 130 µs for `structuredClone` of the parsed object (Node 20).
 */
export function succeeded(
  response: GatewayGraphQLResponse,
  text: string,
  expand: ((response: GatewayGraphQLResponse) => GatewayGraphQLResponse) | undefined,
): FetchOutcome {
  const parse = () => JSON.parse(text) as GatewayGraphQLResponse;
  return expand
    ? { ok: true, response: expand(response), copy: () => expand(parse()) }
    : { ok: true, response, copy: parse };
}

/**
 * Who the subgraph sees as the caller. The internal token carries the caller's `sub` and scopes
 * only, so callers equal in issuer, `sub` and scopes get tokens of equal claims; keying on the
 * token text instead would miss whenever the signer's cache renews a token mid-flight.
 */
export function callerIdentity(principal: Principal | null | undefined): string {
  if (!principal) return 'anonymous';
  return JSON.stringify([principal.issuer ?? null, principal.sub, [...principal.scopes].sort()]);
}

/**
 * The key of a shareable fetch: caller, partition (see `SendOptions.share`), the exact body sent
 * and the header rules' headers (`headers`, see `headerVariation`): fetches that would send other
 * headers never share. The subgraph is implicit: each subgraph client keeps its own fetches.
 */
export function fetchKey(identity: string, partition: string, body: string, headers = ''): string {
  // why: JSON strings hold no raw newline, so the first line cannot run into the body.
  const head = headers ? [identity, partition, headers] : [identity, partition];
  return `${JSON.stringify(head)}\n${body}`;
}

/** An `_entities` fetch with its repeated representations left out. */
export interface CompactEntities {
  /** The request body to send: each distinct representation once. */
  readonly body: string;
  /** Representations sent. */
  readonly count: number;
  /** The subgraph's answer, back in the original positions. */
  readonly expand: (response: GatewayGraphQLResponse) => GatewayGraphQLResponse;
}

/**
 * `@apollo/gateway` sends one representation per parent, so 50 products of 5 sellers ask for the
 * same 5 users 10 times each. Returns undefined when no representation repeats.
 */
export function compactEntities(request: {
  readonly query: string;
  readonly variables: Record<string, unknown> | undefined;
  readonly operationName: string | undefined;
}): CompactEntities | undefined {
  const list = request.variables?.representations;
  if (!Array.isArray(list) || list.length < 2) return undefined;
  const deduped = dedupeRepresentations(list as Record<string, unknown>[]);
  if (deduped.unique.length === list.length) return undefined;
  const originals: number[][] = deduped.unique.map(() => []);
  deduped.indexOf.forEach((unique, position) => originals[unique]!.push(position));
  const body = JSON.stringify({
    ...request,
    variables: { ...request.variables, representations: deduped.unique },
  });
  return {
    body,
    count: deduped.unique.length,
    expand: (response) => expandEntities(response, deduped.indexOf, originals),
  };
}

/**
 * Each original position gets the entity of its representation, as its own copy: the gateway
 * merges later fetches into these objects in place, so positions must not share one. Errors at
 * `_entities.i` are repeated at every original position of `i` (what the subgraph would have said).
 */
function expandEntities(
  response: GatewayGraphQLResponse,
  indexOf: readonly number[],
  originals: readonly (readonly number[])[],
): GatewayGraphQLResponse {
  const errors = response.errors && remapEntityErrors(response.errors, originals);
  const data = response.data as Record<string, unknown> | null | undefined;
  const entities: unknown = data?._entities;
  if (!data || !Array.isArray(entities)) return errors ? { ...response, errors } : response;
  const list = entities as readonly unknown[];
  const taken = new Set<number>();
  const expanded = indexOf.map((unique) =>
    taken.has(unique) ? structuredClone(list[unique]) : (taken.add(unique), list[unique]),
  );
  const out: GatewayGraphQLResponse = { ...response, data: { ...data, _entities: expanded } };
  return errors ? { ...out, errors } : out;
}
