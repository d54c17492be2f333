import type { AdmissionState } from './admission.js';
import type { ResponseCachePolicy } from './cache/responsePolicy.js';
import type { FetchTally } from './cost/fetchLedger.js';
import type { BucketResult } from './rateLimit/bucket.js';

/**
 * Everything the gateway records about one request while serving it: one object per HTTP request,
 * created with the context (`GatewayContext.state`). Apollo Server hands plugins, the executor and
 * every subgraph fetch a shallow copy of the context, so the copies share this object by
 * reference; a feature finds its request's state here, whichever copy it was given, and nothing
 * outlives the request. Each field belongs to one feature, which alone writes it.
 */
export interface RequestState {
  /**
   * HTTP: the request's overall deadline (`REQUEST_TIMEOUT_MS`), aborted when it passes and the
   * client got its 504. Subgraph fetches abort on it; the request log counts the request as timed
   * out. Absent for requests the HTTP layer did not start (persisted-operation warm-ups).
   */
  readonly deadline: AbortSignal | undefined;
  /** Admission: the admitted request and what each step kept of it; once an operation resolved. */
  admission: AdmissionState | undefined;
  /** Cost: the actual cost of the fetches answered so far; opened by the cost step. */
  fetchCost: FetchTally | undefined;
  /** Subgraph client: the subgraphs that failed while serving the request. */
  readonly degradedSubgraphs: Set<string>;
  /** Cache: the response's `Cache-Control` so far (lowest TTL served, any part private). */
  readonly cachePolicy: ResponseCachePolicy;
  /**
   * Rate limit: the caller's bucket as last reported (taken, or refunded after execution), and
   * the `Retry-After` of a refusal; the response's RateLimit headers and `budgetRemaining`.
   */
  rateLimit: { readonly bucket: BucketResult; readonly retryAfter?: string } | undefined;
  /** Plan and execute: the query plan, when the client asked to see it (`exposeQueryPlan`). */
  queryPlan: { readonly text: string; readonly object: unknown } | undefined;
  /** Request log: whether the request log plugin logged and counted the request. */
  logged: boolean;
}

/** A new request's state; `deadline` is the HTTP layer's signal for the request. */
export function createRequestState(deadline?: AbortSignal): RequestState {
  return {
    deadline,
    admission: undefined,
    fetchCost: undefined,
    degradedSubgraphs: new Set(),
    cachePolicy: { maxAge: Infinity, private: false },
    rateLimit: undefined,
    queryPlan: undefined,
    logged: false,
  };
}
