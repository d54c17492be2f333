import { OperationTypeNode } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { ResponsePart } from '../respond.js';
import type { CacheScope } from './policy.js';

/**
 * The response's `Cache-Control`: the lowest TTL of everything served for the request (from the
 * cache, with what remains of its TTL, or from a subgraph), `private` if any part was private or
 * the caller is authenticated, `no-store` when nothing cacheable was served, for mutations and for
 * responses with errors. What was served so far is kept in the request's state
 * (`RequestState.cachePolicy`).
 */
export interface ResponsePolicy {
  /** Records one served value; called by the caching data source for every field it serves. */
  served(context: GatewayContext, maxAge: number, scope: CacheScope): void;
  /** The response must not be stored (a mutation, a fetch the cache could not analyse). */
  uncacheable(context: GatewayContext): void;
  /** Its part of every response: the `Cache-Control` header. */
  readonly part: ResponsePart;
}

/** A request's `Cache-Control` so far; nothing served yet = `maxAge` Infinity (not cacheable). */
export interface ResponseCachePolicy {
  maxAge: number;
  private: boolean;
}

export function createResponsePolicy(): ResponsePolicy {
  return {
    served(context, maxAge, scope) {
      const state = context.state.cachePolicy;
      state.maxAge = Math.min(state.maxAge, Math.max(0, Math.floor(maxAge)));
      state.private ||= scope === 'PRIVATE';
    },
    uncacheable(context) {
      context.state.cachePolicy.maxAge = 0;
    },
    part: {
      name: 'cache',
      contribute(context, { operation, hasErrors }) {
        const state = context.state.cachePolicy;
        const cacheable =
          Number.isFinite(state.maxAge) &&
          state.maxAge > 0 &&
          operation?.operation === OperationTypeNode.QUERY &&
          !hasErrors;
        // why: a shared HTTP cache may serve a response to an `Authorization` request to others
        // only when it says `public`; an authenticated caller's response never does
        // (docs/security.md case 87), whatever its fields' scopes.
        const scope = state.private || context.principal ? 'private' : 'public';
        return {
          headers: {
            'cache-control': cacheable ? `max-age=${state.maxAge}, ${scope}` : 'no-store',
          },
        };
      },
    },
  };
}
