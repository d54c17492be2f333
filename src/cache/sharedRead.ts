import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GatewayContext } from '../context.js';
import type { CacheScope } from './policy.js';
import type { ResponsePolicy } from './responsePolicy.js';

/** What one cache read served, replayed into every request that shared it. */
interface Read {
  readonly response: GatewayGraphQLResponse;
  readonly served: readonly (readonly [maxAge: number, scope: CacheScope])[];
  readonly uncacheable: boolean;
}

interface Flight {
  readonly promise: Promise<Read>;
  followers: number;
  /** The response as JSON, made once for the followers' copies. */
  text?: string;
}

/**
 * Identical cache reads in flight at once (same subgraph fetch, same private scope) share one
 * lookup, the way identical subgraph fetches share one request: a warm cache under many identical
 * requests does its lookups and `JSON.parse`s once, not once per request. Each request gets its
 * own copy of the answer (`@apollo/gateway` merges into it) and the `Cache-Control` contributions
 * of the shared read. A read whose answer has errors is not shared: each waiting request reads for
 * itself, so failures, degraded markers and deadlines stay its own. A read never joins one that
 * started before this gateway's last mutation (`wrote()`): a client reads its own writes.
 */
export class SharedReads {
  private readonly flights = new Map<string, Flight>();
  private generation = 0;

  constructor(private readonly policy: ResponsePolicy) {}

  /** A mutation went through this gateway: later reads never join earlier ones. */
  wrote(): void {
    this.generation += 1;
  }

  /**
   * `read` with a policy that records instead of applying; the recorded contributions are applied
   * to `context` (and every follower's) once the read is done.
   */
  async read(
    key: string,
    context: GatewayContext,
    read: (policy: ResponsePolicy) => Promise<GatewayGraphQLResponse>,
  ): Promise<GatewayGraphQLResponse> {
    const fullKey = `${this.generation}\n${key}`;
    const existing = this.flights.get(fullKey);
    if (existing) {
      existing.followers += 1;
      const shared = await existing.promise;
      if (shared.response.errors?.length) return read(this.policy);
      existing.text ??= JSON.stringify(shared.response);
      this.apply(context, shared);
      return JSON.parse(existing.text) as GatewayGraphQLResponse;
    }
    const flight: Flight = { promise: this.record(read), followers: 0 };
    this.flights.set(fullKey, flight);
    try {
      const own = await flight.promise;
      this.apply(context, own);
      // why: followers copy from the text (or the object) after this returns; serialize first,
      // before `@apollo/gateway` merges later fetches into the leader's objects.
      if (flight.followers && !own.response.errors?.length)
        flight.text ??= JSON.stringify(own.response);
      return own.response;
    } finally {
      if (this.flights.get(fullKey) === flight) this.flights.delete(fullKey);
    }
  }

  private async record(
    read: (policy: ResponsePolicy) => Promise<GatewayGraphQLResponse>,
  ): Promise<Read> {
    const served: [number, CacheScope][] = [];
    let uncacheable = false;
    const recorder: ResponsePolicy = {
      served: (_context, maxAge, scope) => void served.push([maxAge, scope]),
      uncacheable: () => {
        uncacheable = true;
      },
      part: this.policy.part,
    };
    const response = await read(recorder);
    return { response, served, uncacheable };
  }

  private apply(context: GatewayContext, read: Read): void {
    for (const [maxAge, scope] of read.served) this.policy.served(context, maxAge, scope);
    if (read.uncacheable) this.policy.uncacheable(context);
  }
}
