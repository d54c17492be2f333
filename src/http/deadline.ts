import type { GatewayContext } from '../context.js';

/**
 * The overall deadline of each GraphQL request (`REQUEST_TIMEOUT_MS`). The HTTP layer starts it and
 * answers 504 `GATEWAY_TIMEOUT` when it passes; the subgraph client aborts the request's fetches
 * on the same signal, so no work continues for an answer nobody waits for; the request log counts
 * the request as timed out.
 */
export interface RequestDeadlines {
  /** Ties a request's deadline signal to its context (called when the context is created). */
  bind(context: GatewayContext, signal: AbortSignal): void;
  /** The deadline signal of a request, if any. */
  signalOf(context: GatewayContext | undefined): AbortSignal | undefined;
  /** Whether the request's deadline has passed (its client got a 504). */
  expired(context: GatewayContext): boolean;
}

export function createRequestDeadlines(): RequestDeadlines {
  // why: Apollo Server hands plugins and the executor a shallow copy of the context we create, so
  // the context object itself is no key; its `headers` object is shared by every copy and unique
  // to the request. A WeakMap, so nothing outlives the request.
  const signals = new WeakMap<object, AbortSignal>();
  return {
    bind: (context, signal) => void signals.set(context.headers, signal),
    signalOf: (context) => (context ? signals.get(context.headers) : undefined),
    expired: (context) => signals.get(context.headers)?.aborted ?? false,
  };
}
